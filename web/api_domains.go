package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
)

type apiInterface struct {
	MAC       string              `json:"mac"`
	TargetDev string              `json:"target_dev,omitempty"`
	Type      string              `json:"type"`
	Source    string              `json:"source,omitempty"`
	Model     string              `json:"model,omitempty"`
	FilterRef *libvirtx.FilterRef `json:"filterref"`
}

type apiDomain struct {
	Name       string         `json:"name"`
	UUID       string         `json:"uuid"`
	State      string         `json:"state"`
	Active     bool           `json:"active"`
	Interfaces []apiInterface `json:"interfaces"`
}

// apiListDomains is GET /api/v1/domains.
func (s *Server) apiListDomains(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	ds, err := s.lv.Domains(ctx)
	if err != nil {
		return err
	}
	s.noticeNICs(ctx, "noticed when the VMs were read")
	out := []apiDomain{}
	for _, d := range ds {
		ad := apiDomain{Name: d.Name, UUID: d.UUID, State: d.State, Active: d.Active, Interfaces: []apiInterface{}}
		for _, n := range d.Interfaces {
			ad.Interfaces = append(ad.Interfaces, apiInterface{MAC: n.MAC, TargetDev: n.TargetDev, Type: n.Type,
				Source: n.Source, Model: n.Model, FilterRef: n.FilterRef})
		}
		out = append(out, ad)
	}
	return c.JSON(http.StatusOK, out)
}

// apiSetNICFilter is PUT /api/v1/domains/{name}/interfaces/{mac}/filterref.
func (s *Server) apiSetNICFilter(c echo.Context) error {
	var ref libvirtx.FilterRef
	if err := decodeJSON(c, &ref); err != nil {
		return err
	}
	if err := validFilterRef(ref.Filter); err != nil {
		return err
	}
	if err := validParams(ref.Parameters); err != nil {
		return err
	}
	if ref.Parameters == nil {
		ref.Parameters = []libvirtx.Param{}
	}
	if err := s.setFilterRef(c, c.Param("name"), c.Param("mac"), &ref); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ref)
}

// apiClearNICFilter is DELETE /api/v1/domains/{name}/interfaces/{mac}/filterref.
func (s *Server) apiClearNICFilter(c echo.Context) error {
	if err := s.setFilterRef(c, c.Param("name"), c.Param("mac"), nil); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
