package web

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestFormsShowProgress: every form that changes something disables its submit button while
// its request runs, and app.css shows it; no page carries inline style or script (CSP).
func TestFormsShowProgress(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "test-filter"}
	fake.bindings["vnet9"] = fakeBinding("vnet9", "allow-dhcp")
	for _, page := range []string{"/filters/new", "/filters/test-filter/edit", "/filters/allow-dhcp/delete", "/domains",
		"/domains/kvmdom/stop", "/bindings", "/bindings/vnet9/delete", "/audit", "/users"} {
		t.Run(page, func(t *testing.T) {
			rec := do(t, s, "GET", page, "")
			d := doc(t, rec)
			posts := d.Find(`form[method="post"]`)
			if posts.Length() == 0 {
				t.Fatalf("no form on %s", page)
			}
			posts.Each(func(_ int, f *goquery.Selection) {
				if f.AttrOr("hx-boost", "") == "false" {
					return // a full page load (logout): the browser shows its own progress
				}
				if f.AttrOr("hx-disabled-elt", "") != "find button[type='submit']" || f.AttrOr("hx-disinherit", "") != "hx-disabled-elt" {
					t.Errorf("form %s does not disable its button while it runs", f.AttrOr("action", "?"))
				}
			})
			if n := d.Find(`[style]`).Length(); n != 0 {
				t.Errorf("%d elements with inline style", n)
			}
			d.Find("script").Each(func(_ int, sc *goquery.Selection) {
				if _, ok := sc.Attr("src"); !ok || strings.TrimSpace(sc.Text()) != "" {
					t.Errorf("inline script: %s", sc.Text())
				}
			})
		})
	}
	css := do(t, s, "GET", assetURL("app.css"), "").Body.String()
	for _, want := range []string{"form.htmx-request button[type=submit]::after", "button:disabled", "body:has(form.htmx-request"} {
		if !strings.Contains(css, want) {
			t.Errorf("app.css lacks %q", want)
		}
	}
}
