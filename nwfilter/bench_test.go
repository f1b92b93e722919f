package nwfilter

import (
	"fmt"
	"strings"
	"testing"
)

// benchFilter is a filter of n rules mixing what filters use: TCP and UDP with addresses and
// ports, ICMP, MAC protocol ids, IPv6, state matches and comments, in a few chains' worth of
// priorities.
func benchFilter(n int) string {
	var b strings.Builder
	b.WriteString("<filter name='bench' chain='root'>\n")
	for i := 0; i < n; i++ {
		switch i % 8 {
		case 0:
			fmt.Fprintf(&b, "  <rule action='accept' direction='in' priority='%d'><tcp srcipaddr='10.%d.%d.0' srcipmask='24' dstportstart='%d'/></rule>\n", i%1000-500, i/256%256, i%256, 1+i%65000)
		case 1:
			fmt.Fprintf(&b, "  <rule action='drop' direction='out'><udp dstipaddr='192.0.2.%d' dstportstart='%d' dstportend='%d' comment='rule %d'/></rule>\n", i%256, 1000+i%60000, 1001+i%60000, i)
		case 2:
			fmt.Fprintf(&b, "  <rule action='accept' direction='inout'><mac protocolid='0x%x'/></rule>\n", 0x600+i%0xf000)
		case 3:
			fmt.Fprintf(&b, "  <rule action='accept' direction='inout'><tcp-ipv6 srcipaddr='2001:db8::%x' dstportstart='%d'/></rule>\n", i, 1+i%65000)
		case 4:
			fmt.Fprintf(&b, "  <rule action='accept' direction='out' statematch='false'><icmp type='%d'/></rule>\n", i%16)
		case 5:
			fmt.Fprintf(&b, "  <rule action='accept' direction='in'><tcp dstportstart='%d' state='NEW,ESTABLISHED'/></rule>\n", 1+i%65000)
		case 6:
			fmt.Fprintf(&b, "  <rule action='drop' direction='out'><ip srcipaddr='10.0.%d.%d' protocol='udp' dstportstart='%d'/></rule>\n", i/256%256, i%256, 1+i%65000)
		case 7:
			fmt.Fprintf(&b, "  <rule action='return' direction='inout'><all-ipv6 dstipaddr='fe80::%x' dstipmask='64'/></rule>\n", i)
		}
	}
	b.WriteString("</filter>\n")
	return b.String()
}

// listFilter expands to len(SRC) x len(PORT) rule instances through one rule: two iterators
// walk every combination.
const listFilter = `<filter name='bench-list' chain='root'>
  <rule action='accept' direction='in'>
    <tcp srcipaddr='$SRC[@1]' dstportstart='$PORT[@2]'/>
  </rule>
</filter>
`

func listParams(srcs, ports int) []Param {
	var ps []Param
	for i := 0; i < srcs; i++ {
		ps = append(ps, Param{"SRC", fmt.Sprintf("10.1.%d.%d", i/256, i%256)})
	}
	for i := 0; i < ports; i++ {
		ps = append(ps, Param{"PORT", fmt.Sprint(1000 + i)})
	}
	return ps
}

var benchPort = Port{Dev: "vnet0", MAC: "52:54:00:00:00:01"}

func benchPredict(b *testing.B, x string, p Port) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Predict(x, Shipped, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPreview50Rules: target <= 1 ms per preview.
func BenchmarkPreview50Rules(b *testing.B) { benchPredict(b, benchFilter(50), benchPort) }

// BenchmarkPreview1000Rules: target <= 10 ms per preview.
func BenchmarkPreview1000Rules(b *testing.B) { benchPredict(b, benchFilter(1000), benchPort) }

// BenchmarkPreviewListIteration1000: one rule over 40 addresses x 25 ports, 1,000 rule
// instances (3,000 iptables lines); target <= 10 ms per preview.
func BenchmarkPreviewListIteration1000(b *testing.B) {
	p := benchPort
	p.Params = listParams(40, 25)
	benchPredict(b, listFilter, p)
}

// TestBenchFiltersAreValid keeps the benchmarks honest: they preview what they say.
func TestBenchFiltersAreValid(t *testing.T) {
	for _, n := range []int{50, 1000} {
		x := benchFilter(n)
		if got := strings.Count(x, "<rule "); got != n {
			t.Fatalf("benchFilter(%d) has %d rules", n, got)
		}
		tb, err := Predict(x, Shipped, benchPort)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(tb.IPTables, "\n-A FI-vnet0") < n/4 {
			t.Errorf("benchFilter(%d) made too few rules:\n%.500s", n, tb.IPTables)
		}
	}
	p := benchPort
	p.Params = listParams(40, 25)
	tb, err := Predict(listFilter, Shipped, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(tb.IPTables, "\n-A FI-vnet0 "); got != 1000 {
		t.Errorf("list iteration made %d FI rules, want 1000", got)
	}
}
