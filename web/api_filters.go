package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// apiFilter is a filter in API answers.
type apiFilter struct {
	Name       string   `json:"name"`
	UUID       string   `json:"uuid"`
	Chain      string   `json:"chain"`
	Priority   int      `json:"priority"`
	Rules      int      `json:"rules"`
	References int      `json:"references"`
	UsedBy     []apiUse `json:"used_by"`
	XML        string   `json:"xml,omitempty"`
}

type apiUse struct {
	Kind    string `json:"kind"`
	Label   string `json:"label"`
	PortDev string `json:"portdev,omitempty"`
	Via     string `json:"via,omitempty"`
}

func toAPIFilter(r views.FilterRow, xml string) apiFilter {
	f := apiFilter{Name: r.Name, UUID: r.UUID, Chain: r.Chain, Priority: r.Priority, Rules: r.Rules,
		References: r.Refs, UsedBy: []apiUse{}, XML: xml}
	for _, u := range r.UsedBy {
		f.UsedBy = append(f.UsedBy, apiUse{Kind: u.Kind, Label: u.Label, PortDev: u.PortDev, Via: u.Via})
	}
	return f
}

// apiListFilters is GET /api/v1/filters.
func (s *Server) apiListFilters(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return err
	}
	out := []apiFilter{}
	for _, f := range inv.filters {
		out = append(out, toAPIFilter(inv.row(f), ""))
	}
	return c.JSON(http.StatusOK, out)
}

// apiGetFilter is GET /api/v1/filters/{name}: JSON with the XML, or the bare XML when asked
// for application/xml (so that GET then PUT round-trips).
func (s *Server) apiGetFilter(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	xml, err := s.lv.FilterXML(ctx, name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(xml))
	if wantsXML(c) {
		return c.Blob(http.StatusOK, "application/xml; charset=utf-8", []byte(xml))
	}
	inv, err := s.loadInventory(ctx)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIFilter(inv.row(libvirtx.Filter{Name: name, XML: xml}), xml))
}

func wantsXML(c echo.Context) bool {
	return c.QueryParam("format") == "xml" || strings.Contains(c.Request().Header.Get("Accept"), "application/xml")
}

// apiPutFilter is PUT /api/v1/filters/{name} with the filter XML as the body.
func (s *Server) apiPutFilter(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxFilterXML+1))
	if err != nil {
		return badField("xml", "reading the body: %v", err)
	}
	name := c.Param("name")
	ctx, cancel := s.ctx(c)
	_, existed := s.lv.FilterXML(ctx, name)
	cancel()
	if len(body) > maxFilterXML {
		return checkFilterXML(string(body))
	}
	expect := ifMatch(c)
	if _, err := s.defineFilter(c, name, string(body), expect); err != nil {
		var ce *errEditConflict
		if errors.As(err, &ce) {
			return s.apiEditConflict(c, ce, expect, string(body))
		}
		return err
	}
	status := http.StatusOK
	if existed != nil {
		status = http.StatusCreated
	}
	ctx, cancel = s.ctx(c)
	defer cancel()
	xml, err := s.lv.FilterXML(ctx, name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(xml))
	return c.JSON(status, map[string]string{"name": name, "xml": xml})
}

// apiDeleteFilter is DELETE /api/v1/filters/{name}.
func (s *Server) apiDeleteFilter(c echo.Context) error {
	if err := s.undefineFilter(c, c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiChains is the chains endpoint's answer: the port's actual chains (unless the host's
// tables cannot be read: notice says why) beside the predicted ones, and whether they differ.
type apiChains struct {
	Dev        string               `json:"dev"`
	Actual     *libvirtx.HostTables `json:"actual"`
	Notice     string               `json:"notice,omitempty"`
	Predicted  *apiTables           `json:"predicted"`
	Prediction apiPortPrediction    `json:"prediction"`
	Drift      *apiDrift            `json:"drift,omitempty"`
}

// apiPortPrediction says what was predicted for the port and how.
type apiPortPrediction struct {
	Model      string           `json:"model"`
	Filter     string           `json:"filter,omitempty"` // the port's own filter, the root predicted
	MAC        string           `json:"mac,omitempty"`
	Parameters []libvirtx.Param `json:"parameters"`
	Ties       []apiTie         `json:"ties"`
	Learning   bool             `json:"learning"`
	Refusal    string           `json:"refusal,omitempty"` // libvirt's message, when it would refuse
	Error      string           `json:"error,omitempty"`   // why nothing could be predicted
}

// apiDrift compares prediction and host, when both are known.
type apiDrift struct {
	// State is match, drift, missing (the host has none of the port's chains), learning
	// (the prediction is libvirt's learning state and the host differs) or refused.
	State  string            `json:"state"`
	Differ bool              `json:"differ"`
	Diff   map[string]string `json:"diff"` // per table that differs: "- " predicted only, "+ " host only
}

// apiFilterChains is GET /api/v1/filters/{name}/chains?dev=DEV: the port's actual chains beside
// those libvirt's filter on the port predicts (its MAC and the binding's parameters, filterrefs
// resolved from libvirt), and the drift between them.
func (s *Server) apiFilterChains(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	_, inv, err := s.filterInventory(ctx, name)
	if err != nil {
		return err
	}
	dev := c.QueryParam("dev")
	if dev == "" {
		ports := inv.portsOf(name)
		if len(ports) == 0 {
			return badField("dev", "filter %s is in effect on no port: name one with ?dev=, or preview it with POST /api/v1/preview", name)
		}
		dev = ports[0].Dev
	} else if err := validPortDev(dev); err != nil {
		return badField("dev", "%v", err)
	} else if err := notOnPort(name, dev, inv.portsOf(name)); err != nil {
		return err
	}
	out := apiChains{Dev: dev}
	actual, notice := s.actualTables(ctx, dev)
	var host *nwfilter.Tables
	if notice != "" {
		out.Notice = notice
	} else {
		out.Actual = &actual
		host = &nwfilter.Tables{IPTables: actual.IPTables, IP6Tables: actual.IP6Tables, EBTables: actual.EBTables}
	}
	pp := s.predictPort(inv, dev, host)
	out.Prediction = apiPortPrediction{Model: nwfilter.Model, Parameters: []libvirtx.Param{}, Ties: []apiTie{}}
	if pp.Binding != nil {
		out.Prediction.Filter, out.Prediction.MAC = pp.Binding.FilterRef.Filter, pp.Binding.MAC
		out.Prediction.Parameters = toLibvirtParams(pp.Port.Params)
	}
	switch re := pp.Pred.refusal(); {
	case re != nil:
		out.Prediction.Refusal = re.Msg
	case pp.Pred.Err != nil:
		out.Prediction.Error = pp.Pred.Err.Error()
	default:
		t := toAPITables(pp.Cut)
		out.Predicted = &t
		out.Prediction.Ties = toAPITies(pp.Cut.Ties)
		out.Prediction.Learning = pp.Cut.Learning
	}
	if host != nil && pp.State != "unknown" {
		out.Drift = &apiDrift{State: pp.State, Differ: len(pp.Diffs) > 0, Diff: map[string]string{}}
		for name, d := range pp.Diffs {
			out.Drift.Diff[name] = nwfilter.FormatDiff(d)
		}
	}
	return c.JSON(http.StatusOK, out)
}
