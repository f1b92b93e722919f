package web

import (
	"fmt"
	"net"
	"strings"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// parseParams reads NAME=VALUE lines; repeated names form a list, in order.
func parseParams(text string) ([]libvirtx.Param, error) {
	var out []libvirtx.Param
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, badField("params", "line %d: %q is not NAME=VALUE", i+1, line)
		}
		out = append(out, libvirtx.Param{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	return out, validParams(out)
}

// validParams checks names and values as libvirt would before anything is sent (validate.go).
func validParams(ps []libvirtx.Param) error {
	if len(ps) > maxParams {
		return badField("params", "%d parameters; at most %d are accepted", len(ps), maxParams)
	}
	for _, p := range ps {
		if err := validParam(p.Name, p.Value); err != nil {
			return err
		}
	}
	return nil
}

func paramsText(ps []libvirtx.Param) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s=%s\n", p.Name, p.Value)
	}
	return b.String()
}

func viewParams(ps []libvirtx.Param) []views.Param {
	out := make([]views.Param, len(ps))
	for i, p := range ps {
		out[i] = views.Param{Name: p.Name, Value: p.Value}
	}
	return out
}

// validPortDev checks a port device name as the kernel would accept it.
func validPortDev(dev string) error {
	if dev == "" {
		return badField("portdev", "the port device is empty")
	}
	if len(dev) > 15 {
		return badField("portdev", "the port device %q is longer than 15 characters", dev)
	}
	if strings.ContainsAny(dev, "/ \t\n\v\f\r:") || dev == "." || dev == ".." || !printableASCII(dev) {
		return badField("portdev", "the port device %q is not a valid interface name", dev)
	}
	return nil
}

// normalMAC checks a MAC address and writes it as libvirt does (lowercase, colons).
func normalMAC(field, mac string) (string, error) {
	hw, err := net.ParseMAC(strings.TrimSpace(mac))
	if err != nil || len(hw) != 6 {
		return "", badField(field, "%q is not a MAC address like 52:54:00:12:34:56", mac)
	}
	return hw.String(), nil
}

// validFilterRef checks the filter a NIC or binding is to use.
func validFilterRef(name string) error {
	if strings.TrimSpace(name) == "" {
		return badField("filter", "choose a filter")
	}
	return validFilterName("filter", name)
}

// printableASCII is true for a string of printable ASCII characters only.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
