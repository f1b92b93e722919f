package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// newComposer is the composer for a new filter.
func (s *Server) newComposer(c echo.Context) error {
	st := &composerState{mode: "form", f: &nwfilter.Filter{Chain: "root"}}
	return s.render(c, views.ComposerView(s.composerPage(c, st, true)))
}

// cloneComposer is the composer for a new filter that starts from a copy of another (libvirt's,
// or one libvirt ships), under a new name.
func (s *Server) cloneComposer(c echo.Context) error {
	from := c.Param("name")
	f, _, err := s.loadComposed(c, from, true)
	if err != nil {
		return err
	}
	f.Name, f.UUID = from+"-copy", ""
	st := &composerState{mode: "form", f: f, from: from}
	return s.render(c, views.ComposerView(s.composerPage(c, st, true)))
}

// editComposer is the composer for an existing filter, read as libvirt returns it.
func (s *Server) editComposer(c echo.Context) error {
	name := c.Param("name")
	f, x, err := s.loadComposed(c, name, false)
	if err != nil {
		return err
	}
	st := &composerState{orig: name, mode: "form", f: f, digest: xmlDigest(x)}
	return s.render(c, views.ComposerView(s.composerPage(c, st, true)))
}
