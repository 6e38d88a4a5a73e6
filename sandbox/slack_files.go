package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// slackMaxUpload bounds what the fake stores per file.
const slackMaxUpload = 64 << 20

func (s *Slack) filesGetUploadURLLocked(p map[string]string) slackResult {
	name := p["filename"]
	length, err := strconv.Atoi(p["length"])
	if name == "" || err != nil || length <= 0 {
		return slackFail("invalid_arguments")
	}
	id := s.nextIDLocked("F")
	s.files[id] = &SlackFile{ID: id, Name: name, Length: length}
	s.fileOrder = append(s.fileOrder, id)
	return slackOK(map[string]any{"upload_url": s.base + "upload/v1/" + id, "file_id": id})
}

// serveUpload takes the file bytes POSTed to an upload_url, as multipart
// (field "file", what slack-go sends) or as a raw body.
func (s *Slack) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	content, err := slackReadUpload(r)
	if err != nil {
		http.Error(w, "bad upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	f, ok := s.files[id]
	if ok && !f.Completed {
		f.Content = content
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "file not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "OK - %d", len(content)) //nolint:gosec // G705: text/plain body holding only a number
}

func slackReadUpload(r *http.Request) ([]byte, error) {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(ct, "multipart/") {
		return io.ReadAll(io.LimitReader(r.Body, slackMaxUpload))
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, fmt.Errorf("no file part: %w", err)
		}
		if part.FormName() == "file" || part.FileName() != "" {
			return io.ReadAll(io.LimitReader(part, slackMaxUpload))
		}
	}
}

func (s *Slack) filesCompleteUploadLocked(p map[string]string) slackResult {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p["files"]), &files); err != nil || len(files) == 0 {
		return slackFail("invalid_arguments")
	}
	channel := p["channel_id"]
	if channel == "" {
		channel, _, _ = strings.Cut(p["channels"], ",")
	}
	if channel != "" {
		if channel = s.resolvePostChannelLocked(channel); channel == "" {
			return slackFail("channel_not_found")
		}
	}
	for _, fs := range files {
		f, ok := s.files[fs.ID]
		if !ok || f.Content == nil {
			return slackFail("file_not_found")
		}
	}
	out := make([]any, 0, len(files))
	for _, fs := range files {
		f := s.files[fs.ID]
		f.Title = slackFirst(fs.Title, f.Name)
		f.Channel, f.InitialComment, f.ThreadTS = channel, p["initial_comment"], p["thread_ts"]
		f.Completed = true
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	return slackOK(map[string]any{"files": out})
}
