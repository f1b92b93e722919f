package web

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// examplePort is where a rollback's chains are predicted when the filter is in effect on no
// port: a made-up tap device, said to be one.
var examplePort = nwfilter.Port{Dev: "example0", MAC: "52:54:00:00:00:01"}

// predictRollback is the chains libvirt 9.0 would make once the plan is made, on every port the
// target is in effect on, each beside what they are predicted to be now (nwfilter.Predict with
// libvirt's current filters, the restored version in place of the target's).
func (s *Server) predictRollback(ctx context.Context, p *rollbackPlan) ([]views.PredictedPort, error) {
	fs, err := s.lv.Filters(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := s.lv.Bindings(ctx)
	if err != nil {
		return nil, err
	}
	now := map[string]string{}
	for _, f := range fs {
		now[f.Name] = f.XML
	}
	after := now
	shared := nwfilter.SharedChains{IPv4: len(bs) > 0, IPv6: len(bs) > 0}
	var out []views.PredictedPort
	predict := func(label string, port nwfilter.Port, example bool, refNow, refAfter *libvirtx.FilterRef) {
		port.Existing = shared
		pp := views.PredictedPort{Label: label, Example: example}
		before, _, _ := predictRef(now, refNow, port)
		tables, learning, err := predictRef(after, refAfter, port)
		switch {
		case refAfter == nil:
			pp.Error = "no filter: libvirt makes no chains for this port"
		case err != nil:
			pp.Error = err.Error()
		default:
			pp.Tables, pp.Learning, pp.Diff = tables, learning, lineDiff(before, tables)
		}
		out = append(out, pp)
	}

	switch p.kind {
	case kindFilter:
		after = map[string]string{}
		for n, x := range now {
			after[n] = x
		}
		if p.restored == "" {
			delete(after, p.entry.Target)
		} else {
			after[p.entry.Target] = p.restored
		}
		inv := &inventory{filters: fs, bindings: bs, refs: map[string][]string{}}
		for n, x := range after {
			if sum, err := nwfilter.Summarize(x); err == nil {
				inv.refs[n] = sum.Refs
			}
		}
		for _, b := range bs {
			if ok, _ := inv.reaches(b.FilterRef.Filter, p.entry.Target); ok {
				ref := b.FilterRef
				predict(b.PortDev+" — "+bindingLabel(b), portOf(b.PortDev, b.MAC, ref), false, &ref, &ref)
			}
		}
		if len(out) == 0 && p.restored != "" {
			ref := &libvirtx.FilterRef{Filter: p.entry.Target}
			predict("example0 — an example port: the filter is in effect on no port", examplePort, true, ref, ref)
		}
	case kindNIC:
		refNow, _ := libvirtx.FilterRefOf(p.current)
		dev, label, example := s.nicPort(ctx, p.domain, p.mac)
		port := portOf(dev, p.mac, libvirtx.FilterRef{})
		if p.ref != nil {
			port = portOf(dev, p.mac, *p.ref)
		}
		predict(label, port, example, refNow, p.ref)
	case kindBinding:
		if p.restored != "" {
			b, err := libvirtx.ParseBindingXML(p.restored)
			if err != nil {
				return nil, err
			}
			ref := b.FilterRef
			predict(b.PortDev+" — "+bindingLabel(b), portOf(b.PortDev, b.MAC, ref), false, nil, &ref)
		}
	}
	return out, nil
}

// predictRef predicts a filterref's chains on port over the filters in fs.
func predictRef(fs map[string]string, ref *libvirtx.FilterRef, port nwfilter.Port) (string, bool, error) {
	if ref == nil {
		return "", false, nil
	}
	root, ok := fs[ref.Filter]
	if !ok {
		return "", false, fmt.Errorf("filter %s does not exist", ref.Filter)
	}
	res := nwfilter.ResolverFunc(func(name string) (string, error) {
		if x, ok := fs[name]; ok {
			return x, nil
		}
		return "", fmt.Errorf("%w: %s", nwfilter.ErrFilterNotFound, name)
	})
	t, err := nwfilter.Predict(root, res, port)
	if err != nil {
		var re *nwfilter.RefusalError
		if errors.As(err, &re) {
			return "", false, fmt.Errorf("libvirt would refuse it: %s", re.Msg)
		}
		return "", false, err
	}
	var b strings.Builder
	for _, part := range []struct{ name, text string }{{"iptables", t.IPTables}, {"ip6tables", t.IP6Tables}, {"ebtables", t.EBTables}} {
		if part.text != "" {
			fmt.Fprintf(&b, "# %s-save\n%s", part.name, part.text)
			if !strings.HasSuffix(part.text, "\n") {
				b.WriteString("\n")
			}
		}
	}
	return b.String(), t.Learning, nil
}

// portOf is the port a filterref is instantiated on.
func portOf(dev, mac string, ref libvirtx.FilterRef) nwfilter.Port {
	p := nwfilter.Port{Dev: dev, MAC: mac}
	for _, pr := range ref.Parameters {
		p.Params = append(p.Params, nwfilter.Param{Name: pr.Name, Value: pr.Value})
	}
	return p
}

// nicPort is the NIC's tap device while its VM runs, else the example port with its MAC.
func (s *Server) nicPort(ctx context.Context, domain, mac string) (dev, label string, example bool) {
	ds, err := s.lv.Domains(ctx)
	if err == nil {
		for _, d := range ds {
			for _, n := range d.Interfaces {
				if d.Name == domain && strings.EqualFold(n.MAC, mac) && n.TargetDev != "" {
					return n.TargetDev, n.TargetDev + " — " + domain + " " + mac, false
				}
			}
		}
	}
	return examplePort.Dev, "example0 — " + domain + " " + mac + " is not running: its port gets a name when it starts", true
}

func bindingLabel(b libvirtx.Binding) string {
	if b.Owner != "" {
		return b.Owner + " " + b.MAC
	}
	return b.MAC
}
