package web

import (
	"testing"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// Pages offer only the actions the user's role allows (the server refuses the rest anyway),
// and say which role the others need.
func TestPagesOfferWhatTheRoleAllows(t *testing.T) {
	s, fake, _ := newTestServer(t)
	fake.filters["test-filter"] = seedXML
	fake.domains[0].Interfaces[0].FilterRef = &refT{Filter: "test-filter"}
	fake.bindings["vnet9"] = fakeBinding("vnet9", "allow-dhcp")
	type want struct {
		page, sel string
		least     string // the least role that sees sel
	}
	for _, w := range []want{
		{"/filters/test-filter", `[data-testid="delete-filter"]`, store.RoleAdmin},
		{"/filters/test-filter/edit", `[data-testid="define"]`, store.RoleAdmin},
		{"/filters/new", `[data-testid="define"]`, store.RoleAdmin},
		{"/composer", `[data-testid="composer-define"]`, store.RoleAdmin},
		{"/domains", `[data-testid="nic-attach"]`, store.RoleOperator},
		{"/domains", `[data-testid="nic-detach"]`, store.RoleOperator},
		{"/bindings", `[data-testid="binding-delete"]`, store.RoleOperator},
		{"/bindings", `[data-testid="binding-create"]`, store.RoleOperator},
		{"/users", `[data-testid="user-list"]`, store.RoleAdmin},
	} {
		for _, role := range []string{store.RoleViewer, store.RoleOperator, store.RoleAdmin} {
			rec := do(t, s, "GET", w.page, "", "As", role)
			if store.RoleRank(role) < store.RoleRank(w.least) {
				if n := doc(t, rec).Find(w.sel).Length(); n != 0 {
					t.Errorf("%s as %s offers %s", w.page, role, w.sel)
				}
				if w.page != "/users" && doc(t, rec).Find(`[data-testid="needs-role"]`).Length() == 0 {
					t.Errorf("%s as %s does not say which role %s needs", w.page, role, w.sel)
				}
				continue
			}
			if n := doc(t, rec).Find(w.sel).Length(); n == 0 {
				t.Errorf("%s as %s: no %s (%d)", w.page, role, w.sel, rec.Code)
			}
		}
	}
	// Verifying the audit chain changes nothing: a viewer may.
	if rec := do(t, s, "POST", "/audit/verify", "", "As", store.RoleViewer); rec.Code >= 400 {
		t.Errorf("a viewer's verify: %d %s", rec.Code, rec.Body)
	}
}
