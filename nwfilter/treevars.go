package nwfilter

import (
	"errors"
	"fmt"
	"strings"
)

// The variables a filter tree uses, for the forms that attach a filter to a port (a NIC's or a
// binding's <filterref> parameters): which ones, where they are used (and so what their values
// must look like), and which the tree gives a value itself.

// VarUse is one place a variable is used: an attribute of a rule of a filter.
type VarUse struct {
	Filter    string
	Protocol  string
	Attr      string
	Kind      AttrKind
	Reference string // how it is written there: $IP, $IP[@1], $IP[0]
}

// TreeVar is a variable a filter tree uses, or one libvirt reads for the port (CTRL_IP_LEARNING,
// DHCPSERVER) when the tree uses IP.
type TreeVar struct {
	Name string
	Uses []VarUse
	// Defaults are the values a <filterref> inside the tree gives it; a port's own value
	// replaces them.
	Defaults []string
	// List: it is used as $NAME[@n] or $NAME[n], so it is meant to take several values.
	List bool
}

// TreeVariables returns the variables of the tree rooted at filterXML, in the order first met
// (filterrefs are followed through r; a filter r does not know is skipped, as libvirt does at
// define time), then CTRL_IP_LEARNING and DHCPSERVER when the tree uses IP.
func TreeVariables(filterXML string, r Resolver) ([]TreeVar, error) {
	root, err := parseFilter(filterXML)
	if err != nil {
		return nil, err
	}
	w := &treeVarWalker{res: r, index: map[string]int{}, seen: map[string]bool{}}
	if err := w.walk(root, nil); err != nil {
		return nil, err
	}
	if _, ok := w.index["IP"]; ok {
		for _, n := range []string{"CTRL_IP_LEARNING", "DHCPSERVER"} {
			w.get(n)
		}
	}
	return w.vars, nil
}

type treeVarWalker struct {
	res   Resolver
	vars  []TreeVar
	index map[string]int
	seen  map[string]bool // filters on the current path, against loops
}

func (w *treeVarWalker) get(name string) *TreeVar {
	i, ok := w.index[name]
	if !ok {
		i = len(w.vars)
		w.index[name] = i
		w.vars = append(w.vars, TreeVar{Name: name})
	}
	return &w.vars[i]
}

// walk visits f; given are the names a filterref above already gave a value.
func (w *treeVarWalker) walk(f *filterDef, given map[string][]string) error {
	if w.seen[f.name] {
		return nil
	}
	w.seen[f.name] = true
	defer delete(w.seen, f.name)
	for _, e := range f.entries {
		if e.rule != nil {
			p := protocolOf(e.rule.proto)
			for _, d := range p.attrs {
				it := e.rule.items.get(d.f)
				if it == nil || it.va == nil {
					continue
				}
				v := w.get(it.va.name)
				v.Uses = append(v.Uses, VarUse{Filter: f.name, Protocol: p.name, Attr: d.name, Kind: kindOf(d), Reference: "$" + it.va.String()})
				if it.va.element || it.va.iterID != 0 {
					v.List = true
				}
				if vals, ok := given[it.va.name]; ok && v.Defaults == nil {
					v.Defaults = vals
				}
			}
			continue
		}
		if w.res == nil {
			continue
		}
		x, err := w.res.Filter(e.ref.filter)
		if errors.Is(err, ErrFilterNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		child, err := parseFilter(x)
		if err != nil {
			return fmt.Errorf("filter %s: %w", e.ref.filter, err)
		}
		// Values given higher up win over the reference's own, as in libvirt.
		next := map[string][]string{}
		for k, v := range groupParams(e.ref.params) {
			next[k] = v
		}
		for k, v := range given {
			next[k] = v
		}
		if err := w.walk(child, next); err != nil {
			return err
		}
	}
	return nil
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
func (v TreeVar) Explain() string {
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
func (v TreeVar) Optional() bool {
	switch v.Name {
	case "MAC", "IP", "CTRL_IP_LEARNING", "DHCPSERVER":
		return true
	}
	return len(v.Defaults) > 0
}

// CheckValue says what is wrong with one value of the variable, "" when nothing: libvirt's own
// syntax for values, the values CTRL_IP_LEARNING takes, and, for every place the tree uses the
// variable, what libvirt would make of the value there.
func (v TreeVar) CheckValue(value string) string {
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
