package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// composerPage is the whole composer for the state: the forms, the filters a reference may
// name, and the preview panel for the port the request's form gives (the default one at first).
// withMeta adds the page's frame (not needed for fragments).
func (s *Server) composerPage(c echo.Context, st *composerState, withMeta bool) views.ComposerPage {
	ctx, cancel := s.ctx(c)
	defer cancel()
	p := composerForms(st)
	if withMeta {
		title := "New filter (composer)"
		if st.orig != "" {
			title = "Compose " + st.orig
		}
		p.Meta = s.meta(c, title, "filters")
	}
	p.Filters = s.filterNames(ctx)
	p.Preview = s.formPreviewPanel(c, composedXML(st), "Predicted chains", "")
	p.Preview.Endpoint = composerPreviewEndpoint
	return p
}

// composerForms is the composer's view of the state that needs no libvirt: the forms with every
// field's message, the XML, and what libvirt would say of it. A check as the user types
// answers only this.
func composerForms(st *composerState) views.ComposerPage {
	p := views.ComposerPage{Orig: st.orig, From: st.from, Mode: st.mode, Notice: st.notice, Digest: st.digest,
		Chains: []string{"root", "mac", "vlan", "stp", "arp", "rarp", "ipv4", "ipv6"}}
	for _, pr := range nwfilter.Protocols() {
		p.Protocols = append(p.Protocols, views.ProtocolChoice{Name: pr.Name, Layer: pr.Layer, Help: pr.Help})
	}
	if len(st.dropped) > 0 {
		p.Notice = strings.TrimSpace(p.Notice + " Dropped with the change of protocol: " + strings.Join(st.dropped, "; ") + ".")
	}
	if st.f == nil {
		// The XML view's text is not a filter the composer can read: keep it as typed.
		p.XML, p.XMLError = st.text, st.textErr
		return p
	}
	f := st.f
	ps := f.Check()
	p.Tried = st.tried
	if f.Name == "" && !st.tried {
		// Naming the filter is the next step of a new one, not a mistake: a hint until the
		// user tries to define it (then it is libvirt's refusal, in libvirt's words).
		p.Unnamed = true
		ps = slices.DeleteFunc(ps, func(pr nwfilter.Problem) bool { return pr.Entry < 0 && pr.Field == "name" })
	}
	p.Filter = views.ComposerFilter{Name: f.Name, Chain: f.Chain, Priority: f.Priority, UUID: f.UUID,
		PriorityHint: priorityHint(f.Chain), Msgs: map[string]views.FieldMsg{}}
	for _, field := range []string{"name", "chain", "priority", "uuid", "extra"} {
		p.Filter.Msgs[field] = fieldMsg(ps, -1, field, "Filter")
	}
	if p.Unnamed {
		m := p.Filter.Msgs["name"]
		m.Text, m.Hint = nameHint, true
		p.Filter.Msgs["name"] = m
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
	p.XML = f.XML()
	if st.mode == "xml" {
		p.XML = st.text
	}
	return p
}

// nameHint is said on the name field of a filter not named yet.
const nameHint = "Name the filter: libvirt defines it under this name (no < > & ' \" or /, at most 200 bytes)."

// unnamedPreview is the name a filter not named yet is predicted under: any name would do, and
// this one (libvirt takes spaces and brackets) is unlikely to be another filter's.
const unnamedPreview = "(not named yet)"

// composerPreviewEndpoint is where the composer's preview panel posts the composer's form
// (previewComposer).
const composerPreviewEndpoint = "/composer/preview"

// composedXML is the XML the preview predicts for the state: the filter as the save path sends
// it (see nwfilter.KeepState), or the XML view's text while the composer cannot read it. A
// filter not named yet is predicted under unnamedPreview: the name makes no difference to the
// chains, and the missing name is said on the name field, not as a refusal beside the chains.
func composedXML(st *composerState) string {
	if st.f == nil {
		return st.text
	}
	f := st.f
	if f.Name == "" {
		named := *f
		named.Name = unnamedPreview
		f = &named
	}
	xml := f.XML()
	if sent, _, err := nwfilter.KeepState(xml, ""); err == nil {
		xml = sent
	}
	return xml
}

func priorityHint(chain string) string {
	if chain == "" {
		return "none (no chain: root, 0)"
	}
	return "default " + strconv.Itoa(nwfilter.ChainDefaultPriority(chain))
}

// filterNames are the filters a reference may name: libvirt's, or the ones it ships when
// libvirt's cannot be read.
func (s *Server) filterNames(ctx context.Context) []string {
	fs, err := s.lv.Filters(ctx)
	if err != nil {
		return nwfilter.ShippedNames()
	}
	names := make([]string, 0, len(fs))
	for _, f := range fs {
		names = append(names, f.Name)
	}
	return names
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
