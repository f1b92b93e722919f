package nwfilter

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// The composer's model of a filter: what a person edits in the forms, read from any filter XML
// and written back the way libvirt 9.0's virNWFilterDefFormat (virsh nwfilter-dumpxml) writes
// it. Parsing keeps everything, including what libvirt would ignore (unknown attributes and
// elements), so that switching between the forms and the XML loses nothing. Writing is done
// here, not through libvirtxml, whose omitempty drops priority='0' (which libvirt reads as 500
// for a rule and as the chain's default for a filter).

// Filter is a filter as the composer edits it.
type Filter struct {
	Name string
	// Chain is the chain attribute as written; "" when the XML names none (libvirt then uses
	// root and ignores the priority).
	Chain string
	// Priority is the chain priority as written; "" when none (libvirt then uses the chain's
	// default: mac -800, vlan -750, ipv4 -700, ipv6 -600, arp -500, rarp -400, others 0).
	Priority string
	UUID     string
	Entries  []Entry
	// Other holds the <filter> element's attributes libvirt does not read, in order.
	Other []XMLAttr
	// Extra holds child elements libvirt ignores, as written.
	Extra []string
}

// Entry is one child of a filter: a rule or a reference to another filter (exactly one is set).
type Entry struct {
	Rule *Rule
	Ref  *Ref
}

// Rule is a <rule>.
type Rule struct {
	Action    string // drop, reject, accept, return, continue
	Direction string // in, out, inout
	// Priority as written; "" when none (libvirt: 500).
	Priority string
	// StateMatch as written; "" when none (libvirt: true; only "false" and "0" turn it off).
	StateMatch string
	// Protocol is the protocol element (tcp, mac, icmpv6, ...); "" for a rule without one.
	Protocol string
	// Attrs are the protocol element's attributes with their negation, in the order written.
	// libvirt merges repeated protocol elements of one rule (it writes one per change of
	// match='no'); so does the model.
	Attrs []Attr
	Other []XMLAttr // other attributes of <rule>
	Extra []string  // child elements libvirt ignores, as written
}

// Attr is one attribute of a rule's protocol element.
type Attr struct {
	Name  string
	Value string
	Neg   bool // in an element with match='no'
}

// Ref is a <filterref> with its parameters, in order (a repeated name makes a list).
type Ref struct {
	Filter string
	Params []Param
	Other  []XMLAttr
	Extra  []string
}

// XMLAttr is an attribute kept as written.
type XMLAttr struct {
	Name, Value string
}

// Attr returns the value of attribute name and whether the rule has it.
func (r *Rule) Attr(name string) (Attr, bool) {
	for _, a := range r.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return Attr{}, false
}

// SetAttr sets (or, with value "", removes) attribute name, keeping its place.
func (r *Rule) SetAttr(name, value string, neg bool) {
	for i, a := range r.Attrs {
		if a.Name == name {
			if value == "" {
				r.Attrs = append(r.Attrs[:i], r.Attrs[i+1:]...)
			} else {
				r.Attrs[i] = Attr{Name: name, Value: value, Neg: neg}
			}
			return
		}
	}
	if value != "" {
		r.Attrs = append(r.Attrs, Attr{Name: name, Value: value, Neg: neg})
	}
}

// Clone returns a deep copy.
func (f *Filter) Clone() *Filter {
	c := *f
	c.Other = append([]XMLAttr(nil), f.Other...)
	c.Extra = append([]string(nil), f.Extra...)
	c.Entries = make([]Entry, len(f.Entries))
	for i, e := range f.Entries {
		c.Entries[i] = e.Clone()
	}
	return &c
}

// Clone returns a deep copy.
func (e Entry) Clone() Entry {
	var c Entry
	if e.Rule != nil {
		r := *e.Rule
		r.Attrs = append([]Attr(nil), e.Rule.Attrs...)
		r.Other = append([]XMLAttr(nil), e.Rule.Other...)
		r.Extra = append([]string(nil), e.Rule.Extra...)
		c.Rule = &r
	}
	if e.Ref != nil {
		r := *e.Ref
		r.Params = append([]Param(nil), e.Ref.Params...)
		r.Other = append([]XMLAttr(nil), e.Ref.Other...)
		r.Extra = append([]string(nil), e.Ref.Extra...)
		c.Ref = &r
	}
	return c
}

// ParseFilter reads any filter XML into the model, keeping what libvirt would ignore. It fails
// only on XML that is not well-formed or whose root is not <filter>; everything else, valid
// for libvirt or not, is read as written so that Check can say what is wrong.
func ParseFilter(s string) (*Filter, error) {
	return parseModel(normalizeAttrSpace(s))
}

