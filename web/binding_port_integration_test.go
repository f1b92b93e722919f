package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

// TestBindingOnMissingDeviceLive: against the real libvirtd and this host's /sys/class/net, a
// binding on a tap that exists is created without a word, one on a device that does not exist
// is created with a warning.
func TestBindingOnMissingDeviceLive(t *testing.T) {
	s, conn, _ := liveServer(t)
	if !conn.Local() {
		t.Skip("the libvirt connection is not to this host")
	}
	filter := libvirtxtest.UniqueName("test-portwarn")
	libvirtxtest.DefineTestFilter(t, conn, filter, liveFilterBody(4100))
	tap := libvirtxtest.TapDevice(t)
	missing := "nwm" + strings.TrimPrefix(tap, "nwt") // same fresh suffix, no such device
	for _, dev := range []string{tap, missing} {
		t.Cleanup(func() {
			if err := conn.DeleteBinding(context.Background(), dev); err != nil && !strings.Contains(err.Error(), "not found") {
				t.Errorf("cleanup: delete binding %s: %v", dev, err)
			}
		})
	}
	for _, tt := range []struct {
		dev  string
		warn bool
	}{{tap, false}, {missing, true}} {
		rec := do(t, s, "POST", "/bindings", form("portdev", tt.dev, "mac", libvirtxtest.RandomMAC(), "filter", filter))
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("create on %s: %d %s", tt.dev, rec.Code, rec.Body)
		}
		u, _ := url.Parse(rec.Header().Get("Location"))
		if warn := u.Query().Get("warn"); (warn != "") != tt.warn || (tt.warn && !strings.Contains(warn, "/sys/class/net/"+tt.dev)) {
			t.Errorf("%s: warning %q, want one: %v", tt.dev, warn, tt.warn)
		}
		if _, err := conn.BindingXML(context.Background(), tt.dev); err != nil {
			t.Errorf("%s: not created: %v", tt.dev, err)
		}
	}
}
