package nwfilter

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestDifferential instantiates every case under testdata/differential on a real libvirtd and
// compares what libvirt puts on the host with Predict. A case is a directory: main.xml is the
// filter bound to the port, any other NAME.xml is a filter it may refer to as NAME, and params
// holds the binding's parameters (NAME=VALUE a line). The filters are defined under unique
// names, the binding is made on a fresh tap device, and the three tables are compared cut down
// to that device (other tests may have ports on the host). Where libvirt refuses, Predict must
// refuse with the same message; only cases named refuse-* may be refused.
//
// It needs root and a local libvirtd (qemu:///system). Without them it is skipped, unless
// NWFILTER_WEB_REQUIRE_LIBVIRT=1 or CI=true, where it fails.
func TestDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test talks to libvirtd; skipped with -short")
	}
	requireLibvirt(t)
	cases, err := filepath.Glob("testdata/differential/*/main.xml")
	if err != nil || len(cases) == 0 {
		t.Fatal("no differential cases found")
	}
	sort.Strings(cases)
	passed := 0
	for _, c := range cases {
		dir := filepath.Dir(c)
		if t.Run(filepath.Base(dir), func(t *testing.T) { runDifferentialCase(t, dir) }) {
			passed++
		}
	}
	t.Logf("differential: %d/%d cases match libvirtd", passed, len(cases))
}

const testURI = "qemu:///system"