// FromLibvirt reads a filter as libvirt's dumpxml prints it. dumpxml leaves the chain priority
// out when it is 0; read back as written, that would mean the chain's default (-800 for mac), so
// here a missing priority is the 0 it stands for. And dumpxml writes tabs and line breaks of
// values raw: here they are what libvirt holds, not the spaces XML would make of them.
func FromLibvirt(s string) (*Filter, error) {
	f, err := parseModel(s)
	if err != nil {
		return nil, err
	}
	if f.Priority == "" {
		f.Priority = "0"
	}
	return f, nil
}

// normalizeAttrSpace does what XML (and so libvirt's libxml2) does to attribute values and Go's
// encoding/xml does not: a raw tab, line feed, carriage return or CR LF becomes a space
// (character references such as &#10; stay what they are).
func normalizeAttrSpace(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	doc, err := scanTags(s)
	if err != nil {
		return s // parseModel reports it
	}
	var eds []edit
	for _, t := range doc.tags {
		for _, a := range t.spans {
			raw := s[a.valStart:a.valEnd]
			if v := normalizeSpace(raw); v != raw {
				eds = append(eds, edit{at: a.valStart, del: a.valEnd - a.valStart, insert: v})
			}
		}
	}
	return applyEdits(s, eds)
}

func parseModel(s string) (*Filter, error) {
	doc, err := scanTags(s)
	if err == nil && len(doc.tags) == 0 {
		err = errors.New("no root element")
	}
	if err != nil {
		return nil, fmt.Errorf("filter XML: %w", err)
	}
	root := doc.tags[0]
	if root.name != "filter" {
		return nil, fmt.Errorf("filter XML: the root element is <%s>, not <filter>", root.name)
	}
	f := &Filter{}
	for _, a := range root.attrs {
		switch a.Name {
		case "name":
			f.Name = a.Value
		case "chain":
			f.Chain = a.Value
		case "priority":
			f.Priority = a.Value
		default:
			f.Other = append(f.Other, a)
		}
	}
	uuidSeen := false
	for _, c := range root.children {
		switch {
		case c.name == "uuid" && !uuidSeen:
			uuidSeen = true
			f.UUID = c.text
		case c.name == "rule":
			f.Entries = append(f.Entries, Entry{Rule: modelRule(c, s)})
		case c.name == "filterref":
			f.Entries = append(f.Entries, Entry{Ref: modelRef(c, s)})
		default:
			f.Extra = append(f.Extra, c.raw(s))
		}
	}
	return f, nil
}

func modelRule(n *tagEl, src string) *Rule {
	r := &Rule{}
	for _, a := range n.attrs {
		switch a.Name {
		case "action":
			r.Action = a.Value
		case "direction":
			r.Direction = a.Value
		case "priority":
			r.Priority = a.Value
		case "statematch":
			r.StateMatch = a.Value
		default:
			r.Other = append(r.Other, a)
		}
	}
	for _, c := range n.children {
		_, known := protoByName(c.name)
		if !known || (r.Protocol != "" && c.name != r.Protocol) {
			r.Extra = append(r.Extra, c.raw(src))
			continue
		}
		r.Protocol = c.name
		neg := false
		for _, a := range c.attrs {
			if a.Name == "match" {
				neg = a.Value == "no"
			}
		}
		for _, a := range c.attrs {
			if a.Name == "match" {
				continue
			}
			// A later element overrides an earlier one, as in libvirt.
			r.removeAttr(a.Name)
			r.Attrs = append(r.Attrs, Attr{Name: a.Name, Value: a.Value, Neg: neg})
		}
		// Children of a protocol element mean nothing to libvirt; they are not kept.
	}
	return r
}

func (r *Rule) removeAttr(name string) {
	for i, a := range r.Attrs {
		if a.Name == name {
			r.Attrs = append(r.Attrs[:i], r.Attrs[i+1:]...)
			return
		}
	}
}

func modelRef(n *tagEl, src string) *Ref {
	r := &Ref{}
	for _, a := range n.attrs {
		if a.Name == "filter" {
			r.Filter = a.Value
		} else {
			r.Other = append(r.Other, a)
		}
	}
	for _, c := range n.children {
		if c.name != "parameter" {
			r.Extra = append(r.Extra, c.raw(src))
			continue
		}
		var p Param
		var other bool
		for _, a := range c.attrs {
			switch a.Name {
			case "name":
				p.Name = a.Value
			case "value":
				p.Value = a.Value
			default:
				other = true
			}
		}
		if other {
			// Kept as written: the model has no place for a parameter's other attributes.
			r.Extra = append(r.Extra, c.raw(src))
			continue
		}
		r.Params = append(r.Params, p)
	}
	return r
}

