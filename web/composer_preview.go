package web

import "github.com/labstack/echo/v4"

// previewComposer is the composer's preview panel's endpoint (composerPreviewEndpoint): the
// chains libvirt would make of the filter being composed, for the port and variables the panel
// holds. Nothing is defined and the host is not touched.
func (s *Server) previewComposer(c echo.Context) error {
	st, _, err := composerForm(c)
	if err != nil {
		return err
	}
	return s.renderPreview(c, composedXML(st))
}
