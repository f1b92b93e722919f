package web

import (
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/views"
)

func TestLineDiff(t *testing.T) {
	lines := func(n int, f func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(f(i) + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name, a, b string
		want       string // unifiedText
	}{
		{"same", "x\ny\n", "x\ny\n", ""},
		{"created", "", "<a/>\n<b/>\n", "@@ -0,0 +1,2 @@\n+<a/>\n+<b/>\n"},
		{"removed", "<a/>\n", "", "@@ -1,1 +0,0 @@\n-<a/>\n"},
		{"one line changed, context around", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n",
			"@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"},
		{"insert in the middle", "a\nb\nc\n", "a\nb\nnew\nc\n", "@@ -1,3 +1,4 @@\n a\n b\n+new\n c\n"},
		{"two hunks", lines(20, func(i int) string { return string(rune('a' + i)) }),
			strings.Replace(strings.Replace(lines(20, func(i int) string { return string(rune('a' + i)) }), "b\n", "B\n", 1), "s\n", "S\n", 1),
			"@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -16,5 +16,5 @@\n p\n q\n r\n-s\n+S\n t\n"},
		{"no trailing newline", "a\nb", "a\nc", "@@ -1,2 +1,2 @@\n a\n-b\n+c\n"},
		{"reorder", "x\ny\nz\n", "z\nx\ny\n", "@@ -1,3 +1,3 @@\n+z\n x\n y\n-z\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := lineDiff(tt.a, tt.b)
			if got := unifiedText(d); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			if d.Same != (tt.want == "") {
				t.Errorf("Same = %v", d.Same)
			}
		})
	}
}

func TestLineDiffMarksTheChange(t *testing.T) {
	d := lineDiff("<rule action='drop' priority='500'/>\n", "<rule action='accept' priority='500'/>\n")
	ls := d.Hunks[0].Lines
	want := []views.DiffSegment{{Text: "<rule action='"}, {Text: "drop", Changed: true}, {Text: "' priority='500'/>"}}
	if len(ls) != 2 || len(ls[0].Segments) != 3 || ls[0].Segments[1] != want[1] || ls[0].Segments[0] != want[0] {
		t.Fatalf("%+v", ls)
	}
	if ls[1].Segments[1].Text != "accept" {
		t.Errorf("%+v", ls[1].Segments)
	}
	// Multi-byte characters are never split.
	d = lineDiff("name='café'\n", "name='cafè'\n")
	if ls := d.Hunks[0].Lines; ls[0].Segments[1].Text != "é" || ls[1].Segments[1].Text != "è" {
		t.Errorf("changed parts %q %q", ls[0].Segments[1].Text, ls[1].Segments[1].Text)
	}
}

// TestLineDiffLarge stays within the table bound and still shows every line once.
func TestLineDiffLarge(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		a.WriteString("a" + strings.Repeat("x", i%7) + "\n")
		b.WriteString("b" + strings.Repeat("x", i%5) + "\n")
	}
	d := lineDiff(a.String(), b.String())
	if d.Added != 3000 || d.Removed != 3000 {
		t.Errorf("+%d -%d", d.Added, d.Removed)
	}
}
