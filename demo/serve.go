package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/tallyhq/tally/blocks"
)

// serve keeps the sandbox and tally running after the walk-through and
// serves a read-only preview of what Slack shows each person: their DMs,
// the ephemeral answers they saw and their App Home, rendered from the Block
// Kit JSON the Slack fake recorded.
func (d *demo) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", d.opts.Addr)
	if err != nil {
		return fmt.Errorf("preview listener on %s: %w", d.opts.Addr, err)
	}
	srv := &http.Server{Handler: d.previewHandler(), ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	d.printf("\npreview: http://%s/ — what Slack shows each person (read-only). The sandbox keeps running; Ctrl-C stops it.\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const previewCSS = `body{font:15px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f4f4f6;color:#1d1c1d}
header{background:#1f3a5f;color:#fff;padding:12px 24px}header a{color:#fff}
main{max-width:920px;margin:0 auto;padding:16px 24px}
.msg,.home{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:12px 0}
.meta{color:#616061;font-size:12px;margin-bottom:6px}
.tb-header{font-size:18px;margin:4px 0 8px}.tb-section{display:flex;gap:12px;justify-content:space-between;margin:6px 0}
.tb-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px}.tb-context{color:#616061;font-size:13px}
.tb-actions{display:flex;gap:8px;flex-wrap:wrap;margin:6px 0}button,select{font:inherit;padding:3px 10px;border:1px solid #bbb;border-radius:4px;background:#fff}
hr{border:0;border-top:1px solid #ddd}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #e5e5e5;text-align:left}
pre,code{background:#f6f6f6;padding:1px 4px;border-radius:3px}`

// previewHandler serves GET / (everyone) and GET /u/{slackID} (one person).
func (d *demo) previewHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<table><tr><th>person</th><th>role</th><th>time zone</th><th>DMs</th><th>home</th></tr>`)
		people := append([]previewPerson{{id: demoHRAdmin, name: "Hana (HR)", role: "HR admin", tz: "Europe/Berlin"}}, d.previewPeople()...)
		for _, p := range people {
			fmt.Fprintf(&b, `<tr><td><a href="/u/%s">%s</a></td><td>%s</td><td>%s</td><td>%d</td><td>%s</td></tr>`,
				html.EscapeString(p.id), html.EscapeString(p.name), p.role, html.EscapeString(p.tz),
				len(d.slack.DMs(p.id)), yesNo(len(d.slack.HomeViews(p.id)) > 0))
		}
		b.WriteString(`</table>`)
		writePreview(w, "tally demo — week "+d.week.Label(), b.String())
	})
	mux.HandleFunc("GET /u/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var b strings.Builder
		if views := d.slack.HomeViews(id); len(views) > 0 {
			if bs, err := viewBlocks(views[len(views)-1]); err == nil {
				b.WriteString(`<h2>App Home</h2><div class="home">` + blocks.RenderHTML(bs) + `</div>`)
			}
		}
		dms := d.slack.DMs(id)
		fmt.Fprintf(&b, `<h2>Direct messages (%d)</h2>`, len(dms))
		for i := len(dms) - 1; i >= 0; i-- {
			m := dms[i]
			var bs slack.Blocks
			if json.Unmarshal(m.Blocks, &bs) != nil {
				continue
			}
			fmt.Fprintf(&b, `<div class="msg"><div class="meta">tally · %s%s</div>%s</div>`, m.PostedAt.UTC().Format("Mon 2 Jan 15:04 UTC"),
				edited(m.Updates), blocks.RenderHTML(bs.BlockSet))
		}
		eph := d.slack.Ephemerals(id)
		if len(eph) > 0 {
			fmt.Fprintf(&b, `<h2>Answers only they saw (%d, newest first)</h2>`, len(eph))
			for i := len(eph) - 1; i >= 0 && i >= len(eph)-5; i-- {
				var bs slack.Blocks
				if json.Unmarshal(eph[i].Blocks, &bs) != nil {
					continue
				}
				fmt.Fprintf(&b, `<div class="msg"><div class="meta">only visible to you%s</div>%s</div>`, edited(eph[i].Updates), blocks.RenderHTML(bs.BlockSet))
			}
		}
		writePreview(w, "What Slack shows "+d.nameOf(id), b.String())
	})
	return mux
}

type previewPerson struct{ id, name, role, tz string }

func (d *demo) previewPeople() []previewPerson {
	out := make([]previewPerson, 0, len(d.people))
	for _, p := range d.people {
		role := "developer"
		switch {
		case p.Manager:
			role = "manager"
		case p.Contractor:
			role = "contractor"
		}
		out = append(out, previewPerson{id: p.SlackID, name: p.FirstName + " " + p.LastName, role: role, tz: p.TZ})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].role > out[j].role })
	return out
}

func (d *demo) nameOf(slackID string) string {
	if slackID == demoHRAdmin {
		return "Hana (HR)"
	}
	for _, p := range d.people {
		if p.SlackID == slackID {
			return p.FirstName + " " + p.LastName
		}
	}
	return slackID
}

func edited(n int) string {
	if n > 0 {
		return fmt.Sprintf(" · edited %d×", n)
	}
	return ""
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "–"
}

func writePreview(w http.ResponseWriter, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>
<body><header><a href="/">tally demo preview</a> · read-only</header><main><h1>%s</h1>%s</main></body></html>`,
		html.EscapeString(title), previewCSS, html.EscapeString(title), body)
}
