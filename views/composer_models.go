package views

import (
	"strconv"
	"strings"
)

// ComposerPage is the rule composer for a new, cloned or existing filter: the filter as forms
// (or as XML, the other view of the same filter), its XML, what libvirt would say of it, and the
// chains libvirt would make of it on a port.
type ComposerPage struct {
	Meta Meta
	Orig string // the filter being edited; "" for a new one
	From string // the filter a new one was cloned from
	Mode string // "form" or "xml"
	// Digest is the version of the existing filter the composing started from.
	Digest string

	Filter ComposerFilter
	// XML is the filter written out: shown beside the forms, or the text of the XML view.
	XML string
	// XMLError says why the XML view's text cannot be read as a filter.
	XMLError string
	// Problems are all of what Check found, for the list beside the XML view and the counts.
	Problems []FieldMsg
	Errors   int
	Warnings int
	// Error is why nothing was defined: the composer's checks, or libvirt's refusal.
	Error  string
	Notice string
	// Tried: the user has tried to define the filter, so a missing name is a refusal, no
	// longer a hint.
	Tried bool
	// Unnamed: the filter has no name yet (and Tried is false): libvirt would refuse it, but
	// that is the user's next step, not an error.
	Unnamed bool

	// Preview is the chains libvirt would make of the filter on a port (its Endpoint reads the
	// composer's form).
	Preview PreviewPanel

	Filters   []string // filters a reference may name
	Protocols []ProtocolChoice
	Chains    []string // the chains libvirt knows by name
}

// ComposerFilter is the filter's own fields and its entries.
type ComposerFilter struct {
	Name     string
	Chain    string
	Priority string
	// PriorityHint is the chain's default priority, shown when none is written.
	PriorityHint string
	UUID         string
	Keep         string // what the forms do not show, carried along (opaque)
	Msgs         map[string]FieldMsg
	Kept         []string // what is carried along, said in words
	Entries      []ComposerEntry
}

// Msg returns the message slot of one of the filter's fields.
func (f ComposerFilter) Msg(field string) FieldMsg { return msgOf(f.Msgs, -1, field) }

// ComposerEntry is one rule or filter reference.
type ComposerEntry struct {
	Index int
	Rule  bool // a rule; a filter reference otherwise

	Action     string
	Direction  string
	Priority   string
	StateMatch string
	Protocol   string
	Attrs      []ComposerAttr // every attribute of the protocol, set or not

	Filter string
	Params []Param

	Keep string   // what the forms do not show, carried along (opaque)
	Kept []string // the same in words
	Msgs map[string]FieldMsg
}

// Msg returns the message slot of one of the entry's fields.
func (e ComposerEntry) Msg(field string) FieldMsg { return msgOf(e.Msgs, e.Index, field) }

// Field is the form field name of one of the entry's fields.
func (e ComposerEntry) Field(name string) string { return EntryField(e.Index, name) }

// ComposerAttr is one attribute of a protocol element in the form.
type ComposerAttr struct {
	Name    string
	Help    string // what it matches
	Format  string // how its value is written
	Example string
	Value   string
	Neg     bool   // match='no'
	Suggest string // the id of a datalist of values, "" when none
}

// FieldMsg is what the composer says of one field: an error (libvirt refuses it), a warning
// (libvirt takes it but not as written), a hint (what to do next), or nothing. ID is the
// element it is shown in.
type FieldMsg struct {
	ID      string
	Label   string // the field, in words (for the list of all problems)
	Text    string
	Warning bool
	Hint    bool
}

// Class is the CSS class of the message.
func (m FieldMsg) Class() string {
	switch {
	case m.Text == "":
		return "fieldmsg"
	case m.Hint:
		return "fieldmsg hint"
	case m.Warning:
		return "fieldmsg warn"
	}
	return "fieldmsg bad"
}

// ProtocolChoice is one protocol element the composer offers.
type ProtocolChoice struct {
	Name  string
	Layer string
	Help  string
}

// AllMsgs lists every message slot the page shows, so that a check can refresh each one: a
// slot the page does not show must not be listed (htmx logs an out-of-band swap without a
// target as an error). The XML view shows the filter's fields but not the entries' forms.
func (p ComposerPage) AllMsgs() []FieldMsg {
	var out []FieldMsg
	for _, m := range p.Filter.Msgs {
		out = append(out, m)
	}
	if p.Mode == "xml" {
		return out
	}
	for _, e := range p.Filter.Entries {
		for _, m := range e.Msgs {
			out = append(out, m)
		}
	}
	return out
}

