package nwfilter

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const conformanceDir = "../../shared/conformance"

// readParams reads a NAME.params file: one NAME=VALUE a line.
func readParams(t *testing.T, path string) []Param {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var ps []Param
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n, v, _ := strings.Cut(line, "=")
		ps = append(ps, Param{Name: n, Value: v})
	}
	return ps
}

// lineDiff is a small unified-style diff, enough to see what differs.
func lineDiff(want, got string) string {
	a := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	b := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	// longest common subsequence
	n, m := len(a), len(b)
	l := make([][]int, n+1)
	for i := range l {
		l[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				l[i][j] = l[i+1][j+1] + 1
			} else {
				l[i][j] = max(l[i+1][j], l[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			sb.WriteString("  " + a[i] + "\n")
			i++
			j++
		case j < m && (i == n || l[i][j+1] >= l[i+1][j]):
			sb.WriteString("+ " + b[j] + "\n")
			j++
		default:
			sb.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return sb.String()
}

func TestConformance(t *testing.T) {
	if _, err := os.Stat(conformanceDir); err != nil {
		t.Skip("conformance set not present:", err)
	}
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.xml"))
	sort.Strings(files)
	res := Chain(DirResolver{Dir: conformanceDir}, DirResolver{Dir: filepath.Join(conformanceDir, "shipped")})
	total, matched := 0, 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		total++
		ok := t.Run(name, func(t *testing.T) {
			x, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			base := filepath.Join(conformanceDir, name)
			port := Port{Dev: "vnet0", MAC: "52:54:00:00:00:01", Params: readParams(t, base+".params")}
			if wantErr, err := os.ReadFile(base + ".error"); err == nil {
				_, perr := Predict(string(x), res, port)
				if perr == nil {
					t.Fatalf("libvirt refused with %q; Predict did not", strings.TrimSpace(string(wantErr)))
				}
				if !strings.Contains(string(wantErr), perr.Error()) {
					t.Errorf("refusal = %q, libvirt said %q", perr.Error(), strings.TrimSpace(string(wantErr)))
				}
				return
			}
			want := map[string]string{}
			for _, tbl := range []string{"iptables", "ip6tables", "ebtables"} {
				b, err := os.ReadFile(base + "." + tbl)
				if err != nil {
					t.Fatal(err)
				}
				want[tbl] = string(b)
			}
			// The shared chains are there when earlier ports made them: that is the host's
			// history, which the capture tells and the filter cannot.
			port.Existing = SharedChains{
				IPv4: strings.Contains(want["iptables"], "\n:libvirt-in "),
				IPv6: strings.Contains(want["ip6tables"], "\n:libvirt-in "),
			}
			got, err := Predict(string(x), res, port)
			if err != nil {
				t.Fatalf("Predict: %v", err)
			}
			for tbl, g := range map[string]string{"iptables": got.IPTables, "ip6tables": got.IP6Tables, "ebtables": got.EBTables} {
				if g != want[tbl] {
					t.Errorf("%s differs (- libvirt, + predicted):\n%s", tbl, lineDiff(want[tbl], g))
				}
			}
		})
		if ok {
			matched++
		}
	}
	t.Logf("conformance: %d/%d cases match", matched, total)
}
