package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestDeleteFilterPage: a filter in use shows who uses it, each a link to where it is seen, and
// no Delete button; an unused one asks before deleting.
func TestDeleteFilterPage(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	fake.filters["includes-it"] = `<filter name='includes-it' chain='root'><filterref filter='test-filter'/></filter>`
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "test-filter"}
	fake.bindings["vnet9"] = fakeBinding("vnet9", "test-filter")

	rec := do(t, s, "GET", "/filters/test-filter/delete", "")
	d := doc(t, rec)
	if rec.Code != http.StatusOK || d.Find(`[data-testid="delete-refused"]`).Length() != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if d.Find(`[data-testid="confirm-delete"]`).Length() != 0 || d.Find(`form[action="/filters/test-filter/delete"]`).Length() != 0 {
		t.Error("a filter in use offers Delete")
	}
	var links []string
	d.Find(`[data-testid="use-link"]`).Each(func(_ int, a *goquery.Selection) { links = append(links, a.AttrOr("href", "")) })
	for _, want := range []string{"/domains#domain-kvmdom", "/bindings#binding-vnet9", "/filters/includes-it"} {
		if !slices.Contains(links, want) {
			t.Errorf("users link to %q, want one to %s", links, want)
		}
	}
	// The targets of the links exist.
	if doc(t, do(t, s, "GET", "/domains", "")).Find(`#domain-kvmdom`).Length() != 1 {
		t.Error("the VM page has no #domain-kvmdom")
	}
	if doc(t, do(t, s, "GET", "/bindings", "")).Find(`#binding-vnet9`).Length() != 1 {
		t.Error("the bindings page has no #binding-vnet9")
	}

	rec = do(t, s, "GET", "/filters/allow-dhcp/delete", "")
	if d := doc(t, rec); rec.Code != http.StatusOK || d.Find(`[data-testid="confirm-delete"]`).Length() != 1 || d.Find(`[data-testid="delete-refused"]`).Length() != 0 {
		t.Errorf("an unused filter: %d %s", rec.Code, rec.Body)
	}
	// Posted anyway (a page opened before the filter came into use): libvirt still refuses.
	rec = do(t, s, "POST", "/filters/test-filter/delete", "")
	if d := doc(t, rec); rec.Code != http.StatusConflict || d.Find(`[data-testid="confirm-delete"]`).Length() != 0 ||
		!strings.Contains(d.Find(`[data-testid="error"]`).Text(), "in use") {
		t.Errorf("delete in use: %d %s", rec.Code, rec.Body)
	}
}
