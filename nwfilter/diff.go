package nwfilter

import "strings"

// DiffLine is one line of a line diff: Op is ' ' for a line both sides have, '-' for one only
// the first (old) side has, '+' for one only the second (new) side has.
type DiffLine struct {
	Op   byte
	Text string
}

// maxDiffEdits bounds the work of Diff: beyond it the middle of the texts is shown as removed
// and added wholesale, which is still a correct (if long) diff.
const maxDiffEdits = 1000

// Diff compares two texts line by line (Myers' algorithm, after the common head and tail are
// taken off) and returns every line of both, marked.
func Diff(a, b string) []DiffLine {
	al := splitLines(a)
	bl := splitLines(b)
	head := 0
	for head < len(al) && head < len(bl) && al[head] == bl[head] {
		head++
	}
	tail := 0
	for tail < len(al)-head && tail < len(bl)-head && al[len(al)-1-tail] == bl[len(bl)-1-tail] {
		tail++
	}
	var out []DiffLine
	for _, l := range al[:head] {
		out = append(out, DiffLine{' ', l})
	}
	out = append(out, myers(al[head:len(al)-tail], bl[head:len(bl)-tail])...)
	for _, l := range al[len(al)-tail:] {
		out = append(out, DiffLine{' ', l})
	}
	return out
}

// FormatDiff prints a diff as "  ", "- " and "+ " prefixed lines.
func FormatDiff(d []DiffLine) string {
	var b strings.Builder
	for _, l := range d {
		b.WriteByte(l.Op)
		b.WriteByte(' ')
		b.WriteString(l.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// Changed reports whether a diff has any removed or added line.
func Changed(d []DiffLine) bool {
	for _, l := range d {
		if l.Op != ' ' {
			return true
		}
	}
	return false
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func myers(a, b []string) []DiffLine {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return wholesale(a, b)
	}
	max := n + m
	off := max
	v := make([]int, 2*max+2)
	// trace[d] keeps v[off-d-1 .. off+d+1] as it was before step d, enough to walk back.
	var trace [][]int
	found := false
	for d := 0; d <= max && d <= maxDiffEdits; d++ {
		lo, hi := off-d-1, off+d+2
		if lo < 0 {
			lo = 0
		}
		if hi > len(v) {
			hi = len(v)
		}
		trace = append(trace, append([]int(nil), v[lo:hi]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return wholesale(a, b)
	}
	// Walk the trace back from (n, m).
	var rev []DiffLine
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		lo := off - d - 1
		if lo < 0 {
			lo = 0
		}
		at := func(k int) int { return trace[d][off+k-lo] }
		k := x - y
		var prevK int
		if k == -d || k != d && at(k-1) < at(k+1) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			rev = append(rev, DiffLine{' ', a[x-1]})
			x--
			y--
		}
		if d > 0 {
			if x == prevX {
				rev = append(rev, DiffLine{'+', b[y-1]})
			} else {
				rev = append(rev, DiffLine{'-', a[x-1]})
			}
		}
		x, y = prevX, prevY
	}
	out := make([]DiffLine, len(rev))
	for i, l := range rev {
		out[len(rev)-1-i] = l
	}
	return out
}

func wholesale(a, b []string) []DiffLine {
	out := make([]DiffLine, 0, len(a)+len(b))
	for _, l := range a {
		out = append(out, DiffLine{'-', l})
	}
	for _, l := range b {
		out = append(out, DiffLine{'+', l})
	}
	return out
}