// XML writes the filter as libvirt's dumpxml does: chain always named, the chain priority left
// out when it is 0 (but written as priority='0' where the chain's default is not 0, so that the
// text means what the model means), <uuid> first, every rule with its priority, attributes in
// libvirt's order with one protocol element per change of match='no', parameters sorted by
// name. Values libvirt reads are written as libvirt prints them back (MACs lowercase, masks as
// prefix lengths, protocol numbers as names, ...); a value libvirt would refuse or change is
// written as typed, so that nothing the user wrote is lost and Check can say what is wrong.
func (f *Filter) XML() string {
	var b strings.Builder
	chain, prio, prioOK := f.effectiveChain()
	b.WriteString("<filter name=")
	writeAttrValue(&b, f.Name)
	b.WriteString(" chain=")
	writeAttrValue(&b, chain)
	switch {
	case !prioOK:
		b.WriteString(" priority=")
		writeAttrValue(&b, f.Priority)
	case prio != 0 || chainDefault(chain) != 0:
		fmt.Fprintf(&b, " priority='%d'", prio)
	}
	writeOther(&b, f.Other)
	b.WriteString(">\n")
	if f.UUID != "" {
		b.WriteString("  <uuid>")
		if u, ok := parseUUID(f.UUID); ok {
			b.WriteString(u)
		} else {
			xml.EscapeText(&b, []byte(f.UUID))
		}
		b.WriteString("</uuid>\n")
	}
	for _, e := range f.Entries {
		switch {
		case e.Rule != nil:
			writeRule(&b, e.Rule)
		case e.Ref != nil:
			writeRef(&b, e.Ref)
		}
	}
	for _, x := range f.Extra {
		b.WriteString("  " + x + "\n")
	}
	b.WriteString("</filter>\n")
	return b.String()
}

// effectiveChain is the chain and priority libvirt makes of the filter's attributes; prioOK is
// false when the priority is one libvirt refuses.
func (f *Filter) effectiveChain() (chain string, prio int, prioOK bool) {
	if f.Chain == "" {
		// Without a chain libvirt ignores the priority.
		return "root", 0, true
	}
	if f.Priority != "" {
		p, ok := strToInt(f.Priority)
		if !ok || p < -1000 || p > 1000 {
			return f.Chain, 0, false
		}
		return f.Chain, p, true
	}
	return f.Chain, chainDefault(f.Chain), true
}

// chainDefault is the priority libvirt gives a chain when the filter names none.
func chainDefault(chain string) int {
	for _, s := range chainSuffixes {
		if s != "root" && strings.HasPrefix(chain, s) {
			return defaultChainPriority[s]
		}
	}
	return 0
}

// ChainDefaultPriority is the priority libvirt 9.0 gives a filter on chain when its XML names
// none (mac -800, vlan -750, ipv4 -700, ipv6 -600, arp -500, rarp -400, root and stp 0; a
// custom chain such as ipv4-ssh takes its prefix's).
func ChainDefaultPriority(chain string) int { return chainDefault(chain) }

func writeRule(b *strings.Builder, r *Rule) {
	b.WriteString("  <rule action=")
	writeAttrValue(b, r.Action)
	b.WriteString(" direction=")
	writeAttrValue(b, r.Direction)
	b.WriteString(" priority=")
	if p, ok := rulePriority(r.Priority); ok {
		fmt.Fprintf(b, "'%d'", p)
	} else {
		writeAttrValue(b, r.Priority)
	}
	switch {
	case r.StateMatch == "":
	case stateMatchOff(r.StateMatch):
		b.WriteString(" statematch='false'")
	case strings.EqualFold(r.StateMatch, "true") || r.StateMatch == "1":
	default:
		b.WriteString(" statematch=")
		writeAttrValue(b, r.StateMatch)
	}
	writeOther(b, r.Other)
	if r.Protocol == "" && len(r.Extra) == 0 {
		b.WriteString("/>\n")
		return
	}
	b.WriteString(">\n")
	if r.Protocol != "" {
		writeProtocol(b, r)
	}
	for _, x := range r.Extra {
		b.WriteString("    " + x + "\n")
	}
	b.WriteString("  </rule>\n")
}

// rulePriority is the rule priority libvirt reads: 500 when none, the number when it is one in
// [-1000, 1000]; ok is false for a value libvirt would replace by 500.
func rulePriority(s string) (int, bool) {
	if s == "" {
		return 500, true
	}
	v, ok := strToInt(s)
	if !ok || v < -1000 || v > 1000 {
		return 500, false
	}
	return v, true
}

