package web

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// diffContext is how many unchanged lines a hunk shows around a change, as diff -u does.
const diffContext = 3

// diffOp is one line of a line diff: kept, removed from a or added from b.
type diffOp struct {
	kind string // views.DiffContext, views.DiffDel, views.DiffAdd
	a, b int    // 0-based line index in a (kept, removed) and b (kept, added)
}

// lineDiff is the unified diff of a (before) and b (after), line by line, in hunks with
// diffContext lines of context, each changed line marked where it differs from its partner.
func lineDiff(a, b string) views.Diff {
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	d := views.Diff{}
	for _, op := range ops {
		switch op.kind {
		case views.DiffAdd:
			d.Added++
		case views.DiffDel:
			d.Removed++
		}
	}
	if d.Added == 0 && d.Removed == 0 {
		d.Same = true
		return d
	}
	// Hunks: runs of changes closer than 2*diffContext lines share one.
	for i := 0; i < len(ops); {
		if ops[i].kind == views.DiffContext {
			i++
			continue
		}
		start := max(0, i-diffContext)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != views.DiffContext {
				end = j
			} else if j-end > 2*diffContext {
				break
			}
		}
		end = min(len(ops), end+1+diffContext)
		d.Hunks = append(d.Hunks, hunk(ops[start:end], al, bl))
		i = end
	}
	return d
}

// hunk renders ops with line numbers and a header like diff -u's "@@ -1,4 +1,5 @@".
func hunk(ops []diffOp, al, bl []string) views.DiffHunk {
	var h views.DiffHunk
	oldStart, newStart, oldN, newN := -1, -1, 0, 0
	for _, op := range ops {
		l := views.DiffLine{Kind: op.kind}
		switch op.kind {
		case views.DiffContext:
			l.Old, l.New, l.Text = op.a+1, op.b+1, al[op.a]
			oldN++
			newN++
		case views.DiffDel:
			l.Old, l.Text = op.a+1, al[op.a]
			oldN++
		case views.DiffAdd:
			l.New, l.Text = op.b+1, bl[op.b]
			newN++
		}
		if oldStart < 0 && l.Old > 0 {
			oldStart = l.Old
		}
		if newStart < 0 && l.New > 0 {
			newStart = l.New
		}
		h.Lines = append(h.Lines, l)
	}
	// diff -u numbers an empty side from the line before it.
	if oldStart < 0 {
		oldStart = ops[0].a
	}
	if newStart < 0 {
		newStart = ops[0].b
	}
	h.Header = fmt.Sprintf("@@ -%d,%d +%d,%d @@", oldStart, oldN, newStart, newN)
	markChanges(h.Lines)
	return h
}

// markChanges pairs each run of removed lines with the run of added lines after it, line by
// line, and splits each pair into the unchanged head and tail and the changed middle, so that
// a changed attribute stands out inside its line.
func markChanges(ls []views.DiffLine) {
	for i := 0; i < len(ls); {
		if ls[i].Kind != views.DiffDel {
			i++
			continue
		}
		dels := i
		for i < len(ls) && ls[i].Kind == views.DiffDel {
			i++
		}
		adds := i
		for i < len(ls) && ls[i].Kind == views.DiffAdd {
			i++
		}
		for k := 0; k < min(adds-dels, i-adds); k++ {
			o, n := &ls[dels+k], &ls[adds+k]
			o.Segments, n.Segments = segments(o.Text, n.Text)
		}
	}
}

// segments splits old and new into common prefix, changed middle and common suffix.
func segments(old, new string) (o, n []views.DiffSegment) {
	p := 0
	for p < len(old) && p < len(new) && old[p] == new[p] {
		p++
	}
	for p > 0 && !utf8.RuneStart(old[p]) {
		p--
	}
	s := 0
	for s < len(old)-p && s < len(new)-p && old[len(old)-1-s] == new[len(new)-1-s] {
		s++
	}
	for s > 0 && !utf8.RuneStart(old[len(old)-s]) {
		s--
	}
	split := func(t string) []views.DiffSegment {
		var out []views.DiffSegment
		for _, seg := range []views.DiffSegment{{Text: t[:p]}, {Text: t[p : len(t)-s], Changed: true}, {Text: t[len(t)-s:]}} {
			if seg.Text != "" {
				out = append(out, seg)
			}
		}
		return out
	}
	return split(old), split(new)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// diffLines is the line edit script from a to b, from the project's one line diff
// (nwfilter.Diff: Myers after the common head and tail), with each line's index on its side.
func diffLines(a, b []string) []diffOp {
	d := nwfilter.Diff(strings.Join(a, "\n"), strings.Join(b, "\n"))
	ops := make([]diffOp, 0, len(d))
	i, j := 0, 0
	for _, l := range d {
		switch l.Op {
		case '-':
			ops = append(ops, diffOp{views.DiffDel, i, j})
			i++
		case '+':
			ops = append(ops, diffOp{views.DiffAdd, i, j})
			j++
		default:
			ops = append(ops, diffOp{views.DiffContext, i, j})
			i, j = i+1, j+1
		}
	}
	return ops
}
