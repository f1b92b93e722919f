// Package libvirtxtest helps integration tests talk to the real libvirtd on this machine:
// it connects (failing loudly where libvirt is required), makes unique names, tap devices,
// filters and small diskless domains, and removes every one of them in t.Cleanup so that the
// host is left as it was found.
package libvirtxtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
)

// EnvRequire, when "1" (as `make test` sets it), turns an unreachable libvirtd into a test
// failure instead of a skip; CI=true does the same.
const EnvRequire = "NWFILTER_WEB_REQUIRE_LIBVIRT"

// EnvURI overrides the URI tests connect to (default qemu:///system).
const EnvURI = "NWFILTER_WEB_TEST_URI"

// cleanupTimeout is how long a cleanup keeps trying while the daemon is away (a test may
// have restarted it).
const cleanupTimeout = 30 * time.Second

// URI is the libvirt URI integration tests use.
func URI() string {
	if u := os.Getenv(EnvURI); u != "" {
		return u
	}
	return "qemu:///system"
}

// Required reports whether an unreachable libvirtd must fail the tests rather than skip them.
func Required() bool {
	return os.Getenv(EnvRequire) == "1" || os.Getenv("CI") == "true"
}

// Require connects to the test libvirtd, closed in t.Cleanup. Under -short it skips; when
// the daemon does not answer it fails the test if Required, else skips it with the reason.
func Require(t testing.TB) *libvirtx.Conn {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs libvirtd (skipped under -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := libvirtx.Dial(ctx, URI())
	if err != nil {
		if Required() {
			t.Fatalf("libvirtd is required (%s=1 or CI=true) but %s does not answer: %v (start it with scripts/ensure-libvirtd.sh)", EnvRequire, URI(), err)
		}
		t.Skipf("libvirtd not reachable at %s: %v (set %s=1 to make this a failure)", URI(), err, EnvRequire)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

var seq atomic.Uint64

// UniqueName returns prefix-<pid>-<n>-<random>, unique across concurrent test processes and
// valid as a filter or domain name.
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d-%s", prefix, os.Getpid(), seq.Add(1), randomHex(3))
}

// RandomMAC returns a random MAC in the 52:54:00 (qemu) range.
func RandomMAC() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("52:54:00:%02x:%02x:%02x", b[0], b[1], b[2])
}

// TapDevice creates an up tap device with a fresh name (at most 15 characters, the kernel's
// limit) and deletes it in t.Cleanup. It needs root.
func TapDevice(t testing.TB) string {
	t.Helper()
	name := "nwt" + randomHex(5)
	if out, err := exec.Command("ip", "tuntap", "add", "dev", name, "mode", "tap").CombinedOutput(); err != nil {
		t.Fatalf("ip tuntap add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "link", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip link del %s: %v: %s", name, err, out)
		}
	})
	if out, err := exec.Command("ip", "link", "set", name, "up").CombinedOutput(); err != nil {
		t.Fatalf("ip link set %s up: %v: %s", name, err, out)
	}
	return name
}

// DefineTestFilter defines <filter name=NAME chain='root'>BODY</filter> and undefines it in
// t.Cleanup (after the domains and bindings made later, since cleanups run last-in first-out).
func DefineTestFilter(t testing.TB, conn *libvirtx.Conn, name, body string) {
	t.Helper()
	xml := fmt.Sprintf("<filter name='%s' chain='root'>%s</filter>", name, body)
	t.Cleanup(func() {
		err := retry(func(ctx context.Context) error { return conn.UndefineFilter(ctx, name) })
		if err != nil && !errors.Is(err, libvirtx.ErrNoFilter) {
			t.Errorf("cleanup: undefine filter %s: %v", name, err)
		}
	})
	if _, err := conn.DefineFilter(context.Background(), xml); err != nil {
		t.Fatalf("define filter %s: %v", name, err)
	}
}

// EthernetNIC is an <interface type='ethernet'> with the MAC and, when ref is set, a filterref:
// libvirt makes the tap device itself, so no bridge or network is needed.
func EthernetNIC(mac string, ref *libvirtx.FilterRef) string {
	nic := libvirtxml.DomainInterface{
		MAC:    &libvirtxml.DomainInterfaceMAC{Address: mac},
		Source: &libvirtxml.DomainInterfaceSource{Ethernet: &libvirtxml.DomainInterfaceSourceEthernet{}},
		Model:  &libvirtxml.DomainInterfaceModel{Type: "virtio"},
		// No option ROM: nothing needs to boot, and the ROM file may not be installed.
		ROM: &libvirtxml.DomainROM{Enabled: "no"},
	}
	if ref != nil {
		nic.FilterRef = &libvirtxml.DomainInterfaceFilterRef{Filter: ref.Filter}
		for _, p := range ref.Parameters {
			nic.FilterRef.Parameters = append(nic.FilterRef.Parameters,
				libvirtxml.DomainInterfaceFilterParam{Name: p.Name, Value: p.Value})
		}
	}
	x, err := nic.Marshal()
	if err != nil {
		panic(err) // a fixed structure: cannot fail
	}
	return x
}

