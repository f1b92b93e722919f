package views

import "time"

// AuditRow is one entry of the history.
type AuditRow struct {
	ID         int64
	Time       time.Time
	Actor      string
	ClientAddr string
	RequestID  string
	Action     string
	Target     string
	URI        string
	Result     string
	Error      string
	Duration   time.Duration
	Note       string
	Outside    bool   // a change made outside nwfilter-web, noticed afterwards
	TargetURL  string // the target's timeline, "" when it has none
}

// AuditFilter is the history page's filter form, as typed.
type AuditFilter struct {
	Target string
	Actor  string
	Action string
	Result string
	Domain string
	Since  string // YYYY-MM-DDTHH:MM (UTC), as a datetime-local input gives it
	Until  string
}

// Any reports whether any filter is set.
func (f AuditFilter) Any() bool {
	return f != AuditFilter{}
}

// ChainStatus is what the history page says about the hash chain.
type ChainStatus struct {
	State         string // ChainUnknown, ChainRunning, ChainOK, ChainBroken, ChainFailed
	CheckedAt     time.Time
	Took          time.Duration
	Rows          int
	Events        int
	Head          string
	FirstBrokenID int64
	Reason        string
	ArchivedRows  int64
	ArchivePath   string
}

// Chain states.
const (
	ChainUnknown = "unknown" // not verified since the server started
	ChainRunning = "running"
	ChainOK      = "ok"
	ChainBroken  = "broken"
	ChainFailed  = "failed" // could not be read
)

// AuditList is the audit history page.
type AuditList struct {
	Meta      Meta
	Filter    AuditFilter
	Actions   []string // for the action filter's choices
	Entries   []AuditRow
	OlderURL  string // the next (older) keyset page with the same filters, "" when none
	NewestURL string // the first page with the same filters, "" when on it
	CSVURL    string // the filtered history as CSV
	JSONLURL  string // ... and as JSON Lines
	Chain     ChainStatus
	Error     string
}

// Diff line kinds.
const (
	DiffContext = "context"
	DiffDel     = "del"
	DiffAdd     = "add"
)

// DiffSegment is part of a changed line: Changed marks where it differs from its partner.
type DiffSegment struct {
	Text    string
	Changed bool
}

// DiffLine is one line of a unified diff. Old and New are 1-based line numbers, 0 on the side
// the line is not on. Segments, when set, split Text to highlight what changed.
type DiffLine struct {
	Kind     string
	Old, New int
	Text     string
	Segments []DiffSegment
}

// DiffHunk is one "@@ -a,b +c,d @@" section.
type DiffHunk struct {
	Header string
	Lines  []DiffLine
}

// Diff is a unified line diff of before -> after.
type Diff struct {
	Hunks   []DiffHunk
	Same    bool
	Added   int
	Removed int
}

// RollbackOption is one version an entry can restore.
type RollbackOption struct {
	Label  string
	URL    string
	TestID string
}

// AuditEntryPage is one entry: its fields and the diff of before -> after.
type AuditEntryPage struct {
	Meta        Meta
	Entry       AuditRow
	Before      string
	After       string
	Diff        Diff
	Restore     []RollbackOption // none when the entry's target has no versions to restore
	TimelineURL string
}

// TimelineItem is one entry on a timeline, with its diff.
type TimelineItem struct {
	Row  AuditRow
	Diff Diff
}

// AuditTimeline is the history of one filter or one VM (its NICs and its own actions).
type AuditTimeline struct {
	Meta       Meta
	Kind       string // "filter" or "domain"
	Name       string
	Items      []TimelineItem
	OlderURL   string
	HistoryURL string // the history page filtered to the same target
}

// PredictedPort is the chains libvirt 9.0 would make on one port once the version is restored.
type PredictedPort struct {
	Label    string // "vnet3 — web1 52:54:00:..", or an example port when none uses it
	Example  bool
	Error    string // libvirt would refuse (its message), or why it cannot be predicted
	Learning bool   // libvirt waits to learn the VM's IP address before making the chains
	Tables   string // iptables-save, ip6tables-save and ebtables-save, one after the other
	Diff     Diff   // against what the port's chains are predicted to be now
}

// RollbackPreview is the page before a rollback: what changes, and the chains it makes.
type RollbackPreview struct {
	Meta     Meta
	Entry    AuditRow
	To       string // "before" or "after": which of the entry's versions is restored
	Kind     string // "filter", "nic" or "binding"
	Target   string
	Current  string // the target's XML now ("" when it does not exist)
	Restored string // the version to restore ("" means: remove the target)
	Diff     Diff   // current -> restored
	Digest   string // of Current: the rollback is refused if the target changed since
	Ports    []PredictedPort
	Notice   string // why there is nothing to do, or what the rollback will do beyond a define
	Error    string
	CanApply bool
}
