package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// TestRollbackBindingLive deletes a binding through the API and restores it from the history:
// re-created with its owner, MAC and filterref; then undoes its creation.
func TestRollbackBindingLive(t *testing.T) {
	s, conn, st := liveServer(t)
	ctx := context.Background()
	filter := libvirtxtest.UniqueName("test-bindrb")
	libvirtxtest.DefineTestFilter(t, conn, filter, liveFilterBody(4000))
	dev := libvirtxtest.TapDevice(t)
	mac := libvirtxtest.RandomMAC()
	t.Cleanup(func() {
		if err := conn.DeleteBinding(context.Background(), dev); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("cleanup: delete binding %s: %v", dev, err)
		}
	})
	body := fmt.Sprintf(`{"portdev":%q,"mac":%q,"filter":%q,"parameters":[{"name":"IP","value":"10.9.8.7"}]}`, dev, mac, filter)
	if rec := do(t, s, "POST", "/api/v1/bindings", body); rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	created, _ := conn.BindingXML(ctx, dev)
	if rec := do(t, s, "DELETE", "/api/v1/bindings/"+dev, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	es, _ := st.Timeline(ctx, store.AuditQuery{Target: dev})
	if len(es) != 2 || es[0].Action != actBindingDelete {
		t.Fatalf("history: %+v", es)
	}
	rec := do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[0].ID), "")
	if rec.Code != http.StatusOK {
		t.Fatalf("restore the deleted binding: %d %s", rec.Code, rec.Body)
	}
	now, err := conn.BindingXML(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	// The same binding: owner, MAC and filterref (libvirt's own MAC parameter included).
	if now != created {
		t.Fatalf("re-created as\n%s\nwant\n%s", now, created)
	}
	// Undo the creation: the binding goes.
	rec = do(t, s, "POST", fmt.Sprintf("/api/v1/audit/%d/rollback", es[1].ID), `{"to":"before","expect_digest":"`+xmlDigest(now)+`"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("undo the creation: %d %s", rec.Code, rec.Body)
	}
	if _, err := conn.BindingXML(ctx, dev); err == nil {
		t.Error("the binding is still there")
	}
}
