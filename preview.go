package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// previewConfig is everything `nwfilter-web preview` needs, from its arguments.
type previewConfig struct {
	File    string
	Filters string // directory of NAME.xml files for filterrefs
	Connect string // libvirt URI to resolve filterrefs through
	Dev     string
	MAC     string
	Params  []nwfilter.Param
	Table   string // "" for all three
}

const (
	helpFilters = "resolve <filterref filter='NAME'> to `DIR`/NAME.xml, else to the filters libvirt ships"
	helpPConn   = "resolve filterrefs through the libvirt at this `URI` (qemu:///system, ...)"
	helpDev     = "the port's device; `DEV` names its chains (FI-DEV, libvirt-I-DEV, ...)"
	helpMAC     = "the port's `MAC` address (the value of $MAC)"
	helpParam   = "a parameter of the binding, `NAME=VALUE`; repeat a name for a list"
	helpTable   = "print only this `TABLE`, exactly as its save tool prints it: iptables, ip6tables or ebtables"

	previewUsage = `Usage: nwfilter-web preview FILE.xml [--filters DIR | --connect URI] [--dev vnet0]
                          [--mac MAC] [--param NAME=VALUE ...] [--table iptables|ip6tables|ebtables]

Print the chains libvirt makes of the filter in FILE.xml on a port, as iptables-save -t filter,
ip6tables-save -t filter and ebtables-save print them, without reading or changing anything on
this host. When libvirt would refuse the filter or the binding, print its message and exit 1.
The prediction models ` + nwfilter.Model + `.

`
)

// saveTools are the three tables and the command whose output each is.
var saveTools = []struct{ table, cmd string }{
	{"iptables", "iptables-save -t filter"},
	{"ip6tables", "ip6tables-save -t filter"},
	{"ebtables", "ebtables-save"},
}

func parsePreviewFlags(args []string, stdout, stderr io.Writer) (previewConfig, error) {
	cfg := previewConfig{Dev: "vnet0", MAC: "52:54:00:00:00:01"}
	fs := flag.NewFlagSet("preview", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Filters, "filters", "", helpFilters)
	fs.StringVar(&cfg.Connect, "connect", "", helpPConn)
	fs.StringVar(&cfg.Dev, "dev", cfg.Dev, helpDev)
	fs.StringVar(&cfg.MAC, "mac", cfg.MAC, helpMAC)
	fs.StringVar(&cfg.Table, "table", "", helpTable)
	fs.Func("param", helpParam, func(s string) error {
		name, value, ok := strings.Cut(s, "=")
		if !ok || name == "" {
			return fmt.Errorf("%q is not NAME=VALUE", s)
		}
		cfg.Params = append(cfg.Params, nwfilter.Param{Name: name, Value: value})
		return nil
	})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), previewUsage)
		printFlags(fs)
	}
	files, err := parseInterspersed(fs, args, stdout)
	if err != nil {
		return cfg, err
	}
	switch {
	case len(files) == 0:
		fs.Usage()
		return cfg, usageError{"preview: name the filter's XML file"}
	case len(files) > 1:
		return cfg, usageError{fmt.Sprintf("preview: one filter file, not %d (%s)", len(files), strings.Join(files, " "))}
	case cfg.Filters != "" && cfg.Connect != "":
		return cfg, usageError{"preview: --filters and --connect are two ways to resolve filterrefs: choose one"}
	case cfg.Table != "" && cfg.Table != "iptables" && cfg.Table != "ip6tables" && cfg.Table != "ebtables":
		return cfg, usageError{fmt.Sprintf("preview: --table %q: choose iptables, ip6tables or ebtables", cfg.Table)}
	}
	cfg.File = files[0]
	return cfg, nil
}

// runPreview is `nwfilter-web preview`.
func runPreview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parsePreviewFlags(args, stdout, stderr)
	if err != nil {
		return err
	}
	x, err := os.ReadFile(cfg.File)
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	var res nwfilter.Resolver
	switch {
	case cfg.Connect != "":
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		conn, err := libvirtx.Dial(dctx, cfg.Connect)
		if err != nil {
			return fmt.Errorf("preview: %w", err)
		}
		defer conn.Close()
		res = libvirtx.Resolver(ctx, conn)
	default:
		res = nwfilter.DirResolver{Dir: cfg.Filters}
	}
	t, err := nwfilter.Predict(string(x), res, nwfilter.Port{Dev: cfg.Dev, MAC: cfg.MAC, Params: cfg.Params})
	if err != nil {
		return previewError(err, cfg)
	}
	writePreview(stdout, stderr, t, cfg)
	return nil
}

// previewError says who refuses: libvirt (as virsh would print it) or this command.
func previewError(err error, cfg previewConfig) error {
	var re *nwfilter.RefusalError
	if !errors.As(err, &re) {
		return fmt.Errorf("preview: %w", err)
	}
	msg := re.Msg
	if len(re.Vars) > 1 {
		msg += " (libvirt lists these names in an order of its own)"
	}
	if re.Op == "define" {
		if re.Filter == "" {
			return fmt.Errorf("libvirt would refuse to define the filter in %s: %s", cfg.File, msg)
		}
		return fmt.Errorf("libvirt would refuse to define filter %s: %s", re.Filter, msg)
	}
	return fmt.Errorf("libvirt would refuse to instantiate the filter on %s: %s", cfg.Dev, msg)
}

func writePreview(stdout, stderr io.Writer, t nwfilter.Tables, cfg previewConfig) {
	if cfg.Table != "" {
		fmt.Fprint(stdout, t.Table(cfg.Table))
	} else {
		for i, st := range saveTools {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "# %s\n%s", st.cmd, t.Table(st.table))
		}
	}
	if t.Learning {
		fmt.Fprintf(stderr, "note: the binding gives no $IP, so libvirt learns it from the VM's traffic: until then %s has only the rules shown, and then the filter with the address it saw.\n", cfg.Dev)
	}
	for _, tie := range t.Ties {
		if cfg.Table != "" && cfg.Table != tie.Table {
			continue
		}
		fmt.Fprintf(stderr, "note: %s: the %d jumps from %s to sub-chains of equal priority (%d) come in the order of a hash libvirtd seeds at random when it starts; this is one of those orders:\n", tie.Table, len(tie.Lines), tie.Chain, tie.Priority)
		for _, l := range tie.Lines {
			fmt.Fprintf(stderr, "  %s\n", l)
		}
	}
}
