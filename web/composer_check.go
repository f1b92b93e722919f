package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// checkComposer answers the composer as the user types: every field's message, the XML and
// the predicted chains, swapped in out of band, so the field being typed in keeps its focus.
func (s *Server) checkComposer(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return badField("form", "reading the form: %v", err)
	}
	st, err := parseComposerForm(form)
	if err != nil {
		return err
	}
	return s.render(c, views.ComposerChecked(s.composerPage(c, st, false)))
}
