package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// listBindings shows every nwfilter binding and the create form.
func (s *Server) listBindings(c echo.Context) error {
	p, err := s.bindingsPage(c, views.BindingForm{})
	if err != nil {
		return err
	}
	return s.render(c, views.BindingListView(p))
}

func (s *Server) bindingsPage(c echo.Context, form views.BindingForm) (views.BindingList, error) {
	ctx, cancel := s.ctx(c)
	defer cancel()
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return views.BindingList{}, err
	}
	p := views.BindingList{Meta: s.meta(c, "Bindings", "bindings"), Filters: inv.filterNames(), Form: form}
	filter := form.Filter
	if filter == "" && len(p.Filters) > 0 {
		filter = p.Filters[0] // what the select shows first
	}
	p.Form.Block = paramsBlock("binding-params-block", "binding", filter, treeVars(inv.treeResolver(), filter), fromViewParams(form.Typed))
	if len(form.Typed) == 0 && form.Params != "" {
		p.Form.Block.Other = form.Params // lines that did not read as NAME=VALUE, as typed
	}
	for _, b := range inv.bindings {
		p.Bindings = append(p.Bindings, inv.bindingRow(b))
	}
	return p, nil
}

// bindingRow is a binding as the pages show it, with the VM it is the port of, if any.
func (inv *inventory) bindingRow(b libvirtx.Binding) views.BindingRow {
	r := views.BindingRow{PortDev: b.PortDev, MAC: b.MAC, Owner: b.Owner,
		Filter: b.FilterRef.Filter, Params: viewParams(b.FilterRef.Parameters)}
	r.Domain, r.DomainRunning = inv.portDomain(b)
	return r
}

// portDomain is the VM a binding belongs to: the one whose running NIC is on its port, or
// the one its owner names; "" for a binding made by hand.
func (inv *inventory) portDomain(b libvirtx.Binding) (name string, running bool) {
	for _, d := range inv.domains {
		for _, n := range d.Interfaces {
			if n.TargetDev != "" && n.TargetDev == b.PortDev {
				return d.Name, d.Active
			}
		}
	}
	for _, d := range inv.domains {
		if b.OwnerUUID != "" && d.UUID == b.OwnerUUID {
			return d.Name, d.Active
		}
	}
	return "", false
}
