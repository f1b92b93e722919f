package nwfilter

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, tt := range []struct {
		name, a, b, want string
	}{
		{"equal", "x\ny\n", "x\ny\n", "  x\n  y\n"},
		{"inserted", "a\nc\n", "a\nb\nc\n", "  a\n+ b\n  c\n"},
		{"removed", "a\nb\nc\n", "a\nc\n", "  a\n- b\n  c\n"},
		{"replaced", "a\nb\nc\n", "a\nx\nc\n", "  a\n- b\n+ x\n  c\n"},
		{"empty old", "", "a\n", "+ a\n"},
		{"empty new", "a\n", "", "- a\n"},
		{"rule inserted first", "-A FI-v -j ACCEPT\n-A FI-v -j DROP\n", "-A FI-v -p udp --dport 9 -j DROP\n-A FI-v -j ACCEPT\n-A FI-v -j DROP\n",
			"+ -A FI-v -p udp --dport 9 -j DROP\n  -A FI-v -j ACCEPT\n  -A FI-v -j DROP\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDiff(Diff(tt.a, tt.b)); got != tt.want {
				t.Errorf("Diff:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestDiffReconstructs checks on random texts that the old side is the ' ' and '-' lines and
// the new side the ' ' and '+' lines, in order.
func TestDiffReconstructs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(string(rune('a'+r.IntN(5))) + "\n")
		}
		return b.String()
	}
	for range 500 {
		a, b := text(), text()
		var ga, gb strings.Builder
		for _, l := range Diff(a, b) {
			if l.Op != '+' {
				ga.WriteString(l.Text + "\n")
			}
			if l.Op != '-' {
				gb.WriteString(l.Text + "\n")
			}
		}
		if ga.String() != a || gb.String() != b {
			t.Fatalf("diff of %q and %q does not give them back", a, b)
		}
	}
}
