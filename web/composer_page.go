package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// composerPage builds the composer's view of the state: the forms with every field's message,
// the XML, and the chains predicted for the preview port. withMeta adds the page's frame (not
// needed for fragments).
func (s *Server) composerPage(c echo.Context, st *composerState, withMeta bool) views.ComposerPage {
	ctx, cancel := s.ctx(c)
	defer cancel()
	p := views.ComposerPage{Orig: st.orig, From: st.from, Mode: st.mode, Notice: st.notice, Digest: st.digest,
		Chains: []string{"root", "mac", "vlan", "stp", "arp", "rarp", "ipv4", "ipv6"}}
	if withMeta {
		title := "New filter (composer)"
		if st.orig != "" {
			title = "Compose " + st.orig
		}
		p.Meta = s.meta(c, title, "filters")
	}
	for _, pr := range nwfilter.Protocols() {
		p.Protocols = append(p.Protocols, views.ProtocolChoice{Name: pr.Name, Layer: pr.Layer, Help: pr.Help})
	}
	res, names, resNotice := s.filterResolver(ctx, st.orig)
	p.Filters = names

	if len(st.dropped) > 0 {
		p.Notice = strings.TrimSpace(p.Notice + " Dropped with the change of protocol: " + strings.Join(st.dropped, "; ") + ".")
	}
	if st.f == nil {
		// The XML view's text is not a filter the composer can read: keep it as typed.
		p.XML, p.XMLError = st.text, st.textErr
		p.Preview = views.ComposerPreview{Dev: st.preview.dev, MAC: st.preview.mac, Params: st.preview.params,
			Error: "No prediction: " + st.textErr}
		return p
	}
	f := st.f
	ps := f.Check()
	p.Filter = views.ComposerFilter{Name: f.Name, Chain: f.Chain, Priority: f.Priority, UUID: f.UUID,
		PriorityHint: priorityHint(f.Chain), Msgs: map[string]views.FieldMsg{}}
	for _, field := range []string{"name", "chain", "priority", "uuid", "extra"} {
		p.Filter.Msgs[field] = fieldMsg(ps, -1, field, "Filter")
	}
	p.Filter.Keep = encodeKeep(filterKeep{Other: f.Other, Extra: f.Extra})
	for _, a := range f.Other {
		p.Filter.Kept = append(p.Filter.Kept, fmt.Sprintf("%s='%s'", a.Name, a.Value))
	}
	p.Filter.Kept = append(p.Filter.Kept, f.Extra...)
	p.Filter.Entries = composerEntries(f, ps)
	for _, pr := range ps {
		label := "Filter"
		if pr.Entry >= 0 && pr.Entry < len(f.Entries) {
			label = entryLabel(f.Entries[pr.Entry], pr.Entry)
		}
		p.Problems = append(p.Problems, views.FieldMsg{Label: label + " · " + fieldLabel(pr.Field), Text: pr.Msg, Warning: pr.Warning})
		if pr.Warning {
			p.Warnings++
		} else {
			p.Errors++
		}
	}
	xml := f.XML()
	p.XML = xml
	if st.mode == "xml" {
		p.XML = st.text
	}
	p.Preview = s.composerPrediction(xml, res, st.preview, resNotice)
	return p
}

func priorityHint(chain string) string {
	if chain == "" {
		return "none (no chain: root, 0)"
	}
	return "default " + strconv.Itoa(nwfilter.ChainDefaultPriority(chain))
}

// filterResolver resolves references through the filters libvirt has (except the one being
// composed, which the composer replaces), then the filters libvirt ships. It returns the names
// a reference may name, and a notice when libvirt's filters cannot be read.
func (s *Server) filterResolver(ctx context.Context, self string) (nwfilter.Resolver, []string, string) {
	fs, err := s.lv.Filters(ctx)
	byName := map[string]string{}
	var names []string
	for _, f := range fs {
		if f.Name != self {
			byName[f.Name] = f.XML
		}
		names = append(names, f.Name)
	}
	notice := ""
	if err != nil {
		notice = "libvirt's filters cannot be read (" + err.Error() + "): references are resolved against the filters libvirt ships."
		names = nwfilter.ShippedNames()
	}
	own := nwfilter.ResolverFunc(func(name string) (string, error) {
		if x, ok := byName[name]; ok {
			return x, nil
		}
		return "", fmt.Errorf("%w: %s", nwfilter.ErrFilterNotFound, name)
	})
	return nwfilter.Chain(own, nwfilter.Shipped), names, notice
}

// composerPrediction predicts the chains libvirt 9.0 would make of the filter on the preview port.
func (s *Server) composerPrediction(xml string, res nwfilter.Resolver, pp composerPort, notice string) views.ComposerPreview {
	v := views.ComposerPreview{Dev: pp.dev, MAC: pp.mac, Params: pp.params, Notice: notice}
	params, perr := parseParams(pp.params)
	given := map[string]bool{}
	var port []nwfilter.Param
	for _, p := range params {
		given[p.Name] = true
		port = append(port, nwfilter.Param{Name: p.Name, Value: p.Value})
	}
	if vars, err := nwfilter.Variables(xml, res); err == nil {
		for _, tv := range nwfilter.WithLearning(vars) {
			v.Vars = append(v.Vars, views.ComposerVar{Name: tv.Name, Explain: tv.Explain(), Given: given[tv.Name]})
		}
	}
	if perr != nil {
		v.Error = "Parameters: " + perr.Error()
		return v
	}
	if err := validPortDev(pp.dev); err != nil {
		v.Error = "Port device: " + err.Error()
		return v
	}
	// Predicted from what the save path sends (see nwfilter.KeepState).
	if sent, _, err := nwfilter.KeepState(xml, ""); err == nil {
		xml = sent
	}
	t, err := nwfilter.Predict(xml, res, nwfilter.Port{Dev: pp.dev, MAC: pp.mac, Params: port})
	if err != nil {
		var re *nwfilter.RefusalError
		if errors.As(err, &re) && re.Op == "instantiate" {
			v.Error = "libvirt would refuse to instantiate it on this port: " + re.Msg
		} else {
			v.Error = err.Error()
		}
		return v
	}
	if t.Learning {
		v.Notice = strings.TrimSpace(v.Notice + " No IP is given: libvirt makes none of the port's chains until it has learnt the VM's address (give IP=... above to see them).")
	}
	v.IPTables, v.IP6, v.EB = t.IPTables, t.IP6Tables, t.EBTables
	return v
}

// loadComposed reads an existing filter for the composer: libvirt's, else a shipped one; with
// the XML it was read from.
func (s *Server) loadComposed(c echo.Context, name string, shippedToo bool) (*nwfilter.Filter, string, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	x, err := s.lv.FilterXML(ctx, name)
	if errors.Is(err, libvirtx.ErrNoFilter) && shippedToo {
		if sx, serr := nwfilter.Shipped.Filter(name); serr == nil {
			x, err = sx, nil
		}
	}
	if err != nil {
		return nil, "", err
	}
	f, err := nwfilter.FromLibvirt(x)
	if err != nil {
		// libvirt writes names unescaped: a name with & or < makes XML nothing can read.
		return nil, "", &fieldError{Field: "filter", Status: http.StatusBadGateway,
			Msg: fmt.Sprintf("libvirt's XML of filter %s cannot be read (%v): edit it with virsh", name, err)}
	}
	return f, x, nil
}
