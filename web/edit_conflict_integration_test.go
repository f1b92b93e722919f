package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// TestConcurrentEditors: two people edit one filter on the real libvirtd. The second to save
// is refused with what the first changed, and saves knowingly on a second try; no update is
// lost without the person who overwrites it having seen it.
func TestConcurrentEditors(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := context.Background()
	filter := libvirtxtest.UniqueName("test-edit")
	libvirtxtest.DefineTestFilter(t, conn, filter, "<rule action='drop' direction='out'><tcp dstportstart='22'/></rule>")
	if _, err := st.CreateUser(ctx, "alice", store.RoleAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateUser(ctx, "bob", store.RoleAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	alice, bob := loginUser(t, s, "alice"), loginUser(t, s, "bob")

	open := func(who *testSession) (xml, digest, base string) {
		t.Helper()
		rec := who.do(t, s, "GET", "/filters/"+filter+"/edit", "")
		d := doc(t, rec)
		digest, _ = d.Find(`input[name="digest"]`).Attr("value")
		base = d.Find(`textarea[name="base"]`).Text()
		if rec.Code != 200 || digest == "" || base == "" {
			t.Fatalf("editor: %d digest %q", rec.Code, digest)
		}
		return d.Find(`[data-testid="xml-input"]`).Text(), digest, base
	}
	save := func(who *testSession, xml, digest, base string) *httpResult {
		t.Helper()
		rec := who.do(t, s, "POST", "/filters/"+filter, form("xml", xml, "digest", digest, "base", base))
		return &httpResult{rec.Code, rec.Body.String()}
	}
	aXML, aDigest, aBase := open(alice)
	bXML, bDigest, bBase := open(bob)
	if aDigest != bDigest {
		t.Fatalf("two editors of one version got digests %s and %s", aDigest, bDigest)
	}
	if r := save(bob, strings.Replace(bXML, "'22'", "'23'", 1), bDigest, bBase); r.code != http.StatusSeeOther {
		t.Fatalf("bob's save: %d %s", r.code, r.body)
	}
	mine := strings.Replace(aXML, "'22'", "'24'", 1)
	r := save(alice, mine, aDigest, aBase)
	if r.code != http.StatusConflict {
		t.Fatalf("alice's save over bob's change: %d, want 409", r.code)
	}
	d := docString(t, r.body)
	diff := d.Find(`[data-testid="edit-conflict"]`).Text()
	if !strings.Contains(diff, "- ") || !strings.Contains(diff, "'22'") || !strings.Contains(diff, "+ ") || !strings.Contains(diff, "'23'") {
		t.Errorf("the conflict does not show bob's change:\n%s", diff)
	}
	if got := d.Find(`[data-testid="xml-input"]`).Text(); !strings.Contains(got, "'24'") {
		t.Errorf("alice's text was not kept: %s", got)
	}
	if now, _ := conn.FilterXML(ctx, filter); !strings.Contains(now, "'23'") {
		t.Fatalf("bob's change was lost: %s", now)
	}
	// Having seen it, alice saves again from the conflict page: that replaces bob's version.
	digest, _ := d.Find(`input[name="digest"]`).Attr("value")
	if r := save(alice, mine, digest, d.Find(`textarea[name="base"]`).Text()); r.code != http.StatusSeeOther {
		t.Fatalf("alice's second save: %d %s", r.code, r.body)
	}
	if now, _ := conn.FilterXML(ctx, filter); !strings.Contains(now, "'24'") {
		t.Errorf("alice's deliberate save did not land: %s", now)
	}
	var actors []string
	for _, e := range auditRows(t, st) {
		actors = append([]string{e.Actor + " " + e.Result}, actors...)
	}
	if strings.Join(actors, ",") != "bob ok,alice ok" {
		t.Errorf("history %v, want bob's and alice's saves only", actors)
	}

	// The API: GET hands out the ETag, PUT with If-Match honours it.
	get := func() (string, string) {
		rec := do(t, s, "GET", "/api/v1/filters/"+filter+"?format=xml", "")
		return rec.Body.String(), rec.Header().Get("ETag")
	}
	xml, tag := get()
	if tag == "" {
		t.Fatal("GET has no ETag")
	}
	put := func(body, ifMatch string) *httpResult {
		rec := do(t, s, "PUT", "/api/v1/filters/"+filter, body, "If-Match", ifMatch)
		return &httpResult{rec.Code, rec.Body.String()}
	}
	// Two scripts save over the same version at once: exactly one wins.
	var wg sync.WaitGroup
	results := make([]*httpResult, 2)
	for i, port := range []string{"'25'", "'26'"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = put(strings.Replace(xml, "'24'", port, 1), tag)
		}()
	}
	wg.Wait()
	won, lost := 0, 0
	for _, r := range results {
		switch r.code {
		case http.StatusOK:
			won++
		case http.StatusPreconditionFailed:
			lost++
			var c apiConflict
			if err := json.Unmarshal([]byte(r.body), &c); err != nil || c.Field != "version" || c.ETag == "" ||
				!strings.Contains(c.Diff, "- ") || !strings.Contains(c.Diff, "'24'") {
				t.Errorf("412 body: %s", r.body)
			}
		default:
			t.Errorf("concurrent PUT: %d %s", r.code, r.body)
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("%d won and %d lost, want one of each", won, lost)
	}
	now, newTag := get()
	if newTag == tag || !(strings.Contains(now, "'25'") || strings.Contains(now, "'26'")) {
		t.Errorf("after the race: %s %s", newTag, now)
	}
	if r := put(now, newTag); r.code != http.StatusOK {
		t.Errorf("PUT with the current ETag: %d %s", r.code, r.body)
	}
}

type httpResult struct {
	code int
	body string
}

func docString(t *testing.T, html string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
