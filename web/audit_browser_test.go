package web

// The audit history's "done when" in real Chromium (issue 5): change a filter twice in the
// editor, open the diff, roll back, see three entries and the original XML back in libvirt;
// then a change made with virsh nwfilter-define shows up as changed outside.

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

func TestAuditRollbackBrowser(t *testing.T) {
	s, conn, _ := liveServer(t)
	ctx := newBrowser(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	loginBrowser(t, ctx, srv.URL, s)
	name := libvirtxtest.UniqueName("test-history")
	libvirtxtest.DefineTestFilter(t, conn, name, liveFilterBody(5000))
	original, err := conn.FilterXML(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}

	// Two changes through the editor.
	for i, port := range []int{5001, 5002} {
		browse(t, ctx, "open the editor",
			chromedp.Navigate(srv.URL+"/filters/"+name+"/edit"),
			chromedp.WaitVisible(css(`[data-testid="xml-input"]`)),
		)
		text := read(t, ctx, "read the editor", chromedp.Value(css(`[data-testid="xml-input"]`)))
		browse(t, ctx, "change the filter",
			chromedp.SetValue(css(`[data-testid="xml-input"]`), withPort(t, text, port-1, port)),
			chromedp.Click(css(`[data-testid="define"]`)),
			chromedp.WaitVisible(css(`[data-testid="filter-xml"]`)),
		)
		if got := read(t, ctx, "read the filter", chromedp.Text(css(`[data-testid="filter-xml"]`))); !strings.Contains(got, "dstportstart='"+strconv.Itoa(port)+"'") {
			t.Fatalf("change %d not shown: %s", i+1, got)
		}
	}

	// The history: open the first change and its diff.
	browse(t, ctx, "open the filter's timeline",
		chromedp.Click(css(`[data-testid="filter-history"]`)),
		chromedp.WaitVisible(css(`[data-testid="timeline"]`)),
	)
	if n := read(t, ctx, "count the entries", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="timeline-item"]').length`)); n != 2 {
		t.Fatalf("%d entries after two changes", n)
	}
	browse(t, ctx, "open the first change",
		chromedp.Navigate(srv.URL+"/audit?target="+name),
		chromedp.WaitVisible(css(`[data-testid="audit-list"]`)),
		chromedp.Click(css(`[data-testid="audit-row"]:last-child [data-testid="audit-open"]`)),
		chromedp.WaitVisible(css(`[data-testid="diff"]`)),
	)
	del := read(t, ctx, "read the removed line", chromedp.Text(css(`[data-testid="diff-del"]`)))
	add := read(t, ctx, "read the added line", chromedp.Text(css(`[data-testid="diff-add"]`)))
	mark := read(t, ctx, "read the highlight", chromedp.Text(css(`[data-testid="diff-add"] mark`)))
	if !strings.Contains(del, "5000") || !strings.Contains(add, "5001") || mark != "1" {
		t.Fatalf("diff: -%q +%q, marked %q", del, add, mark)
	}
	saveScreenshot(t, ctx, "audit-diff")

	// Roll back to the version before it, after the preview.
	browse(t, ctx, "preview the rollback",
		chromedp.Click(css(`[data-testid="restore-before"]`)),
		chromedp.WaitVisible(css(`[data-testid="rollback-apply"]`)),
	)
	tables := read(t, ctx, "read the predicted chains", chromedp.Text(css(`[data-testid="rollback-tables"]`)))
	if !strings.Contains(tables, "--dport 5000") {
		t.Errorf("predicted chains lack the restored rule:\n%s", tables)
	}
	saveScreenshot(t, ctx, "audit-rollback-preview")
	browse(t, ctx, "roll back",
		chromedp.Click(css(`[data-testid="rollback-apply"]`)),
		chromedp.WaitVisible(css(`[data-testid="timeline"]`)),
	)
	actions := read(t, ctx, "read the timeline", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('[data-testid="timeline-item"]')].map(e => e.dataset.action + " " + e.dataset.result)`))
	if strings.Join(actions, ", ") != "filter.rollback ok, filter.define ok, filter.define ok" {
		t.Fatalf("timeline after the rollback: %v", actions)
	}
	if now, _ := conn.FilterXML(context.Background(), name); now != original {
		t.Fatalf("libvirt has\n%s\nnot the original\n%s", now, original)
	}

	// A change made with virsh shows up as changed outside.
	virshDefine(t, withPort(t, original, 5000, 5999))
	browse(t, ctx, "look at the history",
		chromedp.Navigate(srv.URL+"/filters"),
		chromedp.WaitVisible(css(`[data-testid="filter-list"]`)),
		chromedp.Navigate(srv.URL+"/audit?target="+name),
		chromedp.WaitVisible(css(`[data-testid="audit-list"]`)),
	)
	first := read(t, ctx, "read the newest entry", chromedp.Text(css(`[data-testid="audit-row"]`)))
	if !strings.Contains(first, "changed outside") || !strings.Contains(first, "filter.changed-outside") {
		t.Fatalf("newest entry: %q", first)
	}
	browse(t, ctx, "open it",
		chromedp.Click(css(`[data-testid="audit-row"] [data-testid="audit-open"]`)),
		chromedp.WaitVisible(css(`[data-testid="diff-add"]`)),
	)
	if add := read(t, ctx, "read its diff", chromedp.Text(css(`[data-testid="diff-add"]`))); !strings.Contains(add, "5999") {
		t.Errorf("outside change's diff: %q", add)
	}
	// The chain holds, and the page says so.
	<-s.startVerify()
	browse(t, ctx, "see the chain's status",
		chromedp.Navigate(srv.URL+"/audit"),
		chromedp.WaitVisible(css(`[data-testid="chain-status"][data-state="ok"]`)),
	)
	saveScreenshot(t, ctx, "audit-history")
}