// DefineTestDomain defines a diskless 64 MiB qemu (TCG) domain with the given <interface>
// XML (EthernetNIC builds one), starts it and returns it as libvirtx lists it (the NIC's
// TargetDev is its tap device). t.Cleanup destroys and undefines it.
func DefineTestDomain(t testing.TB, conn *libvirtx.Conn, name, ifaceXML string) libvirtx.Domain {
	t.Helper()
	DefineStoppedDomain(t, conn, name, ifaceXML)
	if err := conn.StartDomain(context.Background(), name); err != nil {
		t.Fatalf("start domain %s: %v", name, err)
	}
	dom, err := conn.Domain(context.Background(), name)
	if err != nil {
		t.Fatalf("read domain %s: %v", name, err)
	}
	return dom
}

// DefineStoppedDomain is DefineTestDomain without the start.
func DefineStoppedDomain(t testing.TB, conn *libvirtx.Conn, name, ifaceXML string) {
	t.Helper()
	xml := fmt.Sprintf(`<domain type='qemu'>
  <name>%s</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_reboot>destroy</on_reboot>
  <devices>
    %s
  </devices>
</domain>`, name, ifaceXML)
	ctx := context.Background()
	// The cleanup comes first: a define that times out on our side may still succeed.
	t.Cleanup(func() {
		err := retry(func(ctx context.Context) error {
			return conn.Call(ctx, func(l *libvirt.Libvirt) error {
				d, err := l.DomainLookupByName(name)
				if err != nil {
					return err
				}
				if err := l.DomainDestroy(d); err != nil {
					var le libvirt.Error
					// "domain is not running" is fine: it was never started or already stopped.
					if !errors.As(err, &le) || libvirt.ErrorNumber(le.Code) != libvirt.ErrOperationInvalid {
						return err
					}
				}
				return l.DomainUndefineFlags(d, 0)
			})
		})
		if err != nil && !errors.Is(err, libvirtx.ErrNoDomain) {
			t.Errorf("cleanup: remove domain %s: %v", name, err)
		}
	})
	err := conn.Call(ctx, func(l *libvirt.Libvirt) error {
		_, err := l.DomainDefineXML(xml)
		return err
	})
	if err != nil {
		t.Fatalf("define domain %s: %v", name, err)
	}
}

// CreateTestBinding creates a binding and deletes it in t.Cleanup.
func CreateTestBinding(t testing.TB, conn *libvirtx.Conn, b libvirtx.Binding) string {
	t.Helper()
	x, err := conn.CreateBinding(context.Background(), b)
	if err != nil {
		t.Fatalf("create binding on %s: %v", b.PortDev, err)
	}
	t.Cleanup(func() {
		err := retry(func(ctx context.Context) error { return conn.DeleteBinding(ctx, b.PortDev) })
		if err != nil && !errors.Is(err, libvirtx.ErrNoBinding) {
			t.Errorf("cleanup: delete binding %s: %v", b.PortDev, err)
		}
	})
	return x
}

// HostTables reads the host's tables, failing the test when they cannot be read.
func HostTables(t testing.TB) libvirtx.HostTables {
	t.Helper()
	ht, err := libvirtx.ReadHostTables(context.Background())
	if err != nil {
		t.Fatalf("read host tables: %v", err)
	}
	return ht
}

// ChainRules returns the iptables-save lines that append to chain (e.g. "FI-vnet3").
func ChainRules(iptablesSave, chain string) []string {
	var out []string
	for _, line := range strings.Split(iptablesSave, "\n") {
		if strings.HasPrefix(line, "-A "+chain+" ") {
			out = append(out, line)
		}
	}
	return out
}

// retry runs fn until it succeeds or fails with something other than ErrUnreachable, for up
// to cleanupTimeout: a test may have restarted the daemon just before its cleanups run.
func retry(fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(cleanupTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err := fn(ctx)
		cancel()
		if !errors.Is(err, libvirtx.ErrUnreachable) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
