package nwfilter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Check says, field by field, what libvirt 9.0 would refuse in the filter (an error: the define
// fails) and what it would accept but change or ignore (a warning). It reads each value with the
// same tables and validators as the rule generator (filterdef.go), so the messages of errors are
// libvirt's own where libvirt has one.

// Problem is what is wrong with one field.
type Problem struct {
	// Entry is the index of the entry (rule or filterref) it concerns; -1 for the filter's own
	// fields.
	Entry int
	// Field names the field: name, chain, priority, uuid for the filter; action, direction,
	// priority, statematch, protocol, attr.NAME (an attribute of the protocol element) and
	// element (the protocol element as a whole: attributes that do not go together) for a
	// rule; filter, param.N (the Nth parameter) for a filterref; extra for what libvirt ignores.
	Field string
	Msg   string
	// Warning: libvirt accepts it, but not as written (it ignores or changes it).
	Warning bool
}

func (p Problem) String() string {
	kind := "error"
	if p.Warning {
		kind = "warning"
	}
	if p.Entry < 0 {
		return fmt.Sprintf("%s: %s: %s", kind, p.Field, p.Msg)
	}
	return fmt.Sprintf("%s: entry %d: %s: %s", kind, p.Entry+1, p.Field, p.Msg)
}

// Problems is a list of problems.
type Problems []Problem

// Errors returns the problems libvirt would refuse the filter for.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// For returns the problems of one field.
func (ps Problems) For(entry int, field string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Entry == entry && p.Field == field {
			out = append(out, p)
		}
	}
	return out
}

// Check returns every problem of the filter, in the order of the fields.
func (f *Filter) Check() Problems {
	var ps Problems
	add := func(entry int, field string, warn bool, format string, a ...any) {
		ps = append(ps, Problem{Entry: entry, Field: field, Msg: fmt.Sprintf(format, a...), Warning: warn})
	}
	if msg := CheckFilterName(f.Name); msg != "" {
		add(-1, "name", false, "%s", msg)
	}
	if f.Chain != "" {
		switch _, err := allowedChain(f.Chain); {
		case err != nil && f.Chain != "root" && strings.HasPrefix(f.Chain, "root"):
			// libvirt refuses these without a message ("An error occurred, but the cause is
			// unknown").
			add(-1, "chain", false, "invalid argument: Invalid chain name '%s': root is allowed only as the whole name", f.Chain)
		case err != nil:
			add(-1, "chain", false, "%s", err.Error())
		}
	}
	if f.Priority != "" {
		p, ok := strToInt(f.Priority)
		switch {
		case !ok:
			add(-1, "priority", false, "invalid argument: Could not parse chain priority '%s'", f.Priority)
		case p < -1000 || p > 1000:
			add(-1, "priority", false, "invalid argument: Priority '%d' is outside valid range of [%d,%d]", p, -1000, 1000)
		case f.Chain == "":
			add(-1, "priority", true, "libvirt ignores the priority of a filter that names no chain (it is on root, priority 0)")
		}
	}
	if f.UUID != "" {
		if _, ok := parseUUID(f.UUID); !ok {
			add(-1, "uuid", false, "XML error: malformed uuid element")
		}
	}
	for _, x := range f.Other {
		add(-1, "extra", true, "libvirt ignores the attribute %s of <filter>", x.Name)
	}
	for _, x := range f.Extra {
		add(-1, "extra", true, "libvirt ignores %s", elementName(x))
	}
	for i, e := range f.Entries {
		switch {
		case e.Rule != nil:
			ps = append(ps, e.Rule.check(i)...)
		case e.Ref != nil:
			ps = append(ps, e.Ref.check(i)...)
		}
	}
	return ps
}

// CheckFilterName says what is wrong with a filter name, "" when nothing. libvirt itself takes
// any non-empty name, but prints it into its XML unescaped and makes a file of it: a name with
// < & ' " would make XML nothing can read back, and a / a file libvirt cannot write.
func CheckFilterName(name string) string {
	switch {
	case name == "":
		return "internal error: filter has no name"
	case strings.ContainsAny(name, "<>&'\""):
		return "the name may not contain < > & ' \" (libvirt would write XML that cannot be read back)"
	case strings.ContainsAny(name, "/\x00\n\r\t"):
		return "the name may not contain / or control characters (libvirt stores the filter in a file of that name)"
	case len(name) > 200:
		return "the name is longer than 200 bytes (libvirt stores the filter in a file of that name)"
	}
	return ""
}

