package web

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestFilterCountsRead: counts agree with their nouns ("1 rule"), and the list says what its
// columns count: Includes lists the filters a filter references, each a link.
func TestFilterCountsRead(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML // one rule, no filterref
	d := doc(t, do(t, s, "GET", "/filters/test-filter", ""))
	if txt := strings.Join(strings.Fields(d.Find("main p.muted").First().Text()), " "); !strings.Contains(txt, "1 rule of its own") ||
		!strings.Contains(txt, "includes no other filter") || strings.Contains(txt, "1 rules") {
		t.Errorf("filter page: %q", txt)
	}
	d = doc(t, do(t, s, "GET", "/filters/clean-traffic", ""))
	txt := strings.Join(strings.Fields(d.Find("main p.muted").First().Text()), " ")
	if !strings.Contains(txt, "2 rules of its own") || !strings.Contains(txt, "includes 6 filters: no-mac-spoofing, no-ip-spoofing,") || d.Find(`a[data-testid="filter-include"][href="/filters/no-ip-spoofing"]`).Length() != 1 {
		t.Errorf("clean-traffic's page: %q", txt)
	}

	d = doc(t, do(t, s, "GET", "/filters", ""))
	var heads []string
	d.Find(`[data-testid="filter-list"] th`).Each(func(_ int, th *goquery.Selection) { heads = append(heads, th.Text()) })
	if strings.Contains(strings.Join(heads, "|"), "References") {
		t.Errorf("the list still has a References column: %q", heads)
	}
	inc := d.Find(`[data-testid="filter-list"] th:contains("Includes")`)
	if title := inc.AttrOr("title", ""); !strings.Contains(title, "filterref") {
		t.Errorf("the Includes column does not say what it counts: %q", title)
	}
	if d.Find(`[data-testid="filter-clean-traffic"] [data-testid="includes"] a[href="/filters/no-ip-spoofing"]`).Length() != 1 {
		t.Error("clean-traffic's row does not list no-ip-spoofing")
	}
}

// TestChainCountsRead: the chain's status counts one entry as one.
func TestChainCountsRead(t *testing.T) {
	s, _, _ := newTestServer(t)
	do(t, s, "PUT", "/api/v1/filters/test-filter", seedXML)
	<-s.startVerify()
	txt := strings.Join(strings.Fields(doc(t, do(t, s, "GET", "/audit/chain", "")).Find(`[data-testid="chain-status"]`).Text()), " ")
	if !strings.Contains(txt, "1 entry (2 events) verified") {
		t.Errorf("chain status: %q", txt)
	}
}
