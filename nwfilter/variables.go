package nwfilter

import (
	"errors"
	"fmt"
	"strings"
)

// The variables a filter tree uses: which ones, how they are read (a list, elements), where
// they are used (and so what their values must look like), and which the tree gives a value
// itself. The preview asks for them per port; the forms that attach a filter to a port (a
// NIC's or a binding's <filterref> parameters) offer them as fields and check their values.

// Variable is a variable a filter tree uses, with what a port must give it.
type Variable struct {
	Name string
	// Uses are the places the tree uses it, in the order met.
	Uses []VarUse
	// List is true when a rule reads it as a list ($NAME[@n] or $NAME[n]); any variable may
	// hold several values, each making its own rules.
	List bool
	// MinValues is how many values element accesses ($NAME[n]) need at least (n+1), else 1.
	MinValues int
	// Given are the values a <filterref> in the tree passes to the filter that uses it; a
	// port's own value replaces them.
	Given []string
}

// VarUse is one place a variable is used: an attribute of a rule of a filter.
type VarUse struct {
	Filter    string
	Protocol  string
	Attr      string
	Kind      AttrKind
	Reference string // how it is written there: $IP, $IP[@1], $IP[0]
}

// Builtin variables libvirt fills in itself: MAC is always the port's MAC address; IP, when the
// port gives none, is learned from the VM's traffic (CTRL_IP_LEARNING).
const (
	VarMAC = "MAC"
	VarIP  = "IP"
)

// ErrTreeIncomplete marks the error Variables returns beside the variables of the rest of the
// tree when a referenced filter could not be had from the resolver or cannot be read.
var ErrTreeIncomplete = errors.New("nwfilter: part of the filter tree cannot be read")

// Variables lists the variables the filter and every filter it references (through r) use, in
// the order the tree first uses them. A referenced filter r does not know is skipped, as
// libvirt does at define time. It fails when the filter itself cannot be read (a
// *RefusalError, and no variables). A referenced filter r fails to give, or that cannot be
// read, is skipped too, and the first such failure comes back (errors.Is ErrTreeIncomplete)
// with the variables of the rest of the tree.
func Variables(filterXML string, r Resolver) ([]Variable, error) {
	root, err := parseFilter(filterXML)
	if err != nil {
		return nil, err
	}
	w := &varWalker{res: r, index: map[string]int{}}
	w.walk(root, nil, map[string]bool{})
	return w.vars, w.err
}

// WithLearning returns vars and, when they include IP, the variables libvirt reads to learn
// it (CTRL_IP_LEARNING, DHCPSERVER) after them, unless the tree uses them itself: what a form
// setting a port's parameters offers.
func WithLearning(vars []Variable) []Variable {
	has := map[string]bool{}
	for _, v := range vars {
		has[v.Name] = true
	}
	if !has[VarIP] {
		return vars
	}
	for _, n := range []string{"CTRL_IP_LEARNING", "DHCPSERVER"} {
		if !has[n] {
			vars = append(vars, Variable{Name: n, MinValues: 1})
		}
	}
	return vars
}

type varWalker struct {
	res   Resolver
	vars  []Variable
	index map[string]int
	err   error // the first referenced filter that could not be had or read
}

func (w *varWalker) add(name string) *Variable {
	if i, ok := w.index[name]; ok {
		return &w.vars[i]
	}
	w.index[name] = len(w.vars)
	w.vars = append(w.vars, Variable{Name: name, MinValues: 1})
	return &w.vars[len(w.vars)-1]
}

// walk visits f with the values its referencing filterrefs gave (given) and the filters on
// the path to it (a loop, which libvirt refuses, is not followed twice).
func (w *varWalker) walk(f *filterDef, given map[string][]string, path map[string]bool) {
	path[f.name] = true
	defer delete(path, f.name)
	for _, e := range f.entries {
		if e.rule != nil {
			w.rule(f.name, e.rule, given)
			continue
		}
		if path[e.ref.filter] {
			continue
		}
		child := w.resolve(e.ref.filter)
		if child == nil {
			continue
		}
		// The referencing level's values win over the reference's own, as in refVars.
		next := map[string][]string{}
		for n, vals := range groupParams(e.ref.params) {
			next[n] = vals
		}
		for n, vals := range given {
			next[n] = vals
		}
		w.walk(child, next, path)
	}
}

