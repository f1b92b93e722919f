package views

import "strings"

// PreviewEndpoint is where the preview panel posts what it shows the chains of (the filter XML
// in a field named xml, and the PreviewForm's fields); the answer is PreviewResult.
const PreviewEndpoint = "/preview"

// Preview is the predicted firewall state of one filter on one port.
type Preview struct {
	Model string // what the prediction models, e.g. "libvirt 9.0 (Debian 12), ..."
	Dev   string
	MAC   string
	// Tables are iptables, ip6tables and ebtables, in that order; none when refused.
	Tables []PreviewTable
	// Learning: the port gives no $IP and libvirt learns it, so the tables are its rules while
	// it learns.
	Learning bool
	// Refusal is libvirt's message when it would refuse the filter (RefusalOp "define") or the
	// binding ("instantiate"); Unordered says the names it lists come in an order of its own.
	Refusal   string
	RefusalOp string
	Unordered bool
	// Error is a failure to predict that is not libvirt's refusal (a filterref cannot be read).
	Error string
	// Notice says plainly what the prediction could not take into account.
	Notice string
}

// PreviewTable is one table's predicted text, line by line.
type PreviewTable struct {
	Name  string // iptables, ip6tables, ebtables
	Tool  string // the command whose output it is: "iptables-save -t filter", ...
	Lines []PreviewLine
	Ties  []PreviewTie
}

// PreviewLine is one line of a table.
type PreviewLine struct {
	Text string
	Tie  int // 1-based index of the PreviewTie it belongs to, 0 when its place is fixed
}

// PreviewTie is a run of lines whose order libvirt leaves to its hash seed.
type PreviewTie struct {
	Chain    string
	Priority int
	Lines    int
}

// Text is the table as the save tool prints it.
func (t PreviewTable) Text() string {
	var b strings.Builder
	for _, l := range t.Lines {
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Empty is true when the tool would print nothing of note for the port.
func (t PreviewTable) Empty() bool { return len(t.Lines) == 0 }

// PreviewForm is the port a preview is for: its device, MAC and a value for each variable the
// filter tree uses. Embedded in a form that also has the filter XML (field xml), the panel
// posts them all to PreviewEndpoint whenever one changes.
type PreviewForm struct {
	Dev  string
	MAC  string
	Vars []PreviewVar
	// UsesIP: the tree uses $IP, so the panel offers CTRL_IP_LEARNING; Learning is its value.
	UsesIP   bool
	Learning string
	// UsesMAC: the tree uses $MAC, which is the port's MAC.
	UsesMAC bool
}

// PreviewVar is one variable's input: its values, separated by commas or spaces (several make a
// list), and what the tree says about it.
type PreviewVar struct {
	Name   string
	Value  string
	List   bool     // read as a list ($NAME[@n], $NAME[n])
	Min    int      // values an element access needs
	Given  []string // values a filterref in the tree passes, used when the field is empty
	Help   string
	Needed bool // no value anywhere: libvirt refuses without one
}

// Names lists the variables' names, comma-separated: the panel sends it back so that the
// inputs are redrawn only when the set of variables changes.
func (f PreviewForm) Names() string {
	names := make([]string, len(f.Vars))
	for i, v := range f.Vars {
		names[i] = v.Name
	}
	if f.UsesIP {
		names = append(names, "+IP")
	}
	if f.UsesMAC {
		names = append(names, "+MAC")
	}
	return strings.Join(names, ",")
}

// PreviewPanel is the reusable preview: the port form and the predicted tables, updated as the
// enclosing form changes.
type PreviewPanel struct {
	Form   PreviewForm
	Result Preview
	// Title heads the panel ("Predicted chains", ...); Intro is a sentence under it.
	Title string
	Intro string
	// Endpoint is where the panel posts the enclosing form (PreviewEndpoint when empty, which
	// expects the XML in a field named xml); a page that builds the XML from other fields
	// routes its own endpoint to a handler that does, then renders PreviewFragment.
	Endpoint string
}

// PostTo is where the panel posts.
func (p PreviewPanel) PostTo() string {
	if p.Endpoint == "" {
		return PreviewEndpoint
	}
	return p.Endpoint
}

// PortDrift compares what libvirt predicts for a port with what the host has.
type PortDrift struct {
	// State is "match", "drift", "missing" (the host has none of the port's chains),
	// "learning" (the prediction is libvirt's learning state and the host differs: it may have
	// learned $IP since) or "unknown" (no prediction, or the host's tables cannot be read).
	State string
	// Filter is the port's own filter, the root of the tree predicted (it may reference the
	// filter whose page this is).
	Filter string
	Params []Param
	// Predicted are the predicted tables cut down to the port.
	Predicted Preview
	// Diffs are the tables that differ: - predicted only, + on the host only.
	Diffs []TableDiff
}

// TableDiff is one table's difference between prediction and host.
type TableDiff struct {
	Name  string
	Tool  string
	Lines []TableDiffLine
}

// TableDiffLine is one line of a table diff: Op ' ' both, '-' predicted only, '+' host only.
type TableDiffLine struct {
	Op   string
	Text string
}
