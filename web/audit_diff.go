package web

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// diffContext is how many unchanged lines a hunk shows around a change, as diff -u does.
const diffContext = 3

// diffCells bounds the longest-common-subsequence table (lines before × lines after). Filter
// and NIC XML is tens of lines; past the bound the changed middle is shown as removed and
// added wholesale rather than spending memory on it.
const diffCells = 4_000_000

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

// diffLines is the line edit script from a to b: the common head and tail are kept as they are,
// and the middle is a longest common subsequence (removals before additions within a change).
func diffLines(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []diffOp
	for i := range pre {
		ops = append(ops, diffOp{views.DiffContext, i, i})
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	ops = append(ops, lcsOps(am, bm, pre)...)
	for k := range suf {
		ops = append(ops, diffOp{views.DiffContext, len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}

// lcsOps diffs the middle parts (offset off into both texts) by dynamic programming.
func lcsOps(a, b []string, off int) []diffOp {
	n, m := len(a), len(b)
	var ops []diffOp
	if n*m > diffCells {
		for i := range n {
			ops = append(ops, diffOp{views.DiffDel, off + i, off})
		}
		for j := range m {
			ops = append(ops, diffOp{views.DiffAdd, off + n, off + j})
		}
		return ops
	}
	// t[i][j] is the LCS length of a[i:] and b[j:].
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{views.DiffContext, off + i, off + j})
			i++
			j++
		case j == m || i < n && t[i+1][j] >= t[i][j+1]:
			ops = append(ops, diffOp{views.DiffDel, off + i, off + j})
			i++
		default:
			ops = append(ops, diffOp{views.DiffAdd, off + i, off + j})
			j++
		}
	}
	return ops
}
