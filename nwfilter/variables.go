package nwfilter

import (
	"errors"
)

// Variable is a variable a filter tree uses, with what a port must give it.
type Variable struct {
	Name string
	// List is true when a rule reads it as a list ($NAME[@n] or $NAME[n]); any variable may
	// hold several values, each making its own rules.
	List bool
	// MinValues is how many values element accesses ($NAME[n]) need at least (n+1), else 1.
	MinValues int
	// Given are the values a <filterref> in the tree passes to the filter that uses it; a
	// port's own value replaces them.
	Given []string
}

// Builtin variables libvirt fills in itself: MAC is always the port's MAC address; IP, when the
// port gives none, is learned from the VM's traffic (CTRL_IP_LEARNING).
const (
	VarMAC = "MAC"
	VarIP  = "IP"
)

// Variables lists the variables the filter and every filter it references (through r) use, in
// the order the tree first uses them, and the names of referenced filters r does not know.
// It fails only when the filter itself cannot be read (a *RefusalError).
func Variables(filterXML string, r Resolver) (vars []Variable, missing []string, err error) {
	root, err := parseFilter(filterXML)
	if err != nil {
		return nil, nil, err
	}
	w := &varWalker{res: r, index: map[string]int{}, seenMissing: map[string]bool{}}
	w.walk(root, nil, map[string]bool{})
	return w.vars, w.missing, nil
}

type varWalker struct {
	res         Resolver
	vars        []Variable
	index       map[string]int
	missing     []string
	seenMissing map[string]bool
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
			for _, va := range e.rule.vars {
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
			continue
		}
		if path[e.ref.filter] {
			continue
		}
		child, err := w.resolve(e.ref.filter)
		if err != nil {
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

func (w *varWalker) resolve(name string) (*filterDef, error) {
	if w.res != nil {
		x, err := w.res.Filter(name)
		if err == nil {
			return parseFilter(x)
		}
		if !errors.Is(err, ErrFilterNotFound) {
			return nil, err
		}
	}
	if !w.seenMissing[name] {
		w.seenMissing[name] = true
		w.missing = append(w.missing, name)
	}
	return nil, ErrFilterNotFound
}
