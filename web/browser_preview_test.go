package web

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
)

// TestPreviewWhileTypingBrowser types a filter into the editor, key by key, in real Chromium
// and watches the predicted chains follow: first the rule, then the variable the new text
// uses, asked for by the page and filled in.
func TestPreviewWhileTypingBrowser(t *testing.T) {
	s, conn, _ := liveServer(t)
	ctx := newBrowser(t)
	srv := httptest.NewServer(s)
	loginBrowser(t, ctx, srv.URL, s)
	defer srv.Close()

	preview := `[data-testid="preview-iptables"]`
	browse(t, ctx, "open the editor",
		chromedp.Navigate(srv.URL+"/filters/new"),
		chromedp.WaitVisible(css(preview)),
	)
	if got := read(t, ctx, "read the first preview", chromedp.Text(css(preview))); !strings.Contains(got, "--dport 22 -j DROP") {
		t.Fatalf("first preview:\n%s", got)
	}

	typed := "<filter name='typed' chain='root'>\n<rule action='accept' direction='in'>\n<tcp dstportstart='8443'/>\n</rule>\n</filter>"
	browse(t, ctx, "type a filter",
		chromedp.SetValue(css(`[data-testid="xml-input"]`), " "), // (an empty value counts as failure)
		chromedp.SendKeys(css(`[data-testid="xml-input"]`), typed),
		chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid="preview-iptables"]')?.textContent||'').includes('--sport 8443')`, chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	got := read(t, ctx, "read the preview", chromedp.Text(css(preview)))
	if !strings.Contains(got, "-A FI-vnet0 -p tcp -m tcp --sport 8443 -m conntrack --ctstate ESTABLISHED -m conntrack --ctdir REPLY -j RETURN") {
		t.Errorf("preview after typing:\n%s", got)
	}

	// A variable: the page asks for it, and its value goes into the chains.
	browse(t, ctx, "use a variable",
		chromedp.SendKeys(css(`[data-testid="xml-input"]`), "\n"),
		chromedp.SetValue(css(`[data-testid="xml-input"]`), strings.Replace(typed, "<tcp dstportstart='8443'/>", "<tcp srcipaddr='$NET' dstportstart='8443'/>", 1)),
		chromedp.SendKeys(css(`[data-testid="xml-input"]`), " "),
		chromedp.WaitVisible(css(`[data-testid="preview-var-NET"]`)),
		chromedp.WaitVisible(css(`[data-testid="preview-refusal"]`)),
		chromedp.SendKeys(css(`[data-testid="preview-var-NET"]`), "192.0.2.77"),
		chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid="preview-iptables"]')?.textContent||'').includes('-s 192.0.2.77/32')`, chromedp.WithPollingInterval(50*time.Millisecond)),
	)
	saveScreenshot(t, ctx, "preview-typing")
	// Nothing was defined on the way.
	if _, err := conn.FilterXML(context.Background(), "typed"); !errors.Is(err, libvirtx.ErrNoFilter) {
		t.Errorf("previewing defined the filter? %v", err)
	}
}

// TestDriftBrowser inserts a rule by hand with iptables into the FI- chain of a bound tap
// device and finds it marked as drift on the filter page.
func TestDriftBrowser(t *testing.T) {
	s, conn, _ := liveServer(t)
	ctx := newBrowser(t)
	srv := httptest.NewServer(s)
	loginBrowser(t, ctx, srv.URL, s)
	defer srv.Close()
	f := newDriftFixture(t, conn)

	browse(t, ctx, "see the port as predicted",
		chromedp.Navigate(srv.URL+"/filters/"+f.filter+"?dev="+f.dev),
		chromedp.WaitVisible(css(`[data-testid="drift"][data-state="match"]`)),
	)
	line := insertHandRule(t, f.dev)
	browse(t, ctx, "see the hand-made rule as drift",
		chromedp.Reload(),
		chromedp.WaitVisible(css(`[data-testid="drift"][data-state="drift"]`)),
		chromedp.WaitVisible(css(`[data-testid="drift-iptables"]`)),
	)
	diff := read(t, ctx, "read the diff", chromedp.Text(css(`[data-testid="drift-iptables"]`)))
	if !strings.Contains(diff, "+ "+line) {
		t.Errorf("diff does not show the hand-made rule %q:\n%s", line, diff)
	}
	if state := read(t, ctx, "read the state", chromedp.Text(css(`[data-testid="drift-state"]`))); !strings.Contains(state, "drift") {
		t.Errorf("state %q", state)
	}
	saveScreenshot(t, ctx, "drift")
}
