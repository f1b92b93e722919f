package web

import (
	"fmt"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// portPrediction is what libvirt's filter on one port predicts, beside what the host has.
type portPrediction struct {
	Binding *libvirtx.Binding // nil when no binding is on the port
	Port    previewPort
	Pred    prediction
	// Cut is the prediction cut down to the port, its ties in the host's order when the
	// host has them.
	Cut nwfilter.Tables
	// State: match, drift, missing, learning, refused or unknown (see views.PortDrift).
	State string
	// Diffs are the tables that differ, - predicted only, + host only.
	Diffs map[string][]nwfilter.DiffLine
}

// predictPort predicts the port's own filter (the root of its binding, which may reference
// the filter being looked at) with the binding's MAC and parameters, from the filters of the
// same inventory read. actual, when the host's tables can be read, is the host's state cut
// down to the port.
func (s *Server) predictPort(inv *inventory, dev string, actual *nwfilter.Tables) portPrediction {
	pp := portPrediction{State: "unknown"}
	for i := range inv.bindings {
		if inv.bindings[i].PortDev == dev {
			pp.Binding = &inv.bindings[i]
		}
	}
	if pp.Binding == nil {
		pp.Pred.Err = fmt.Errorf("no filter binding is on %s, so there is nothing to predict", dev)
		return pp
	}
	b := pp.Binding
	pp.Port = previewPort{Dev: dev, MAC: b.MAC}
	for _, p := range b.FilterRef.Parameters {
		pp.Port.Params = append(pp.Port.Params, nwfilter.Param{Name: p.Name, Value: p.Value})
	}
	res := inv.resolver()
	root, err := res.Filter(b.FilterRef.Filter)
	if err != nil {
		pp.Pred.Err = fmt.Errorf("the port's filter %s: %w", b.FilterRef.Filter, err)
		return pp
	}
	pp.Pred.Tables, pp.Pred.Err = nwfilter.Predict(root, res, nwfilter.Port{Dev: dev, MAC: b.MAC, Params: pp.Port.Params})
	if pp.Pred.refusal() != nil {
		pp.State = "refused"
		return pp
	}
	if pp.Pred.Err != nil {
		return pp
	}
	pp.Cut = pp.Pred.Tables.PortTables(dev)
	if actual == nil {
		return pp
	}
	pp.Cut = pp.Cut.Align(*actual)
	pp.Diffs = map[string][]nwfilter.DiffLine{}
	hostEmpty, predEmpty := true, true
	for _, name := range nwfilter.TableNames {
		p, a := pp.Cut.Table(name), actual.Table(name)
		hostEmpty = hostEmpty && a == ""
		predEmpty = predEmpty && p == ""
		if p != a {
			pp.Diffs[name] = nwfilter.Diff(p, a)
		}
	}
	switch {
	case len(pp.Diffs) == 0:
		pp.State = "match"
	case hostEmpty && !predEmpty:
		pp.State = "missing"
	case pp.Pred.Tables.Learning:
		pp.State = "learning"
	default:
		pp.State = "drift"
	}
	return pp
}

// filterXML is the XML of filter name in this inventory read, "" when it has none.
func (inv *inventory) filterXML(name string) string {
	for _, f := range inv.filters {
		if f.Name == name {
			return f.XML
		}
	}
	return ""
}

// resolver resolves filterrefs to the filters of this inventory read.
func (inv *inventory) resolver() nwfilter.Resolver {
	return nwfilter.ResolverFunc(func(name string) (string, error) {
		for _, f := range inv.filters {
			if f.Name == name {
				return f.XML, nil
			}
		}
		return "", fmt.Errorf("%w: %s", nwfilter.ErrFilterNotFound, name)
	})
}

// driftView is the view model of a port's prediction beside the host.
func driftView(pp portPrediction) *views.PortDrift {
	d := &views.PortDrift{State: pp.State}
	if pp.Binding != nil {
		d.Filter = pp.Binding.FilterRef.Filter
		d.Params = viewParams(pp.Binding.FilterRef.Parameters)
	}
	cut := pp.Pred
	cut.Tables = pp.Cut
	d.Predicted = previewView(cut, pp.Port)
	if pp.Binding == nil {
		d.Predicted.Dev = ""
	}
	for _, name := range nwfilter.TableNames {
		lines, ok := pp.Diffs[name]
		if !ok {
			continue
		}
		td := views.TableDiff{Name: name, Tool: saveTool(name)}
		for _, l := range lines {
			td.Lines = append(td.Lines, views.TableDiffLine{Op: string(l.Op), Text: l.Text})
		}
		d.Diffs = append(d.Diffs, td)
	}
	return d
}
