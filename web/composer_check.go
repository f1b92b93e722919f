package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// checkComposer answers the composer as the user types: every field's message, the XML and
// what libvirt would say of it, swapped in out of band, so the field being typed in keeps its
// focus. The preview panel asks for its chains itself (previewComposer).
func (s *Server) checkComposer(c echo.Context) error {
	st, _, err := composerForm(c)
	if err != nil {
		return err
	}
	if st.reshaped {
		// A rule's protocol changed: its fields are another protocol's, so the whole
		// composer is shown again instead of the messages.
		h := c.Response().Header()
		h.Set("HX-Retarget", "#composer")
		h.Set("HX-Reswap", "outerHTML")
		return s.render(c, views.ComposerFragment(s.composerPage(c, st, false)))
	}
	return s.render(c, views.ComposerChecked(composerForms(st)))
}
