package sandbox

import (
	"slices"
	"time"
)

// TogglUser is a member of the fake workspace.
type TogglUser struct {
	ID        int64
	Email     string
	FirstName string
	LastName  string
	// Timezone is the user's IANA zone name; OffsetSecs the fixed offset the
	// fake gives their start times (no DST in the sandbox).
	Timezone   string
	OffsetSecs int
	// Inactive is a member the workspace deactivated (Toggl's "inactive").
	Inactive bool
	// Invited is a member whose invitation is still pending: Toggl reports
	// "active": false (and "is_active": false on /users) although the
	// member is not deactivated.
	Invited bool
	Admin   bool
}

// Fullname is "First Last".
func (u TogglUser) Fullname() string { return u.FirstName + " " + u.LastName }

// TogglProject is a project of the fake workspace.
type TogglProject struct {
	ID       int64
	Name     string
	ClientID int64 // 0: none
	Active   bool
	Billable bool
}

// TogglClient is a client (customer) of the fake workspace.
type TogglClient struct {
	ID   int64
	Name string
}

// TogglEntry is a time entry as a test sees it.
type TogglEntry struct {
	ID          int64 // 0 on AddEntry: assigned
	UserID      int64
	ProjectID   int64 // 0: none
	TaskID      int64
	Description string
	Billable    bool
	Start       time.Time // in the user's offset
	Seconds     int64     // negative while running
	TagIDs      []int64
	At          time.Time // last update; zero on AddEntry: now
	Deleted     bool
}

// Running reports whether the entry is a running timer.
func (e TogglEntry) Running() bool { return e.Seconds < 0 }

// togglEntry is the compact stored form (400,000 of them fit in tens of MB).
type togglEntry struct {
	id       int64
	project  int64
	task     int64
	start    int64 // unix seconds
	at       int64 // unix seconds
	desc     string
	tags     []int64
	user     int32 // index into users
	seconds  int32
	billable bool
	deleted  bool
}

// AddUser adds or replaces a workspace member.
func (t *Toggl) AddUser(u TogglUser) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.userIdx[u.ID]; ok {
		t.users[i] = u
	} else {
		t.userIdx[u.ID] = int32(len(t.users)) //nolint:gosec // G115: int32 keeps the fake compact; user counts are far below 2^31
		t.users = append(t.users, u)
	}
	t.version++
}

// Users returns the workspace members.
func (t *Toggl) Users() []TogglUser {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.users)
}

// AddClient adds a client.
func (t *Toggl) AddClient(c TogglClient) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clients = append(t.clients, c)
}

// AddProject adds a project.
func (t *Toggl) AddProject(p TogglProject) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.projects = append(t.projects, p)
}

// Projects returns the workspace's projects.
func (t *Toggl) Projects() []TogglProject {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.projects)
}

// AddEntry stores an entry (its user must exist) and returns its id.
func (t *Toggl) AddEntry(e TogglEntry) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addEntryLocked(e)
}

func (t *Toggl) addEntryLocked(e TogglEntry) int64 {
	ui, ok := t.userIdx[e.UserID]
	if !ok {
		panic("sandbox: toggl entry of unknown user")
	}
	if e.ID == 0 {
		t.nextID++
		e.ID = t.nextID
	}
	at := e.At.Unix()
	if e.At.IsZero() {
		at = t.nextAtLocked()
	}
	t.lastAt = max(t.lastAt, at)
	te := togglEntry{id: e.ID, project: e.ProjectID, task: e.TaskID, start: e.Start.Unix(), at: at,
		desc: e.Description, tags: e.TagIDs, user: ui, seconds: int32(e.Seconds), billable: e.Billable, deleted: e.Deleted} //nolint:gosec // G115: int32 keeps the fake compact; an entry lasts hours, not 68 years
	if i, ok := t.entryIdx[e.ID]; ok {
		t.entries[i] = te
	} else {
		t.entryIdx[e.ID] = int32(len(t.entries)) //nolint:gosec // G115: int32 keeps the fake compact; entry counts are far below 2^31
		t.entries = append(t.entries, te)
	}
	t.version++
	return e.ID
}

// nextAtLocked returns "now" for a last-update time, strictly after every
// earlier one so last_update ordering has no ties between edits.
func (t *Toggl) nextAtLocked() int64 {
	at := max(t.opts.Now().Unix(), t.lastAt+1)
	t.lastAt = at
	return at
}

func (t *Toggl) entryLocked(i int32) TogglEntry {
	e := t.entries[i]
	u := t.users[e.user]
	return TogglEntry{ID: e.id, UserID: u.ID, ProjectID: e.project, TaskID: e.task, Description: e.desc,
		Billable: e.billable, Start: time.Unix(e.start, 0).In(togglZone(u.OffsetSecs)), Seconds: int64(e.seconds),
		TagIDs: slices.Clone(e.tags), At: time.Unix(e.at, 0).UTC(), Deleted: e.deleted}
}

// Entry returns an entry by id (deleted ones too, flagged).
func (t *Toggl) Entry(id int64) (TogglEntry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.entryIdx[id]
	if !ok {
		return TogglEntry{}, false
	}
	return t.entryLocked(i), true
}

// Entries returns every live entry, running ones included.
func (t *Toggl) Entries() []TogglEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]TogglEntry, 0, len(t.entries))
	for i := range t.entries {
		if !t.entries[i].deleted {
			out = append(out, t.entryLocked(int32(i)))
		}
	}
	return out
}

// EditEntry changes an entry as its owner would in Toggl (its last-update
// time moves to now). It reports whether the entry exists.
func (t *Toggl) EditEntry(id int64, edit func(*TogglEntry)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.entryIdx[id]
	if !ok || t.entries[i].deleted {
		return false
	}
	e := t.entryLocked(i)
	edit(&e)
	e.ID, e.At = id, time.Time{}
	t.addEntryLocked(e)
	return true
}

// DeleteEntry deletes an entry: it vanishes from reports (no tombstone).
func (t *Toggl) DeleteEntry(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.entryIdx[id]
	if !ok || t.entries[i].deleted {
		return false
	}
	t.entries[i].deleted = true
	t.entries[i].at = t.nextAtLocked()
	t.version++
	return true
}

// tagIDLocked returns the id of a tag name, creating the tag if needed.
func (t *Toggl) tagIDLocked(name string) int64 {
	if id, ok := t.tags[name]; ok {
		return id
	}
	id := int64(9_000_000 + len(t.tags) + 1)
	t.tags[name], t.tagNames[id] = id, name
	return id
}

// TagID returns the id of a tag, if it exists.
func (t *Toggl) TagID(name string) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.tags[name]
	return id, ok
}

// EntryTags returns the names of an entry's tags.
func (t *Toggl) EntryTags(id int64) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.entryIdx[id]
	if !ok {
		return nil
	}
	var out []string
	for _, tid := range t.entries[i].tags {
		out = append(out, t.tagNames[tid])
	}
	return out
}

func togglZone(offset int) *time.Location {
	if offset == 0 {
		return time.UTC
	}
	return time.FixedZone("", offset)
}
