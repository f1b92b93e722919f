package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAuditBadResult: an unknown result filter is the caller's mistake, named by field, on the
// page, in the API and in the export; nothing else is shown.
func TestAuditBadResult(t *testing.T) {
	s, _, _ := newTestServer(t)
	rec := do(t, s, "GET", "/audit?result=bogus", "")
	if msg := doc(t, rec).Find(`[data-testid="error"]`).Text(); rec.Code != http.StatusBadRequest || !strings.HasPrefix(msg, "result ") || !strings.Contains(msg, `"bogus"`) {
		t.Errorf("page: %d %q", rec.Code, msg)
	}
	for _, target := range []string{"/api/v1/audit?result=bogus", "/api/v1/audit/export?result=bogus"} {
		rec = do(t, s, "GET", target, "")
		var e apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || rec.Code != http.StatusBadRequest || e.Field != "result" {
			t.Errorf("%s: %d %s", target, rec.Code, rec.Body)
		}
	}
	if rec := do(t, s, "GET", "/audit/export?result=bogus", ""); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "result must be") {
		t.Errorf("export: %d", rec.Code)
	}
}
