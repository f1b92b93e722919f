package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestFeedbackBrowser drives, in real Chromium over the fake libvirt, what a page says while and
// after it changes something: the Define button is disabled and spins while libvirt is slow, the
// flash shows once and leaves no done= in the address bar, and Stop asks first.
func TestFeedbackBrowser(t *testing.T) {
	ctx := newBrowser(t)
	s, fake, _ := newTestServer(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	loginBrowser(t, ctx, srv.URL, s)
	defer failOnConsoleErrors(t, ctx)()

	hold := make(chan struct{})
	fake.hold = hold
	released := false
	defer func() {
		if !released {
			close(hold)
		}
	}()
	browse(t, ctx, "define a filter while libvirt is slow",
		chromedp.Navigate(srv.URL+"/filters/new"),
		chromedp.WaitVisible(css(`[data-testid="xml-input"]`)),
		chromedp.SetValue(css(`[data-testid="xml-input"]`), seedXML),
		chromedp.Click(css(`[data-testid="define"]`)),
	)
	busy := read(t, ctx, "see the form busy", chromedp.Poll[bool](
		`document.querySelector('[data-testid="define"]').disabled && document.querySelector('[data-testid="filter-form"]').classList.contains('htmx-request')`))
	if !busy {
		t.Fatal("the Define button is not disabled while the request runs")
	}
	spinner := read(t, ctx, "read the spinner", chromedp.Evaluate[string](
		`getComputedStyle(document.querySelector('[data-testid="define"]'), '::after').animationName`))
	if spinner != "spin" {
		t.Errorf("the busy button's ::after animation is %q, want spin", spinner)
	}
	close(hold)
	released = true
	browse(t, ctx, "land on the filter", chromedp.WaitVisible(css(`[data-testid="filter-xml"]`)))
	if loc := read(t, ctx, "read the address", chromedp.Location()); strings.Contains(loc, "done=") || !strings.HasSuffix(loc, "/filters/test-filter") {
		t.Errorf("address after the define: %s", loc)
	}
	if f := read(t, ctx, "read the flash", chromedp.Text(css(`[data-testid="flash"]`))); f != "Filter test-filter defined." {
		t.Errorf("flash %q", f)
	}
	if enabled := read(t, ctx, "the button is back", chromedp.Evaluate[bool](`!document.querySelector('button[type=submit]:disabled')`)); !enabled {
		t.Error("a button stays disabled")
	}
	browse(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="filter-xml"]`)))
	if n := read(t, ctx, "count flashes", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="flash"]').length`)); n != 0 {
		t.Error("the reload shows the flash again")
	}

	// A request from inside a busy form (the NIC's parameters follow the chosen filter) does
	// not inherit the form's hx-disabled-elt: no "selector returned no matches" error.
	card := `[data-testid="domain-kvmdom"]`
	browse(t, ctx, "choose a filter on the NIC form",
		chromedp.Navigate(srv.URL+"/domains"),
		chromedp.WaitVisible(css(card+` [data-testid="nic-filter-select"]`)),
	)
	_ = read(t, ctx, "change the select", chromedp.Evaluate[bool](`(() => {
		document.body.addEventListener('htmx:afterRequest', () => { window.paramsLoaded = true });
		const sel = document.querySelector('[data-testid="nic-filter-select"]');
		sel.value = 'allow-dhcp';
		sel.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`))
	_ = read(t, ctx, "wait for the parameters", chromedp.Poll[bool](`window.paramsLoaded === true`))

	browse(t, ctx, "Stop asks first",
		chromedp.Click(css(card+` [data-testid="domain-stop"]`)),
		chromedp.WaitVisible(css(`[data-testid="domain-stop-warning"]`)),
	)
	if !fake.domains[0].Active {
		t.Fatal("the VM stopped before the confirmation")
	}
	browse(t, ctx, "confirm the stop",
		chromedp.Click(css(`[data-testid="confirm-stop"]`)),
		chromedp.WaitVisible(css(card+` [data-testid="domain-start"]`)),
	)
	if state := read(t, ctx, "read the state", chromedp.Text(css(card+` [data-testid="domain-state"]`))); state != "shut off" {
		t.Errorf("state %q after the stop", state)
	}
	if loc := read(t, ctx, "read the address", chromedp.Location()); strings.Contains(loc, "done=") {
		t.Errorf("address after the stop: %s", loc)
	}
}
