package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

var update = flag.Bool("update", false, "rewrite testdata/preview/*.golden from what the command prints")

func runCmd(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// TestPreviewGolden runs the command on the files under testdata/preview and compares what it
// prints with the .golden files (go test -run PreviewGolden -update rewrites them).
func TestPreviewGolden(t *testing.T) {
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"web", []string{"preview", "testdata/preview/web.xml", "--filters", "testdata/preview/filters", "--param", "IP=10.0.0.5", "--param", "DNS=192.0.2.53", "--param", "DNS=192.0.2.54"}},
		{"web-iptables", []string{"preview", "--table", "iptables", "--dev", "tap7", "--mac", "52:54:00:ab:cd:ef", "--filters", "testdata/preview/filters", "testdata/preview/web.xml", "--param", "IP=10.0.0.5", "--param", "DNS=192.0.2.53"}},
		{"tied-ebtables", []string{"preview", "testdata/preview/tied.xml", "--table", "ebtables", "--filters", "testdata/preview/filters"}},
		{"learning", []string{"preview", "testdata/preview/web.xml", "--filters", "testdata/preview/filters", "--param", "DNS=192.0.2.53", "--table", "ebtables"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			out, errOut, err := runCmd(tt.args...)
			if err != nil {
				t.Fatalf("%v (stderr %q)", err, errOut)
			}
			got := out
			if errOut != "" {
				got += "--- stderr\n" + errOut
			}
			path := filepath.Join("testdata", "preview", tt.golden+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (- golden, + now):\n%s", path, nwfilter.FormatDiff(nwfilter.Diff(string(want), got)))
			}
		})
	}
}

// TestPreviewTableIsTheSaveOutput: with --table the output is the table's text and nothing
// else, as the save tool prints it.
func TestPreviewTableIsTheSaveOutput(t *testing.T) {
	x, err := os.ReadFile("testdata/preview/web.xml")
	if err != nil {
		t.Fatal(err)
	}
	port := nwfilter.Port{Dev: "vnet0", MAC: "52:54:00:00:00:01", Params: []nwfilter.Param{{Name: "IP", Value: "10.0.0.5"}, {Name: "DNS", Value: "192.0.2.53"}}}
	want, err := nwfilter.Predict(string(x), nwfilter.DirResolver{Dir: "testdata/preview/filters"}, port)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range nwfilter.TableNames {
		out, _, err := runCmd("preview", "testdata/preview/web.xml", "--filters", "testdata/preview/filters", "--param", "IP=10.0.0.5", "--param", "DNS=192.0.2.53", "--table", table)
		if err != nil {
			t.Fatal(err)
		}
		if out != want.Table(table) {
			t.Errorf("--table %s printed\n%s\nwant\n%s", table, out, want.Table(table))
		}
	}
}

func TestPreviewErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{"preview"}, 2, "name the filter's XML file"},
		{"two files", []string{"preview", "a.xml", "b.xml"}, 2, "one filter file, not 2"},
		{"both resolvers", []string{"preview", "x.xml", "--filters", "d", "--connect", "qemu:///system"}, 2, "choose one"},
		{"bad table", []string{"preview", "x.xml", "--table", "nftables"}, 2, `--table "nftables"`},
		{"bad param", []string{"preview", "x.xml", "--param", "IP"}, 2, `"IP" is not NAME=VALUE`},
		{"unknown flag", []string{"preview", "x.xml", "--nope"}, 2, "flag provided but not defined"},
		{"missing file", []string{"preview", "testdata/preview/nope.xml"}, 1, "no such file"},
		{"define refused", []string{"preview", "testdata/preview/bad-action.xml"}, 1,
			"libvirt would refuse to define the filter in testdata/preview/bad-action.xml: unsupported configuration: unknown rule action attribute value"},
		{"variable missing", []string{"preview", "testdata/preview/web.xml", "--filters", "testdata/preview/filters"}, 1,
			"libvirt would refuse to instantiate the filter on vnet0: internal error: Cannot instantiate filter due to unresolvable variables or unavailable list elements: DNS"},
		{"filterref missing", []string{"preview", "testdata/preview/web.xml", "--param", "DNS=192.0.2.1"}, 1,
			"internal error: referenced filter 'base' is missing"},
		{"bad MAC", []string{"preview", "testdata/preview/tied.xml", "--filters", "testdata/preview/filters", "--mac", "52:54"}, 1, `invalid MAC address "52:54"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := exitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d (%v)", got, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestPreviewConnect resolves filterrefs through the real libvirtd: a filter defined there and
// one libvirt ships; an unknown one is refused with libvirt's message.
func TestPreviewConnect(t *testing.T) {
	conn := libvirtxtest.Require(t)
	ref := libvirtxtest.UniqueName("preview-ref")
	body := "<rule action='drop' direction='out'><tcp dstportstart='25'/></rule>"
	libvirtxtest.DefineTestFilter(t, conn, ref, body)
	dir := t.TempDir()
	file := filepath.Join(dir, "top.xml")
	top := "<filter name='preview-top'><filterref filter='" + ref + "'/><filterref filter='no-mac-spoofing'/></filter>"
	if err := os.WriteFile(file, []byte(top), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd("preview", file, "--connect", libvirtxtest.URI(), "--table", "iptables", "--dev", "vnet9")
	if err != nil {
		t.Fatal(err)
	}
	local := nwfilter.ResolverFunc(func(name string) (string, error) {
		if name == ref {
			return "<filter name='" + ref + "' chain='root'>" + body + "</filter>", nil
		}
		return nwfilter.Shipped.Filter(name)
	})
	want, err := nwfilter.Predict(top, local, nwfilter.Port{Dev: "vnet9", MAC: "52:54:00:00:00:01"})
	if err != nil {
		t.Fatal(err)
	}
	if out != want.IPTables || !strings.Contains(out, "-A FI-vnet9 -p tcp -m tcp --dport 25") {
		t.Errorf("--connect printed\n%s\nwant\n%s", out, want.IPTables)
	}

	missing := filepath.Join(dir, "missing.xml")
	if err := os.WriteFile(missing, []byte("<filter name='preview-top'><filterref filter='"+libvirtxtest.UniqueName("nowhere")+"'/></filter>"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd("preview", missing, "--connect", libvirtxtest.URI())
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "referenced filter 'nowhere-") {
		t.Errorf("unknown filterref: %v", err)
	}
}
