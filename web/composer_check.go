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
	p := s.composerPage(c, st, false)
	if st.reshaped {
		// A rule's protocol changed: its fields are another protocol's, so the whole
		// composer is shown again instead of the messages.
		h := c.Response().Header()
		h.Set("HX-Retarget", "#composer")
		h.Set("HX-Reswap", "outerHTML")
		return s.render(c, views.ComposerFragment(p))
	}
	return s.render(c, views.ComposerChecked(p))
}
