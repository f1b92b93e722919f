package nwfilter

import (
	"bufio"
	"errors"
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

// lineDiff shows how two texts differ, for test failures.
func lineDiff(want, got string) string { return FormatDiff(Diff(want, got)) }

func TestConformance(t *testing.T) {
	if _, err := os.Stat(conformanceDir); err != nil {
		t.Skip("conformance set not present:", err)
	}
	files, _ := filepath.Glob(filepath.Join(conformanceDir, "*.xml"))
	sort.Strings(files)
	res := Chain(DirResolver{Dir: conformanceDir}, DirResolver{Dir: filepath.Join(conformanceDir, "shipped")})
	total, matched, tied := 0, 0, 0
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
				msg := strings.TrimPrefix(strings.TrimSpace(string(wantErr)), "error: ")
				var re *RefusalError
				if !strings.Contains(string(wantErr), perr.Error()) && !(errors.As(perr, &re) && re.Matches(msg)) {
					t.Errorf("refusal = %q, libvirt said %q", perr.Error(), msg)
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
			// Jumps to sub-chains of equal priority come in the order of the capturing
			// daemon's hash seed: Align takes that order where the capture has those lines.
			actual := Tables{IPTables: want["iptables"], IP6Tables: want["ip6tables"], EBTables: want["ebtables"]}
			aligned := got.Align(actual)
			if len(got.Ties) > 0 {
				tied++
			}
			if got.Learning && beforeLearning(port).Equal(actual) {
				// Captured before libvirt's learning thread applied its first rules.
				aligned = beforeLearning(port)
			}
			for _, tbl := range TableNames {
				if g := aligned.Table(tbl); g != want[tbl] {
					t.Errorf("%s differs (- libvirt, + predicted):\n%s", tbl, lineDiff(want[tbl], g))
				}
			}
		})
		if ok {
			matched++
		}
	}
	t.Logf("conformance: %d/%d cases match byte for byte (%d with lines whose order libvirt leaves to its hash seed, compared in the order the capture has them)", matched, total, tied)
	if matched != total {
		t.Errorf("conformance: %d of %d cases differ", total-matched, total)
	}
}
