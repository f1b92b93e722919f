package web

import (
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// previewFragment is POST /preview, what the preview panel posts as the user types: the filter
// XML (field xml), the port (dev, mac) and a value per variable (var.NAME). It answers the
// predicted chains, and the variables' inputs again when the filter tree's variables changed
// (field vars says which the page shows). Nothing is defined and the host is not touched.
func (s *Server) previewFragment(c echo.Context) error {
	return s.renderPreview(c, c.FormValue("xml"))
}

// renderPreview answers a preview panel's request for filter XML xml, the port and the
// variables' values coming from the request's form as views.PreviewPanelView posts them (dev,
// mac, var.NAME, vars). A handler that builds the XML itself (a form-based composer, routed as
// its panel's Endpoint) ends with it.
func (s *Server) renderPreview(c echo.Context, xml string) error {
	port, typed, err := previewFormInput(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	v, f, known := s.predictPreview(ctx, xml, port, typed)
	return s.render(c, views.PreviewFragment(v, f, known && f.Names() != c.FormValue("vars")))
}

// previewFormInput reads the port and the variables' values from the preview panel's fields.
func previewFormInput(c echo.Context) (previewPort, map[string]string, error) {
	form, err := c.FormParams()
	if err != nil {
		return previewPort{}, nil, badField("body", "the form cannot be read: %v", err)
	}
	typed := map[string]string{}
	var names []string
	for k, vs := range form {
		name, ok := strings.CutPrefix(k, "var.")
		if !ok || len(vs) == 0 {
			continue
		}
		typed[name] = strings.Join(vs, ",")
		names = append(names, name)
	}
	sort.Strings(names)
	port := previewPort{Dev: strings.TrimSpace(form.Get("dev")), MAC: strings.TrimSpace(form.Get("mac")), Params: paramsFromTyped(names, typed)}
	return port, typed, nil
}