func elementName(raw string) string {
	s := strings.TrimPrefix(raw, "<")
	if i := strings.IndexAny(s, " \t\r\n/>"); i >= 0 {
		s = s[:i]
	}
	return "<" + s + ">"
}

func (r *Rule) check(i int) Problems {
	var ps Problems
	add := func(field string, warn bool, format string, a ...any) {
		ps = append(ps, Problem{Entry: i, Field: field, Msg: fmt.Sprintf(format, a...), Warning: warn})
	}
	// The model always writes both attributes, so a missing one is an empty one to libvirt.
	if !oneOf(r.Action, actions) {
		add("action", false, "unsupported configuration: unknown rule action attribute value")
	}
	if !oneOf(r.Direction, directions) {
		add("direction", false, "unsupported configuration: unknown rule direction attribute value")
	}
	if _, ok := rulePriority(r.Priority); !ok {
		add("priority", true, "libvirt takes a rule priority only as a whole number in [-1000, 1000]: it uses 500 instead of %q", r.Priority)
	}
	if r.StateMatch != "" && !stateMatchOff(r.StateMatch) && !strings.EqualFold(r.StateMatch, "true") && r.StateMatch != "1" {
		add("statematch", true, "libvirt reads anything but false or 0 as true")
	}
	for _, x := range r.Other {
		add("extra", true, "libvirt ignores the attribute %s of <rule>", x.Name)
	}
	for _, x := range r.Extra {
		add("extra", true, "libvirt ignores %s in a rule", elementName(x))
	}
	if r.Protocol == "" {
		return ps
	}
	p, ok := protoByName(r.Protocol)
	if !ok {
		add("protocol", true, "libvirt 9.0 has no protocol %s: it ignores the element", r.Protocol)
		return ps
	}
	full := r.libvirtRule(p)
	for _, a := range r.Attrs {
		field := "attr." + a.Name
		d, known := attrOf(p, a.Name)
		if !known {
			add(field, true, "libvirt 9.0 has no attribute %s in <%s>: it ignores it", a.Name, p.name)
			continue
		}
		c := checkAttr(p, d, a.Value)
		if c.err != nil {
			add(field, false, "%s", c.err.Error())
			continue
		}
		if c.warn != "" {
			add(field, true, "%s", c.warn)
		}
		it := full.items.get(d.f)
		switch {
		case it == nil && d.check == vIPSetFlags:
			if _, hasSet := r.Attr("ipset"); !hasSet {
				add(field, true, "libvirt 9.0 ignores ipsetflags without ipset")
			}
		case it == nil && d.check == vIPSet:
			add(field, true, "libvirt 9.0 drops ipset and ipsetflags when both are given with flags other than src: it can store ipset only with ipsetflags='src'")
		case it != nil && it.neg != a.Neg:
			add(field, true, "libvirt 9.0 does not keep match='no' as set here (it takes the negation of a mask or range end from its start, and that of dstportstart, dstportend and srcportend from srcportstart): %s will %sbe negated", a.Name, notUnless(it.neg))
		}
	}
	if err := validateRule(full); err != nil {
		add("element", false, "%s", err.Error())
	}
	return ps
}

func notUnless(b bool) string {
	if b {
		return ""
	}
	return "not "
}

