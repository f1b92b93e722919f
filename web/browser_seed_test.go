package web

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// updateScreenshot rewrites the README's screenshot from the browser test's run.
var updateScreenshot = flag.Bool("update-screenshot", false, "write docs/screenshot.png from the seed browser test")

// TestSeedScenarioBrowser does the seed scenario through the pages only, in real Chromium:
// write the filter in the editor, attach it on the VM page, start the VM, and read the chains
// beside the XML on the filter page.
func TestSeedScenarioBrowser(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := newBrowser(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	loginBrowser(t, ctx, srv.URL, s)
	filter := libvirtxtest.UniqueName("test-filter")
	domain := libvirtxtest.UniqueName("kvmdom")
	mac := libvirtxtest.RandomMAC()
	cleanupFilter(t, conn, filter)
	libvirtxtest.DefineStoppedDomain(t, conn, domain, libvirtxtest.EthernetNIC(mac, nil))

	xml := "<filter name='" + filter + "' chain='root'>\n" +
		"  <rule action='drop' direction='out'>\n" +
		"    <tcp dstipaddr='192.168.122.1' dstportstart='22'/>\n" +
		"  </rule>\n" +
		"</filter>\n"
	card := `[data-testid="domain-` + domain + `"]`
	nic := card + ` [data-testid="nic-` + mac + `"]`

	browse(t, ctx, "define the filter in the editor",
		chromedp.Navigate(srv.URL+"/filters"),
		chromedp.Click(css(`[data-testid="new-filter"]`)),
		chromedp.WaitVisible(css(`[data-testid="xml-input"]`)),
		chromedp.SetValue(css(`[data-testid="xml-input"]`), xml),
		chromedp.Click(css(`[data-testid="define"]`)),
		chromedp.WaitVisible(css(`[data-testid="filter-xml"]`)),
	)
	if name := read(t, ctx, "read the filter page", chromedp.Text(css(`[data-testid="filter-name"]`))); name != filter {
		t.Fatalf("filter page shows %q", name)
	}

	browse(t, ctx, "attach it to the NIC",
		chromedp.Navigate(srv.URL+"/domains"),
		chromedp.WaitVisible(css(nic)),
		chromedp.SetValue(css(nic+` [data-testid="nic-filter-select"]`), filter),
		chromedp.Click(css(nic+` [data-testid="nic-attach"]`)),
		chromedp.WaitVisible(css(nic+` [data-testid="nic-filter"]`)),
	)
	if shown := read(t, ctx, "read the NIC", chromedp.Text(css(nic+` [data-testid="nic-filter"]`))); shown != filter {
		t.Fatalf("NIC shows filter %q", shown)
	}

	browse(t, ctx, "start the VM",
		chromedp.Click(css(card+` [data-testid="domain-start"]`)),
		chromedp.WaitVisible(css(nic+` [data-testid="nic-dev"]`)),
	)
	dev := read(t, ctx, "read the NIC's device", chromedp.Text(css(nic+` [data-testid="nic-dev"]`)))

	browse(t, ctx, "see its chains beside the XML",
		chromedp.Navigate(srv.URL+"/filters"),
		chromedp.Click(css(`[data-testid="filter-`+filter+`"] a`)),
		chromedp.WaitVisible(css(`[data-testid="chains-iptables"]`)),
	)
	iptables := read(t, ctx, "read the chains", chromedp.Text(css(`[data-testid="chains-iptables"]`)))
	for _, line := range seedRules(dev) {
		if !strings.Contains(iptables, line) {
			t.Errorf("filter page's iptables lacks %q:\n%s", line, iptables)
		}
	}
	saveScreenshot(t, ctx, "filter-chains")

	browse(t, ctx, "open the history",
		chromedp.Navigate(srv.URL+"/audit"),
		chromedp.WaitVisible(css(`[data-testid="audit-list"]`)),
	)
	rows := read(t, ctx, "count the history's rows",
		chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="audit-row"][data-result="ok"]:not([data-action$="changed-outside"])').length`))
	if rows != 3 {
		t.Errorf("history shows %d ok rows, want 3 (define, attach, start)", rows)
	}
	// Others' filters on a shared libvirtd come and go meanwhile: those are changes made outside.
	es, err := st.AuditEntries(context.Background(), store.AuditQuery{})
	es = ownRows(es)
	if err != nil || len(es) != 3 {
		t.Fatalf("store has %d rows (%v)", len(es), err)
	}
}

// saveScreenshot writes the page to web/testdata/screenshots/NAME.tmp.png (ignored by git) and,
// with -update-screenshot, to docs/screenshot.png for the README.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browse(t, ctx, "let the page settle", chromedp.Sleep(200*time.Millisecond))
	png := read(t, ctx, "screenshot", chromedp.CaptureScreenshot())
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".tmp.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: web/%s", path)
	if *updateScreenshot {
		if err := os.WriteFile(filepath.Join("..", "docs", "screenshot.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
