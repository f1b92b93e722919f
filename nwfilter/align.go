package nwfilter

import (
	"strings"
)

// TableNames are the three tables of Tables, by the save tool's name, in the order pages and the
// CLI show them.
var TableNames = []string{"iptables", "ip6tables", "ebtables"}

// Table returns one table's text by its tool's name (iptables, ip6tables, ebtables).
func (t Tables) Table(name string) string {
	switch name {
	case "iptables":
		return t.IPTables
	case "ip6tables":
		return t.IP6Tables
	case "ebtables":
		return t.EBTables
	}
	return ""
}

func (t *Tables) setTable(name, text string) {
	switch name {
	case "iptables":
		t.IPTables = text
	case "ip6tables":
		t.IP6Tables = text
	case "ebtables":
		t.EBTables = text
	}
}

// PortTables returns t cut down to port dev (see the function PortTables), keeping its ties.
func (t Tables) PortTables(dev string) Tables {
	out := t
	for _, name := range TableNames {
		out.setTable(name, PortTables(t.Table(name), dev))
	}
	return out
}

// Align returns t with the lines of each tie in the order actual has them, where actual holds
// exactly those lines one after the other; everything else is left as it is. Comparing the
// result with actual tells a real difference from an order libvirt leaves to chance. actual may
// be whole save output or cut down to the port, as long as t is cut the same way.
func (t Tables) Align(actual Tables) Tables {
	out := t
	for _, name := range TableNames {
		out.setTable(name, alignTies(t.Table(name), actual.Table(name), name, t.Ties))
	}
	return out
}

// Equal reports whether actual is the state t predicts: the same text, up to the order of
// tied lines.
func (t Tables) Equal(actual Tables) bool {
	a := t.Align(actual)
	return a.IPTables == actual.IPTables && a.IP6Tables == actual.IP6Tables && a.EBTables == actual.EBTables
}

// TiedLines returns the set of lines of table name that belong to a tie.
func (t Tables) TiedLines(name string) map[string]*Tie {
	m := map[string]*Tie{}
	for i := range t.Ties {
		if t.Ties[i].Table != name {
			continue
		}
		for _, l := range t.Ties[i].Lines {
			m[l] = &t.Ties[i]
		}
	}
	return m
}

func alignTies(pred, actual, table string, ties []Tie) string {
	var mine []Tie
	for _, tie := range ties {
		if tie.Table == table && len(tie.Lines) > 1 {
			mine = append(mine, tie)
		}
	}
	if len(mine) == 0 || pred == "" || actual == "" {
		return pred
	}
	pl := strings.SplitAfter(pred, "\n")
	al := strings.SplitAfter(actual, "\n")
	changed := false
	for _, tie := range mine {
		n := len(tie.Lines)
		pi := indexRun(pl, tie.Lines)
		if pi < 0 {
			continue
		}
		ai := indexPermutation(al, tie.Lines)
		if ai < 0 {
			continue
		}
		for k := 0; k < n; k++ {
			line := strings.TrimSuffix(al[ai+k], "\n")
			if strings.HasSuffix(pl[pi+k], "\n") {
				line += "\n"
			}
			pl[pi+k] = line
		}
		changed = true
	}
	if !changed {
		return pred
	}
	return strings.Join(pl, "")
}

// indexRun finds run as consecutive lines (each ending in "\n" but perhaps the last) of ls.
func indexRun(ls, run []string) int {
	for i := 0; i+len(run) <= len(ls); i++ {
		ok := true
		for j, r := range run {
			if strings.TrimSuffix(ls[i+j], "\n") != r {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// indexPermutation finds len(run) consecutive lines of ls that are run in some order.
func indexPermutation(ls, run []string) int {
	want := map[string]int{}
	for _, r := range run {
		want[r]++
	}
	n := len(run)
	for i := 0; i+n <= len(ls); i++ {
		if want[strings.TrimSuffix(ls[i], "\n")] == 0 {
			continue
		}
		got := map[string]int{}
		ok := true
		for _, l := range ls[i : i+n] {
			l = strings.TrimSuffix(l, "\n")
			got[l]++
			if got[l] > want[l] {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}