// libvirtRule is the rule as libvirt holds it after parsing and fixing up: values that do not
// parse are left out. The ipset pair written as dumpxml prints it (ipset with ipsetflags='src')
// counts as ipset alone, as the save path sends it (see KeepState).
func (r *Rule) libvirtRule(p protoDef) *ruleDef {
	rd := &ruleDef{priority: 500, proto: p.kind}
	for _, neg := range []bool{false, true} {
		n := &xmlNode{name: p.name}
		if neg {
			n.setAttr("match", "no")
		}
		for _, a := range r.Attrs {
			if a.Neg == neg {
				n.setAttr(a.Name, a.Value)
			}
		}
		if _, hasSet := r.Attr("ipset"); hasSet && dropsIPSetPair(p.kind) {
			if fl, ok := n.attr("ipsetflags"); ok && isDefaultIPSetFlags(fl) {
				n.delAttr("ipsetflags")
			}
		}
		_ = parseDetails(n, rd, &p) // errors are reported per attribute
	}
	fixupRule(rd)
	return rd
}

func isDefaultIPSetFlags(s string) bool { return strings.EqualFold(s, "src") }

// dropsIPSetPair reports whether libvirt's fixup of a rule of this protocol drops ipset and
// ipsetflags given together (it keeps ipset alone and gives it ipsetflags='src'), found by
// running the fixup on a rule that has both.
func dropsIPSetPair(kind protoKind) bool {
	r := &ruleDef{proto: kind}
	r.items.set(fIPSet, &item{})
	r.items.set(fIPSetFlags, &item{})
	fixupRule(r)
	return r.items.get(fIPSet) == nil
}

func (r *Ref) check(i int) Problems {
	var ps Problems
	add := func(field string, warn bool, format string, a ...any) {
		ps = append(ps, Problem{Entry: i, Field: field, Msg: fmt.Sprintf(format, a...), Warning: warn})
	}
	if r.Filter == "" {
		add("filter", true, "the reference names no filter: libvirt takes it, but cannot instantiate the filter on any port")
	}
	for j, p := range r.Params {
		if msg := CheckParam(p); msg != "" {
			add("param."+strconv.Itoa(j), true, "libvirt silently drops this parameter: %s", msg)
		}
	}
	for _, x := range r.Other {
		add("extra", true, "libvirt ignores the attribute %s of <filterref>", x.Name)
	}
	for _, x := range r.Extra {
		add("extra", true, "libvirt ignores %s in a filterref", elementName(x))
	}
	return ps
}

// CheckParam says what is wrong with a parameter's name or value as libvirt reads them
// (letters, digits and _ for names; also . and : in values), "" when nothing.
func CheckParam(p Param) string {
	switch {
	case p.Name == "":
		return "the parameter has no name"
	case !validVarName(p.Name):
		return fmt.Sprintf("the name %q may only have letters, digits and _", p.Name)
	case p.Value == "":
		return fmt.Sprintf("%s has no value", p.Name)
	case !validVarValue(p.Value):
		return fmt.Sprintf("the value %q of %s may only have letters, digits, _ . and : (libvirt 9.0 takes no other characters, so no prefix lengths or ranges)", p.Value, p.Name)
	}
	return ""
}

func attrOf(p protoDef, name string) (attrDef, bool) {
	for _, d := range p.attrs {
		if d.name == name {
			return d, true
		}
	}
	return attrDef{}, false
}

// setAttr sets an attribute of a tree built by hand, replacing one of the same name.
func (n *xmlNode) setAttr(name, value string) {
	for i := range n.attrs {
		if n.attrs[i].name == name {
			n.attrs[i].value = value
			return
		}
	}
	n.attrs = append(n.attrs, xmlAttr{name: name, value: value})
}

// delAttr removes an attribute of a tree built by hand.
func (n *xmlNode) delAttr(name string) {
	for i := range n.attrs {
		if n.attrs[i].name == name {
			n.attrs = append(n.attrs[:i], n.attrs[i+1:]...)
			return
		}
	}
}

// attrCheck is one value read as libvirt reads it.
type attrCheck struct {
	normal string // as libvirt prints it back
	err    error  // libvirt's refusal
	warn   string // accepted, but not as written
}

