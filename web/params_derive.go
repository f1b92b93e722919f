package web

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// The parameters of a NIC's or a binding's filterref: the variables of the filter tree are
// derived from it and offered as fields (explained, and checked against every place the tree
// uses them); anything else stays NAME=VALUE lines. The fields post var.NAME (once a value, in
// order) with the names in varname; the lines post params. Nothing set is dropped: values of a
// name the tree does not use go to the lines.

// treeResolver resolves filters through what libvirt has, then what it ships.
func (inv *inventory) treeResolver() nwfilter.Resolver {
	byName := make(map[string]string, len(inv.filters))
	for _, f := range inv.filters {
		byName[f.Name] = f.XML
	}
	return nwfilter.Chain(nwfilter.ResolverFunc(func(name string) (string, error) {
		if x, ok := byName[name]; ok {
			return x, nil
		}
		return "", fmt.Errorf("%w: %s", nwfilter.ErrFilterNotFound, name)
	}), nwfilter.Shipped)
}

// treeVars returns the variables of filter's tree; none when the filter is unknown or broken
// (libvirt then says why on attach).
func treeVars(res nwfilter.Resolver, filter string) []nwfilter.Variable {
	if filter == "" {
		return nil
	}
	x, err := res.Filter(filter)
	if err != nil {
		return nil
	}
	vs, err := nwfilter.Variables(x, res)
	if err != nil {
		return nil
	}
	return nwfilter.WithLearning(vs)
}

// paramsBlock lays out the parameters set for filter as fields for its tree's variables, and
// lines for the rest.
func paramsBlock(id, testid, filter string, vars []nwfilter.Variable, set []libvirtx.Param) views.ParamsBlock {
	b := views.ParamsBlock{ID: id, Filter: filter, Testid: testid}
	derived := map[string]bool{}
	for _, v := range vars {
		derived[v.Name] = true
		f := views.ParamField{Name: v.Name, Explain: v.Explain(), Optional: v.Optional(),
			List:     v.List || v.Name == "IP" || v.Name == "IPV6" || v.Name == "DHCPSERVER",
			Defaults: strings.Join(v.Given, ", ")}
		var uses, formats []string
		for _, u := range v.Uses {
			where := fmt.Sprintf("%s of %s", u.Attr, u.Filter)
			if !contains(uses, where) {
				uses = append(uses, where)
			}
			if h := nwfilter.KindHelp(u.Kind); !contains(formats, h) {
				formats = append(formats, h)
			}
		}
		f.Uses = strings.Join(uses, ", ")
		f.Format = strings.Join(formats, "; ")
		if v.Name == "CTRL_IP_LEARNING" {
			f.Format = "any, dhcp or none"
		}
		if v.Name == "DHCPSERVER" {
			f.Format = "IPv4 address, e.g. 192.168.122.1"
		}
		for _, p := range set {
			if p.Name == v.Name {
				f.Values = append(f.Values, p.Value)
			}
		}
		b.Fields = append(b.Fields, f)
	}
	var other []libvirtx.Param
	for _, p := range set {
		if !derived[p.Name] {
			other = append(other, p)
		}
	}
	b.Other = paramsText(other)
	return b
}

// paramsFromForm reads the fields and the lines of a parameters block, fields first.
func paramsFromForm(form url.Values) ([]libvirtx.Param, error) {
	var out []libvirtx.Param
	seen := map[string]bool{}
	for _, name := range form["varname"] {
		if seen[name] {
			continue
		}
		seen[name] = true
		for _, v := range form["var."+name] {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, libvirtx.Param{Name: name, Value: v})
			}
		}
	}
	lines, err := parseParams(form.Get("params"))
	return append(out, lines...), err
}

