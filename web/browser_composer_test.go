package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

// pick chooses an option of a select as a person would: the value, then the input and change
// events.
func pick(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(` + jsString(sel) + `);
		s.value = ` + jsString(value) + `; s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// htmxSettled waits until htmx has processed what it swapped in last: until then the new
// elements have no listeners, so a change made to them at once would go unnoticed.
func htmxSettled() chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`!document.querySelector('.htmx-added, .htmx-settling, .htmx-swapping')`)
}

// waitText waits until the element's text contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`(document.querySelector(` + jsString(sel) + `)?.textContent || '').includes(` + jsString(want) + `)`)
}

// TestComposerSeedRuleBrowser composes the seed's rule from the forms only, in real Chromium,
// watching a field's error appear as it is typed and the predicted chains follow, then defines
// it and finds it in libvirt.
func TestComposerSeedRuleBrowser(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := newBrowser(t)
	// The server's Content-Security-Policy allows no eval and no inline script or style: the
	// composer depends on neither.
	srv := httptest.NewServer(s)
	defer srv.Close()
	loginBrowser(t, ctx, srv.URL, s)
	// Every rule edit swaps messages in out of band: a slot missing from the page, like any
	// other error, shows in the console.
	defer failOnConsoleErrors(t, ctx)()
	filter := libvirtxtest.UniqueName("nwc-seed")
	cleanupFilter(t, conn, filter)

	rule := `[data-testid="entry-0"] `
	browse(t, ctx, "open the composer from the filter list",
		chromedp.Navigate(srv.URL+"/filters"),
		chromedp.Click(css(`[data-testid="new-filter-composer"]`)),
		chromedp.WaitVisible(css(`[data-testid="composer-name"]`)),
	)
	// Before anything is typed the missing name is the next step, not an error.
	browse(t, ctx, "see the name hint", waitText(`#m-f-name`, "Name the filter: "))
	if cls := read(t, ctx, "read the name's message", chromedp.Evaluate[string](`document.querySelector('#m-f-name').className`)); cls != "fieldmsg hint" {
		t.Errorf("the empty composer's name message is %q, want a hint", cls)
	}
	if txt := read(t, ctx, "read the composer", chromedp.Text(css(`#composer`))); strings.Contains(txt, "internal error") || strings.Contains(txt, "would refuse") {
		t.Errorf("the empty composer says something is wrong:\n%s", txt)
	}
	browse(t, ctx, "name it and add a tcp rule",
		chromedp.SendKeys(css(`[data-testid="composer-name"]`), filter),
		chromedp.Poll[chromedp.Void](`document.querySelector('#m-f-name').textContent === ''`),
		chromedp.Click(css(`[data-testid="composer-add-rule"]`)),
		chromedp.WaitVisible(css(rule+`[data-testid="rule-protocol"]`)),
		htmxSettled(),
		pick(rule+`[data-testid="rule-protocol"]`, "tcp"),
		chromedp.WaitVisible(css(rule+`[data-testid="attr-dstportstart"]`)),
		htmxSettled(),
	)
	// Every option of the rule's selects fits: a select alone with that option, as wide as it
	// wants, is no wider than the composer's.
	cut := read(t, ctx, "measure the selects", chromedp.Evaluate[[]string](`(() => {
		const cut = [];
		for (const s of document.querySelectorAll('#composer .rule-head select')) {
			const has = s.getBoundingClientRect().width;
			for (const o of s.options) {
				const probe = document.createElement('select');
				probe.appendChild(new Option(o.text));
				probe.style.position = 'absolute'; probe.style.width = 'auto'; probe.style.minWidth = '0';
				s.after(probe);
				const need = probe.getBoundingClientRect().width;
				probe.remove();
				if (has + 0.5 < need) cut.push(s.name + ': "' + o.text + '" needs ' + need + 'px, has ' + has + 'px');
			}
		}
		return cut;
	})()`))
	for _, c := range cut {
		t.Errorf("select too narrow: %s", c)
	}
	browse(t, ctx, "make it a drop of outgoing traffic",
		pick(rule+`[data-testid="rule-action"]`, "drop"),
		pick(rule+`[data-testid="rule-direction"]`, "out"),
		chromedp.SendKeys(css(rule+`[data-testid="attr-dstipaddr"]`), "192.168.122.1"),
		waitText(`[data-testid="preview-iptables"]`, "-A FI-vnet0 -d 192.168.122.1/32 -p tcp -j DROP"),
	)
	browse(t, ctx, "a port too large, refused as typed",
		chromedp.SendKeys(css(rule+`[data-testid="attr-dstportstart"]`), "65536"),
		waitText(`#m-0-attr-dstportstart`, "dstportstart has illegal value 65536"),
		waitText(`[data-testid="composer-summary"]`, "1 libvirt would refuse"),
	)
	browse(t, ctx, "port 22, and the chains follow",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="entry-0"] [data-testid="attr-dstportstart"]').value = ''`),
		chromedp.SendKeys(css(rule+`[data-testid="attr-dstportstart"]`), "22"),
		waitText(`[data-testid="composer-summary"]`, "libvirt would take it as written"),
	)
	for _, line := range seedRules("vnet0") {
		browse(t, ctx, "predicted "+line, waitText(`[data-testid="preview-iptables"]`, line))
	}
	xml := read(t, ctx, "read the XML", chromedp.Text(css(`[data-testid="composer-xml"]`)))
	want := "<rule action='drop' direction='out' priority='500'>\n    <tcp dstipaddr='192.168.122.1' dstportstart='22'/>\n  </rule>"
	if !strings.Contains(xml, want) {
		t.Errorf("the composer's XML:\n%s\nlacks\n%s", xml, want)
	}
	browse(t, ctx, "show the rule", chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid="entry-0"]').scrollIntoView()`))
	// The README's composer screenshot (saveScreenshot would write the main one).
	png := read(t, ctx, "screenshot", chromedp.CaptureScreenshot())
	shot := filepath.Join("testdata", "screenshots", "composer.tmp.png")
	if *updateScreenshot {
		shot = filepath.Join("..", "docs", "composer.png")
	}
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}

	browse(t, ctx, "define it",
		chromedp.Click(css(`[data-testid="composer-define"]`)),
		chromedp.WaitVisible(css(`[data-testid="filter-xml"]`)),
	)
	got, err := conn.FilterXML(context.Background(), filter)
	if err != nil || !strings.Contains(got, want) {
		t.Fatalf("libvirt has (%v):\n%s", err, got)
	}
	if es := auditRows(t, st); len(es) != 1 || es[0].Target != filter || es[0].Result != "ok" {
		t.Errorf("audit: %+v", es)
	}
}