// checkAttr reads one attribute value alone in its element, as libvirt would.
func checkAttr(p protoDef, d attrDef, value string) attrCheck {
	r := &ruleDef{priority: 500, proto: p.kind}
	n := &xmlNode{name: p.name, attrs: []xmlAttr{{name: d.name, value: value}}}
	one := protoDef{name: p.name, kind: p.kind, attrs: []attrDef{d}, index: map[string]int{d.name: 0}}
	if err := parseDetails(n, r, &one); err != nil {
		if strings.HasPrefix(value, "$") {
			// libvirt reports the malformed variable, then (last, so virsh shows it) this.
			return attrCheck{err: fmt.Errorf("internal error: %s has illegal value %s", d.name, value)}
		}
		var re *RefusalError
		if errors.As(err, &re) {
			return attrCheck{err: errors.New(re.Msg)}
		}
		return attrCheck{err: err}
	}
	it := r.items.get(d.f)
	if it == nil {
		return attrCheck{err: fmt.Errorf("internal error: %s has illegal value %s", d.name, value)}
	}
	c := attrCheck{normal: formatItem(d, it)}
	if it.va == nil {
		switch d.types {
		case dtStringCopy:
			switch {
			case len(value) > 256:
				c.warn = fmt.Sprintf("libvirt keeps only the first 256 bytes of a comment (this one has %d)", len(value))
			case strings.ContainsAny(value, "\t\n\r"):
				c.warn = "libvirt writes tabs and line breaks of a comment back raw, so they become spaces the next time the filter is saved"
			}
		case dtBool:
			switch value {
			case "true", "1", "yes", "false", "0", "no":
			default:
				c.warn = fmt.Sprintf("libvirt reads %q as false (only true, 1 and yes are true)", value)
			}
		}
	}
	return c
}

// formatItem prints a parsed value as libvirt's virNWFilterRuleDefDetailsFormat does.
func formatItem(d attrDef, it *item) string {
	if it.va != nil {
		return "$" + it.va.String()
	}
	num := func(hex bool) string {
		if hex {
			return fmt.Sprintf("0x%x", it.num)
		}
		return strconv.FormatUint(uint64(it.num), 10)
	}
	switch d.check {
	case vMacProto, vVlanProto:
		for _, m := range macProtoMap {
			if m.v == it.num {
				return m.name
			}
		}
		return num(it.dt != dtUint16)
	case vArpOpcode:
		if it.num >= 1 && int(it.num) < len(arpOpcodes) {
			return arpOpcodes[it.num]
		}
		return num(false)
	case vIPProto:
		for _, m := range ipProtoMap {
			if m.v == it.num {
				return m.name
			}
		}
		return num(it.dt != dtUint8)
	case vState:
		var parts []string
		for _, n := range stateNames {
			if int32(it.num)&n.v != 0 {
				parts = append(parts, n.name)
			}
		}
		return strings.Join(parts, ",")
	case vTCPFlags:
		return printTCPFlags(uint8(it.num)) + "/" + printTCPFlags(it.flags)
	case vIPSet:
		return it.str
	case vIPSetFlags:
		parts := make([]string, it.nflags)
		for i := range parts {
			parts[i] = "dst"
			if it.flags&(1<<i) != 0 {
				parts[i] = "src"
			}
		}
		return strings.Join(parts, ",")
	}
	switch it.dt {
	case dtUint8Hex, dtUint16Hex, dtUint32Hex:
		return num(true)
	case dtUint8, dtUint16, dtUint32, dtIPMask, dtIPv6Mask:
		return num(false)
	case dtIP, dtIPv6:
		return formatIP(it.ip)
	case dtMAC, dtMACMask:
		return formatMAC(it.mac)
	case dtBool:
		if it.b {
			return "true"
		}
		return "false"
	}
	return it.str
}

// CheckAttr reads one attribute of a protocol element as libvirt would and returns the value
// as libvirt prints it back, or libvirt's refusal, or (ok but changed) a warning.
func CheckAttr(protocol, name, value string) (normal, errMsg, warning string) {
	p, ok := protoByName(protocol)
	if !ok {
		return value, "", fmt.Sprintf("libvirt 9.0 has no protocol %s", protocol)
	}
	d, ok := attrOf(p, name)
	if !ok {
		return value, "", fmt.Sprintf("libvirt 9.0 has no attribute %s in <%s>: it ignores it", name, protocol)
	}
	c := checkAttr(p, d, value)
	if c.err != nil {
		return value, c.err.Error(), ""
	}
	return c.normal, "", c.warn
}