// checkTreeParams checks the parameters against the filter tree's use of them: what the values
// must look like where they are used, CTRL_IP_LEARNING's values (once), and the variables the
// port must give.
func checkTreeParams(vars []nwfilter.Variable, ps []libvirtx.Param) error {
	byName := map[string]nwfilter.Variable{}
	for _, v := range vars {
		byName[v.Name] = v
	}
	count := map[string]int{}
	for _, p := range ps {
		count[p.Name]++
		if v, ok := byName[p.Name]; ok {
			if msg := v.CheckValue(p.Value); msg != "" {
				return badField("var."+p.Name, "parameter %s: %s", p.Name, msg)
			}
		}
	}
	if count["CTRL_IP_LEARNING"] > 1 {
		return badField("var.CTRL_IP_LEARNING", "give CTRL_IP_LEARNING once: libvirt reads a single value")
	}
	for _, v := range vars {
		if !v.Optional() && count[v.Name] == 0 {
			where := ""
			if len(v.Uses) > 0 { // none when a later protocol element of the rule replaced the attribute
				where = fmt.Sprintf(" (in %s of %s)", v.Uses[0].Attr, v.Uses[0].Filter)
			}
			return badField("var."+v.Name, "the filter uses $%s%s: give it a value, or libvirt cannot instantiate the filter", v.Name, where)
		}
	}
	return nil
}

// checkRefParams checks a filterref's parameters against its filter's tree, as libvirt has it.
func (s *Server) checkRefParams(ctx context.Context, ref *libvirtx.FilterRef) error {
	if ref == nil {
		return nil
	}
	if err := validParams(ref.Parameters); err != nil {
		return err
	}
	inv, err := s.loadFilterInventory(ctx)
	if err != nil {
		return err
	}
	return checkTreeParams(treeVars(inv.treeResolver(), ref.Filter), ref.Parameters)
}

// loadFilterInventory reads only libvirt's filters (enough to resolve trees).
func (s *Server) loadFilterInventory(ctx context.Context) (*inventory, error) {
	fs, err := s.lv.Filters(ctx)
	if err != nil {
		return nil, err
	}
	return &inventory{filters: fs}, nil
}

// showParamsBlock is the parameters part of a NIC's or a binding's form for the filter just
// chosen, with what was set so far carried over.
func (s *Server) showParamsBlock(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	q := c.QueryParams()
	set, lineErr := paramsFromForm(q)
	id := q.Get("block")
	if !validBlockID(id) {
		return badField("block", "unknown form block %q", id)
	}
	testid := "nic"
	if strings.HasPrefix(id, "binding") {
		testid = "binding"
	}
	inv, err := s.loadFilterInventory(ctx)
	if err != nil {
		return err
	}
	filter := q.Get("filter")
	b := paramsBlock(id, testid, filter, treeVars(inv.treeResolver(), filter), set)
	if lineErr != nil {
		// Lines that are not NAME=VALUE stay as they were typed.
		b.Other = q.Get("params")
	}
	return s.render(c, views.ParamsBlockView(b))
}

func validBlockID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// nicView is a NIC with its form's parameters laid out for its filter; typed, when set, is what
// the user submitted (kept on a refusal).
func nicView(inv *inventory, domain string, n libvirtx.Interface, typed *libvirtx.FilterRef) views.NIC {
	v := viewNIC(domain, n)
	filter, set := "", []libvirtx.Param(nil)
	if n.FilterRef != nil {
		filter, set = n.FilterRef.Filter, n.FilterRef.Parameters
	}
	if typed != nil {
		filter, set = typed.Filter, typed.Parameters
	}
	v.Form = paramsBlock(paramsBlockID(n.MAC), "nic", filter, treeVars(inv.treeResolver(), filter), set)
	return v
}

// paramsBlockID is the id of a NIC's parameters block.
func paramsBlockID(mac string) string {
	return "params-" + strings.ReplaceAll(strings.ToLower(mac), ":", "-")
}

func fromViewParams(ps []views.Param) []libvirtx.Param {
	out := make([]libvirtx.Param, len(ps))
	for i, p := range ps {
		out[i] = libvirtx.Param{Name: p.Name, Value: p.Value}
	}
	return out
}
