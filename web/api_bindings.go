package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
)

// apiBinding is a binding in API requests and answers.
type apiBinding struct {
	PortDev    string           `json:"portdev"`
	MAC        string           `json:"mac"`
	Filter     string           `json:"filter"`
	Parameters []libvirtx.Param `json:"parameters"`
	Owner      string           `json:"owner,omitempty"`
}

// apiListBindings is GET /api/v1/bindings.
func (s *Server) apiListBindings(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	bs, err := s.lv.Bindings(ctx)
	if err != nil {
		return err
	}
	out := []apiBinding{}
	for _, b := range bs {
		ps := b.FilterRef.Parameters
		if ps == nil {
			ps = []libvirtx.Param{}
		}
		out = append(out, apiBinding{PortDev: b.PortDev, MAC: b.MAC, Filter: b.FilterRef.Filter, Parameters: ps, Owner: b.Owner})
	}
	return c.JSON(http.StatusOK, out)
}

// apiCreateBinding is POST /api/v1/bindings.
func (s *Server) apiCreateBinding(c echo.Context) error {
	var in apiBinding
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b := libvirtx.Binding{PortDev: in.PortDev, MAC: in.MAC, FilterRef: libvirtx.FilterRef{Filter: in.Filter, Parameters: in.Parameters}}
	if err := s.newBinding(c, b); err != nil {
		return err
	}
	mac, _ := normalMAC("mac", in.MAC)
	in.MAC = mac
	if in.Parameters == nil {
		in.Parameters = []libvirtx.Param{}
	}
	out := apiBindingCreated{apiBinding: in}
	if w := s.missingPortWarning(b.PortDev); w != "" {
		out.Warnings = []string{w}
	}
	return c.JSON(http.StatusCreated, out)
}

// apiBindingCreated is the answer to a create: the binding, and what the caller should know
// about it (no such device on this host, say).
type apiBindingCreated struct {
	apiBinding
	Warnings []string `json:"warnings,omitempty"`
}

// apiDeleteBinding is DELETE /api/v1/bindings/{dev}.
func (s *Server) apiDeleteBinding(c echo.Context) error {
	if err := s.removeBinding(c, c.Param("dev")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// decodeJSON reads a JSON body strictly: unknown fields and wrong types are the caller's
// mistake, named by field.
func decodeJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return badField(te.Field, "%s must be a %s", te.Field, te.Type.String())
		}
		return badField("body", "the body is not valid JSON: %v", err)
	}
	return nil
}