// MsgID is the id of the element that shows the message of one field (entry -1: the filter's).
func MsgID(entry int, field string) string {
	var b strings.Builder
	b.WriteString("m-")
	if entry < 0 {
		b.WriteString("f")
	} else {
		b.WriteString(strconv.Itoa(entry))
	}
	b.WriteString("-")
	for _, c := range field {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			b.WriteRune(c)
		} else {
			b.WriteRune('-')
		}
	}
	return b.String()
}

// EntryField is the form field name of field name of entry i ("e3.action").
func EntryField(i int, name string) string { return "e" + strconv.Itoa(i) + "." + name }

func msgOf(m map[string]FieldMsg, entry int, field string) FieldMsg {
	if msg, ok := m[field]; ok {
		return msg
	}
	return FieldMsg{ID: MsgID(entry, field)}
}

func entryKind(e ComposerEntry) string {
	if e.Rule {
		return "rule"
	}
	return "ref"
}

func attrID(e ComposerEntry, a ComposerAttr) string {
	return "a-" + strconv.Itoa(e.Index) + "-" + a.Name
}

// choices are value and label pairs; a value that is none of them (as read from XML) is added,
// marked, so that it is kept and shown.
func choices(cur string, opts [][2]string) [][2]string {
	for _, o := range opts {
		if o[0] == cur {
			return opts
		}
	}
	return append(opts, [2]string{cur, cur + " (not a libvirt value)"})
}

func actionChoices(cur string) [][2]string {
	return choices(cur, [][2]string{
		{"drop", "drop: discard silently"},
		{"reject", "reject: discard and tell the sender"},
		{"accept", "accept: let it through"},
		{"return", "return: leave this filter's chain"},
		{"continue", "continue: go on with the next rule"},
	})
}

func directionChoices(cur string) [][2]string {
	return choices(cur, [][2]string{
		{"in", "in: traffic entering the VM"},
		{"out", "out: traffic leaving the VM"},
		{"inout", "inout: both"},
	})
}

func stateMatchChoices(cur string) [][2]string {
	return choices(cur, [][2]string{
		{"", "tracked (libvirt's default)"},
		{"false", "statematch='false': not tracked"},
	})
}

func layerLabel(layer string) string {
	switch layer {
	case "ethernet":
		return "Ethernet (ebtables)"
	case "ipv4":
		return "IPv4 (iptables)"
	}
	return "IPv6 (ip6tables)"
}

func unknownProtocol(ps []ProtocolChoice, name string) bool {
	if name == "" {
		return false
	}
	for _, p := range ps {
		if p.Name == name {
			return false
		}
	}
	return true
}

func protocolHelp(ps []ProtocolChoice, name string) string {
	for _, p := range ps {
		if p.Name == name {
			return p.Help
		}
	}
	return ""
}

// suggestionLists are the values offered for the attributes that take names.
var suggestionLists = []struct {
	ID     string
	Values []string
}{
	{"dl-ethertype", []string{"arp", "rarp", "ipv4", "ipv6", "vlan"}},
	{"dl-arpopcode", []string{"Request", "Reply", "Request_Reverse", "Reply_Reverse", "DRARP_Request", "DRARP_Reply", "DRARP_Error", "InARP_Request", "ARP_NAK"}},
	{"dl-ipproto", []string{"tcp", "udp", "udplite", "esp", "ah", "icmp", "igmp", "sctp", "icmpv6"}},
	{"dl-state", []string{"NEW", "ESTABLISHED", "RELATED", "INVALID", "NEW,ESTABLISHED", "ESTABLISHED,RELATED", "NONE"}},
	{"dl-tcpflags", []string{"SYN,ACK,RST,FIN/SYN", "SYN,ACK/SYN", "ALL/NONE", "ALL/ALL"}},
	{"dl-ipsetflags", []string{"src", "dst", "src,dst", "dst,src"}},
	{"dl-bool", []string{"true", "false"}},
	{"dl-vars", []string{"$IP", "$MAC", "$DHCPSERVER", "$IPV6"}},
}

// SuggestFor is the datalist offered for an attribute of kind kind, "" when none.
func SuggestFor(kind string) string {
	switch kind {
	case "ethertype", "vlanproto":
		return "dl-ethertype"
	case "arpopcode":
		return "dl-arpopcode"
	case "ipproto":
		return "dl-ipproto"
	case "state":
		return "dl-state"
	case "tcpflags":
		return "dl-tcpflags"
	case "ipsetflags":
		return "dl-ipsetflags"
	case "bool":
		return "dl-bool"
	case "ipv4", "ipv6", "mac":
		return "dl-vars"
	}
	return ""
}
