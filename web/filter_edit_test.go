package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestEditorRefusalHeading: the heading above a refused save says where it stopped, and the
// message of an unreachable libvirtd says so once.
func TestEditorRefusalHeading(t *testing.T) {
	for _, tt := range []struct {
		name, xml   string
		down        bool
		status      int
		heading     string
		msgContains string
	}{
		{"our check", "", false, http.StatusBadRequest, "Not sent to libvirt", "empty"},
		{"our name check", strings.Replace(seedXML, "test-filter", "a/b", 1), false, http.StatusBadRequest, "Not sent to libvirt", "'/'"},
		{"libvirt's refusal", strings.Replace(seedXML, "drop", "explode", 1), false, http.StatusBadRequest, "libvirt refused it", "unknown rule action"},
		{"libvirtd down", seedXML, true, http.StatusServiceUnavailable, "No answer from libvirt", "cannot connect to the libvirt daemon"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, fake, _ := newTestServer(t)
			fake.down = tt.down
			rec := do(t, s, "POST", "/filters", form("xml", tt.xml))
			d := doc(t, rec)
			heading := d.Find(`[data-testid="error-heading"]`).Text()
			msg := d.Find(`[data-testid="error"]`).Text()
			if rec.Code != tt.status || !strings.HasPrefix(heading, tt.heading) || !strings.Contains(msg, tt.msgContains) {
				t.Errorf("%d, heading %q, message %q; want %d, %q, %q", rec.Code, heading, msg, tt.status, tt.heading, tt.msgContains)
			}
			if n := strings.Count(msg, "unreachable"); n > 1 {
				t.Errorf("the message says unreachable %d times: %q", n, msg)
			}
		})
	}
}