func requireLibvirt(t *testing.T) {
	t.Helper()
	required := os.Getenv("NWFILTER_WEB_REQUIRE_LIBVIRT") == "1" || os.Getenv("CI") == "true"
	problem := ""
	switch {
	case os.Geteuid() != 0:
		problem = "not running as root (tap devices and iptables-save need it)"
	default:
		for _, tool := range []string{"virsh", "ip", "iptables-save", "ip6tables-save", "ebtables-save"} {
			if _, err := exec.LookPath(tool); err != nil {
				problem = tool + " not found"
				break
			}
		}
		if problem == "" {
			if out, err := exec.Command("virsh", "-c", testURI, "nwfilter-list").CombinedOutput(); err != nil {
				problem = fmt.Sprintf("libvirtd unreachable at %s: %v: %s", testURI, err, bytes.TrimSpace(out))
			}
		}
	}
	if problem == "" {
		return
	}
	if required {
		t.Fatal("libvirt required (NWFILTER_WEB_REQUIRE_LIBVIRT=1 or CI=true) but " + problem)
	}
	t.Skip("skipping: " + problem)
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// toolTimeout bounds every command the differential test runs: libvirt takes about 17 s to
// instantiate a 1,000-rule filter, so a minute means it hangs, and the test says which.
const toolTimeout = time.Minute

func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return out.String(), fmt.Errorf("%s %s: no answer in %v", name, strings.Join(args, " "), toolTimeout)
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// virshError runs virsh and returns libvirt's message ("error: " lines but the first).
func virsh(args ...string) (msg string, failed bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "virsh", append([]string{"-c", testURI}, args...)...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	_, e := cmd.Output()
	if ctx.Err() != nil {
		return "", false, fmt.Errorf("virsh %s: no answer in %v", strings.Join(args, " "), toolTimeout)
	}
	if e != nil {
		if _, ok := e.(*exec.ExitError); !ok {
			return "", false, e
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
			lines = append(lines, strings.TrimPrefix(l, "error: "))
		}
		if len(lines) > 1 {
			lines = lines[1:]
		}
		return strings.Join(lines, "\n"), true, nil
	}
	return "", false, nil
}

// cleanupVirsh undoes what a case made on the host; a failure fails the test loudly, since it
// leaves something behind on the host.
func cleanupVirsh(t *testing.T, args ...string) {
	msg, failed, err := virsh(args...)
	if err == nil && failed {
		err = errors.New(msg)
	}
	if err != nil {
		t.Errorf("cleanup: virsh %s: %v (left on the host: remove it by hand)", strings.Join(args, " "), err)
	}
}

var filterNameRE = regexp.MustCompile(`(<filter\s[^>]*name=['"])([^'"]+)(['"])`)
var filterRefRE = regexp.MustCompile(`(<filterref\s[^>]*filter=['"])([^'"]+)(['"])`)

func runDifferentialCase(t *testing.T, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	prefix := "nwg-" + randHex(3) + "-"
	local := map[string]string{} // local name -> XML with unique names
	for _, f := range files {
		local[strings.TrimSuffix(filepath.Base(f), ".xml")] = ""
	}
	rename := func(x string) string {
		x = filterNameRE.ReplaceAllStringFunc(x, func(m string) string {
			s := filterNameRE.FindStringSubmatch(m)
			return s[1] + prefix + s[2] + s[3]
		})
		return filterRefRE.ReplaceAllStringFunc(x, func(m string) string {
			s := filterRefRE.FindStringSubmatch(m)
			if _, ok := local[s[2]]; ok {
				return s[1] + prefix + s[2] + s[3]
			}
			return m
		})
	}
	sets := ipsets(t, dir, prefix)
	for name := range local {
		b, err := os.ReadFile(filepath.Join(dir, name+".xml"))
		if err != nil {
			t.Fatal(err)
		}
		x := rename(string(b))
		for set, unique := range sets {
			x = strings.ReplaceAll(x, "'"+set+"'", "'"+unique+"'")
		}
		local[name] = x
	}
	params := readParams(t, filepath.Join(dir, "params"))
	for i := range params {
		if unique, ok := sets[params[i].Value]; ok {
			params[i].Value = unique
		}
	}
	dev := "nwg" + randHex(4)
	mac := "52:54:00:" + randHex(1) + ":" + randHex(1) + ":" + randHex(1)
	port := Port{Dev: dev, MAC: mac, Params: params}

	resolver := Chain(ResolverFunc(func(name string) (string, error) {
		if x, ok := local[strings.TrimPrefix(name, prefix)]; ok && strings.HasPrefix(name, prefix) {
			return x, nil
		}
		return "", ErrFilterNotFound
	}), Shipped)
	want, predErr := Predict(local["main"], resolver, port)

	tmp := t.TempDir()
	// Define the filters: the referenced ones first, so that a refused main filter is
	// refused for its own reasons.
	var names []string
	for n := range local {
		if n != "main" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	names = append(names, "main")
	for _, n := range names {
		path := filepath.Join(tmp, n+".xml")
		if err := os.WriteFile(path, []byte(local[n]), 0o644); err != nil {
			t.Fatal(err)
		}
		msg, failed, err := virsh("nwfilter-define", path)
		if err != nil {
			t.Fatal(err)
		}
		if failed {
			checkRefusal(t, "define "+n, msg, predErr)
			return
		}
		full := prefix + n
		t.Cleanup(func() { cleanupVirsh(t, "nwfilter-undefine", full) })
	}

	if _, err := run("ip", "tuntap", "add", "dev", dev, "mode", "tap"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := run("ip", "link", "del", dev); err != nil {
			t.Errorf("cleanup: %v (remove the tap device by hand)", err)
		}
	})
	if _, err := run("ip", "link", "set", dev, "up"); err != nil {
		t.Fatal(err)
	}
	var pb strings.Builder
	for _, p := range params {
		fmt.Fprintf(&pb, "<parameter name='%s' value='%s'/>", p.Name, p.Value)
	}
	binding := fmt.Sprintf(`<filterbinding><owner><name>nwfilter-web-test</name><uuid>%s</uuid></owner>`+
		`<portdev name='%s'/><mac address='%s'/><filterref filter='%smain'>%s</filterref></filterbinding>`,
		uuidString(), dev, mac, prefix, pb.String())
	bpath := filepath.Join(tmp, "binding.xml")
	if err := os.WriteFile(bpath, []byte(binding), 0o644); err != nil {
		t.Fatal(err)
	}
	msg, failed, err := virsh("nwfilter-binding-create", bpath)
	if err != nil {
		t.Fatal(err)
	}
	if failed {
		checkRefusal(t, "binding-create", msg, predErr)
		return
	}
	// registered after the tap device's cleanup, so it runs before it
	t.Cleanup(func() { cleanupVirsh(t, "nwfilter-binding-delete", dev) })
	if predErr != nil {
		t.Fatalf("libvirt instantiated the filter; Predict refused: %v", predErr)
	}
	if strings.HasPrefix(filepath.Base(dir), "refuse-") {
		t.Errorf("libvirt instantiated a refuse-* case")
	}
	got, err := readPortTables(dev)
	if err != nil {
		t.Fatal(err)
	}
	if want.Learning {
		// libvirt applies its learning rules from a thread it starts for the port: wait
		// until they are there and stay.
		got, err = settledPortTables(dev, got)
		if err != nil {
			t.Fatal(err)
		}
	}
	pred := want.PortTables(dev)
	aligned := pred.Align(got)
	for _, tool := range TableNames {
		if g, p := got.Table(tool), aligned.Table(tool); g != p {
			t.Errorf("%s-save for %s differs (- libvirt, + predicted):\n%s", tool, dev, lineDiff(g, p))
		}
	}
	if aligned.EBTables != pred.EBTables {
		t.Logf("%d run(s) of lines in an order libvirtd leaves to its hash seed: compared in its order", len(pred.Ties))
	}
}

// readPortTables runs the three save tools and cuts their output down to port dev.
func readPortTables(dev string) (Tables, error) {
	var t Tables
	for _, tool := range TableNames {
		var a []string
		if tool != "ebtables" {
			a = []string{"-t", "filter"}
		}
		out, err := run(tool+"-save", a...)
		if err != nil {
			return t, err
		}
		t.setTable(tool, PortTables(stripComments(out), dev))
	}
	return t, nil
}

// settledPortTables polls the port's tables until they have something and are the same twice
// in a row, for up to five seconds.
func settledPortTables(dev string, last Tables) (Tables, error) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(150 * time.Millisecond)
		cur, err := readPortTables(dev)
		if err != nil {
			return cur, err
		}
		if cur.Equal(last) && cur.EBTables != "" {
			return cur, nil
		}
		last = cur
	}
	return last, nil
}

