package nwfilter

import (
	"errors"
	"fmt"
	"strings"
)

// Variables as libvirt's src/conf/nwfilter_params.c handles them: $NAME (the same as
// $NAME[@0]), $NAME[@n] (iterator n) and $NAME[n] (element n), and the iterator that walks all
// combinations, skipping repeated ones.

type varAccess struct {
	name    string
	element bool // $NAME[n]
	index   int  // element index
	iterID  int  // iterator id
}

func (v *varAccess) String() string {
	switch {
	case v.element:
		return fmt.Sprintf("%s[%d]", v.name, v.index)
	case v.iterID != 0:
		return fmt.Sprintf("%s[@%d]", v.name, v.iterID)
	}
	return v.name
}

func validVarName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validVarValue(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func varNameLen(s string) int {
	i := 0
	for i < len(s) && validVarName(s[i:i+1]) {
		i++
	}
	return i
}

func parseVarAccess(s string) (*varAccess, error) {
	n := varNameLen(s)
	if n == len(s) {
		return &varAccess{name: s}, nil
	}
	if s[n] != '[' {
		return nil, errors.New("invalid argument: Malformatted variable")
	}
	v := &varAccess{name: s[:n]}
	rest := strings.TrimLeft(s[n+1:], " \t\n\v\f\r")
	if strings.HasPrefix(rest, "@") {
		rest = rest[1:]
	} else {
		v.element = true
	}
	val, used, neg, of := strtoul(rest, 10)
	bad := used == 0 || of
	if neg {
		if -val > 0xffffffff {
			bad = true
		}
		val &= 0xffffffff
	}
	if val > 0xffffffff {
		bad = true
	}
	if !bad {
		rest = strings.TrimLeft(rest[used:], " \t\n\v\f\r")
		bad = !strings.HasPrefix(rest, "]")
	}
	if bad {
		if v.element {
			return nil, errors.New("invalid argument: Malformatted array index")
		}
		return nil, errors.New("invalid argument: Malformatted iterator id")
	}
	if v.element {
		v.index = int(val)
	} else {
		if val > 1000 {
			return nil, fmt.Errorf("invalid argument: Iterator ID exceeds maximum ID of %d", 1000)
		}
		v.iterID = int(val)
	}
	return v, nil
}

func (r *ruleDef) addVar(v *varAccess) *varAccess {
	for _, o := range r.vars {
		if *o == *v {
			return o
		}
	}
	r.vars = append(r.vars, v)
	return v
}

// varTable holds the values of the variables a rule sees (libvirt's hash of virNWFilterVarValue).
type varTable map[string][]string

func (t varTable) available(v *varAccess) bool {
	vals, ok := t[v.name]
	if !ok {
		return false
	}
	return !v.element || v.index < len(vals)
}

// combIter is virNWFilterVarCombIter: one entry per iterator id plus one per element access.
type combIter struct {
	vals  varTable
	iters []iterEntry
	// the rule's variables, and which iterator each uses
	accesses []*varAccess
	where    []int
	buf      [2]iterEntry
}

type iterEntry struct {
	id       int
	internal bool
	names    []string
	min, max int
	cur      int
}

// reset makes ci the iterator for accesses over vals, reusing its memory (a preview makes one
// per rule).
func (ci *combIter) reset(vals varTable, accesses []*varAccess) error {
	ci.vals, ci.accesses = vals, accesses
	ci.iters = append(ci.buf[:0], iterEntry{id: 0})
	ci.where = ci.where[:0]
	for range accesses {
		ci.where = append(ci.where, 0)
	}
	for ai, va := range accesses {
		var idx int
		if va.element {
			idx = len(ci.iters)
			ci.iters = append(ci.iters, iterEntry{internal: true})
		} else {
			idx = -1
			for i := range ci.iters {
				if !ci.iters[i].internal && ci.iters[i].id == va.iterID {
					idx = i
					break
				}
			}
			if idx < 0 {
				idx = len(ci.iters)
				ci.iters = append(ci.iters, iterEntry{id: va.iterID})
			}
		}
		vv, ok := vals[va.name]
		if !ok {
			return fmt.Errorf("internal error: Could not find value for variable '%s'", va.name)
		}
		lo, hi := 0, len(vv)-1
		if va.element {
			lo, hi = va.index, va.index
		}
		e := &ci.iters[idx]
		if len(e.names) == 0 {
			e.min, e.max, e.cur = lo, hi, lo
		} else if e.max != hi {
			return errors.New("internal error: Cardinality of list items must be the same for processing them in parallel")
		}
		e.names = append(e.names, va.name)
		ci.where[ai] = idx
	}
	return nil
}

func (ci *combIter) unique(e *iterEntry) bool {
	first := ci.vals[e.names[0]]
	if e.cur >= len(first) {
		return true
	}
	v := first[e.cur]
	for i := 0; i < e.cur; i++ {
		if first[i] != v {
			continue
		}
		same := true
		for _, n := range e.names[1:] {
			l := ci.vals[n]
			if nth(l, e.cur) != nth(l, i) {
				same = false
				break
			}
		}
		if same {
			return false
		}
	}
	return true
}

func nth(l []string, i int) string {
	if i < len(l) {
		return l[i]
	}
	return ""
}

// next advances to the next combination; false when all have been visited.
func (ci *combIter) next() bool {
	for i := range ci.iters {
		e := &ci.iters[i]
		for {
			e.cur++
			if e.cur <= e.max {
				if !ci.unique(e) {
					continue
				}
				return true
			}
			e.cur = e.min
			break
		}
	}
	return false
}

func (ci *combIter) value(va *varAccess) (string, error) {
	idx := -1
	for i, a := range ci.accesses {
		if a == va {
			idx = ci.where[i]
			break
		}
	}
	if idx < 0 {
		return "", fmt.Errorf("internal error: Could not find variable '%s' in iterator", va.name)
	}
	v := ci.vals[va.name]
	cur := ci.iters[idx].cur
	if cur >= len(v) {
		return "", fmt.Errorf("internal error: Could not get nth (%d) value of variable '%s'", cur, va.name)
	}
	return v[cur], nil
}