// rule adds the variables of one rule of filter: every access libvirt records (rule->varAccess),
// then where each is used.
func (w *varWalker) rule(filter string, r *ruleDef, given map[string][]string) {
	for _, va := range r.vars {
		v := w.add(va.name)
		if va.element || va.iterID != 0 {
			v.List = true
		}
		if va.element && va.index+1 > v.MinValues {
			v.MinValues = va.index + 1
		}
		if g, ok := given[va.name]; ok && v.Given == nil {
			v.Given = g
		}
	}
	p := protocolOf(r.proto)
	for _, d := range p.attrs {
		it := r.items.get(d.f)
		if it == nil || it.va == nil {
			continue
		}
		v := w.add(it.va.name)
		v.Uses = append(v.Uses, VarUse{Filter: filter, Protocol: p.name, Attr: d.name, Kind: kindOf(d), Reference: "$" + it.va.String()})
	}
}

// resolve reads the filter a reference names; nil when it is skipped.
func (w *varWalker) resolve(name string) *filterDef {
	if w.res == nil {
		return nil
	}
	x, err := w.res.Filter(name)
	if errors.Is(err, ErrFilterNotFound) {
		return nil
	}
	var f *filterDef
	if err == nil {
		if f, err = parseFilter(x); err != nil {
			err = fmt.Errorf("filter %s: %w", name, err)
		}
	}
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("%w: %w", ErrTreeIncomplete, err)
		}
		return nil
	}
	return f
}

func protocolOf(k protoKind) protoDef {
	for _, p := range protocols {
		if p.kind == k {
			return p
		}
	}
	return protoDef{}
}

// Explain says what a variable is for the port, for the well-known ones; "" otherwise.
func (v Variable) Explain() string {
	switch v.Name {
	case "IP":
		return "the VM's IPv4 address; repeat it for several. Leave it out to let libvirt learn it from the VM's traffic (see CTRL_IP_LEARNING)."
	case "IPV6":
		return "the VM's IPv6 address; repeat it for several."
	case "MAC":
		return "the VM's MAC address; libvirt fills in the NIC's own when it is left out."
	case "CTRL_IP_LEARNING":
		return "how libvirt learns IP when it is not given: any (from the first packet, the default), dhcp (from DHCP replies only) or none (no learning: IP must be given)."
	case "DHCPSERVER":
		return "the IPv4 address of a DHCP server the VM may take replies from (with CTRL_IP_LEARNING=dhcp, the only one); repeat it for several."
	}
	return ""
}

// Optional reports whether a port may leave the variable out: libvirt fills MAC in, learns IP,
// defaults CTRL_IP_LEARNING and needs DHCPSERVER only for learning by DHCP; the tree may give a
// value itself.
func (v Variable) Optional() bool {
	switch v.Name {
	case "MAC", "IP", "CTRL_IP_LEARNING", "DHCPSERVER":
		return true
	}
	return len(v.Given) > 0
}

// CheckValue says what is wrong with one value of the variable, "" when nothing: libvirt's own
// syntax for values, the values CTRL_IP_LEARNING takes, and, for every place the tree uses the
// variable, what libvirt would make of the value there.
func (v Variable) CheckValue(value string) string {
	if msg := CheckParam(Param{Name: v.Name, Value: value}); msg != "" {
		return msg
	}
	switch v.Name {
	case "CTRL_IP_LEARNING":
		switch strings.ToLower(value) {
		case "any", "dhcp", "none":
			return ""
		}
		return fmt.Sprintf("CTRL_IP_LEARNING is any, dhcp or none, not %q", value)
	case "DHCPSERVER":
		if _, ok := inetPton4(value); !ok {
			return fmt.Sprintf("%q is not an IPv4 address like 192.168.122.1", value)
		}
	case "MAC":
		if _, ok := parseMAC(value); !ok {
			return fmt.Sprintf("%q is not a MAC address like 52:54:00:12:34:56", value)
		}
	}
	for _, u := range v.Uses {
		if _, msg, _ := CheckAttr(u.Protocol, u.Attr, value); msg != "" {
			return fmt.Sprintf("%q is not a value for %s of <%s> in filter %s, where it is used (%s)", value, u.Attr, u.Protocol, u.Filter, KindHelp(u.Kind))
		}
	}
	return ""
}