// ipsets creates the (empty, hash:ip) sets a case's ipsets file lists, one a line as NAME
// [FAMILY] (inet, the default, or inet6), under unique names, and returns how to rename them in the case's XML and parameters. The sets are
// destroyed in t.Cleanup, after the binding that uses them is gone.
func ipsets(t *testing.T, dir, prefix string) map[string]string {
	sets := map[string]string{}
	b, err := os.ReadFile(filepath.Join(dir, "ipsets"))
	if os.IsNotExist(err) {
		return sets
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("ipset"); err != nil {
		t.Fatal("case needs the ipset tool (scripts/install-test-deps.sh installs it)")
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		name, args := f[0], []string{"hash:ip"}
		if len(f) > 1 {
			args = append(args, "family", f[1])
		}
		// "-" is not allowed in a parameter value: libvirt would drop the parameter
		unique := strings.ReplaceAll(prefix, "-", "_") + name
		if _, err := run("ipset", append([]string{"create", unique}, args...)...); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := run("ipset", "destroy", unique); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		})
		sets[name] = unique
	}
	return sets
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "#") {
			b.WriteString(l)
		}
	}
	return b.String()
}

func uuidString() string {
	h := randHex(16)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:]
}

// checkRefusal compares libvirt's refusal with Predict's. Messages from the firewall tools
// carry command lines and paths Predict only approximates, so for those only the refusal counts;
// the names in a refusal of unresolvable variables come in libvirtd's hash order, so they are
// compared as a set (RefusalError.Matches).
func checkRefusal(t *testing.T, what, libvirtMsg string, predErr error) {
	t.Helper()
	if predErr == nil {
		t.Fatalf("libvirt refused (%s): %s; Predict did not", what, libvirtMsg)
	}
	// A case that libvirt refuses tests only the refusal: only the refuse-* cases may.
	if name := t.Name(); !strings.HasPrefix(name[strings.LastIndex(name, "/")+1:], "refuse-") {
		t.Errorf("libvirt refused a case not named refuse-* (%s): %s", what, libvirtMsg)
	}
	t.Logf("both refuse (%s): %s", what, libvirtMsg)
	got := predErr.Error()
	if strings.HasPrefix(got, "internal error: Failed to apply firewall rules") && strings.Contains(libvirtMsg, "Failed to apply firewall rules") {
		return
	}
	var re *RefusalError
	if !errors.As(predErr, &re) || !re.Matches(libvirtMsg) {
		t.Errorf("refusal (%s) differs:\nlibvirt: %s\npredict: %s", what, libvirtMsg, got)
	}
}