func stateMatchOff(s string) bool { return s == "0" || strings.EqualFold(s, "false") }

// writeProtocol writes the protocol element(s): libvirt's attributes in its order, then the
// ones it does not know, a new element wherever match='no' changes.
func writeProtocol(b *strings.Builder, r *Rule) {
	p, _ := protoByName(r.Protocol)
	type out struct {
		name, value string
		neg         bool
	}
	var attrs []out
	used := map[string]bool{}
	full := r.libvirtRule(p)
	for _, d := range p.attrs {
		a, ok := r.Attr(d.name)
		if !ok {
			// libvirt gives ipset its ipsetflags='src' itself, and prints it.
			if it := full.items.get(d.f); d.check == vIPSetFlags && it != nil {
				attrs = append(attrs, out{d.name, formatItem(d, it), it.neg})
			}
			continue
		}
		used[d.name] = true
		v := a.Value
		if c := checkAttr(p, d, a.Value); c.err == nil && c.warn == "" {
			v = c.normal
		}
		attrs = append(attrs, out{d.name, v, a.Neg})
	}
	for _, a := range r.Attrs {
		if !used[a.Name] {
			attrs = append(attrs, out{a.Name, a.Value, a.Neg})
		}
	}
	if len(attrs) == 0 {
		b.WriteString("    <" + r.Protocol + "/>\n")
		return
	}
	open := false
	neg := false
	for _, a := range attrs {
		if open && a.neg != neg {
			b.WriteString("/>\n")
			open = false
		}
		if !open {
			b.WriteString("    <" + r.Protocol)
			if a.neg {
				b.WriteString(" match='no'")
			}
			open, neg = true, a.neg
		}
		b.WriteString(" " + a.name + "=")
		writeAttrValue(b, a.value)
	}
	b.WriteString("/>\n")
}

func writeRef(b *strings.Builder, r *Ref) {
	b.WriteString("  <filterref filter=")
	writeAttrValue(b, r.Filter)
	writeOther(b, r.Other)
	if len(r.Params) == 0 && len(r.Extra) == 0 {
		b.WriteString("/>\n")
		return
	}
	b.WriteString(">\n")
	for _, p := range sortedParams(r.Params) {
		b.WriteString("    <parameter name=")
		writeAttrValue(b, p.Name)
		b.WriteString(" value=")
		writeAttrValue(b, p.Value)
		b.WriteString("/>\n")
	}
	for _, x := range r.Extra {
		b.WriteString("    " + x + "\n")
	}
	b.WriteString("  </filterref>\n")
}

// sortedParams orders parameters by name as libvirt prints them, keeping the order of the
// values of one name (the order of a list).
func sortedParams(ps []Param) []Param {
	out := append([]Param(nil), ps...)
	// insertion sort: stable and the lists are short
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Name < out[j-1].Name; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func writeOther(b *strings.Builder, as []XMLAttr) {
	for _, a := range as {
		b.WriteString(" " + a.Name + "=")
		writeAttrValue(b, a.Value)
	}
}

// writeAttrValue writes a quoted attribute value escaped as libvirt's virBufferEscapeString
// does, except that tabs and line breaks are written as character references (libvirt writes
// them raw, and XML reads raw ones back as spaces).
func writeAttrValue(b *strings.Builder, v string) {
	b.WriteByte('\'')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		case '\t':
			b.WriteString("&#9;")
		case '\n':
			b.WriteString("&#10;")
		case '\r':
			b.WriteString("&#13;")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
}

func protoByName(name string) (protoDef, bool) {
	for _, p := range protocols {
		if p.name == name {
			return p, true
		}
	}
	return protoDef{}, false
}

// parseUUID is libvirt's virUUIDParse: 32 hex digits, '-' or ' ' anywhere between pairs,
// spaces around; it returns the UUID as libvirt prints it.
func parseUUID(s string) (string, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	var u [16]byte
	for n := 0; n < 16; {
		if i >= len(s) {
			return "", false
		}
		if s[i] == '-' || s[i] == ' ' {
			i++
			continue
		}
		if i+1 >= len(s) || digitVal(s[i]) >= 16 || digitVal(s[i+1]) >= 16 {
			return "", false
		}
		u[n] = byte(digitVal(s[i])<<4 | digitVal(s[i+1]))
		n++
		i += 2
	}
	for ; i < len(s); i++ {
		if !isCSpace(s[i]) {
			return "", false
		}
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]), true
}
