package web

import (
	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// newComposer is the composer for a new filter; with ?from=NAME it starts from a copy of that
// filter (libvirt's, or one libvirt ships) under a new name.
func (s *Server) newComposer(c echo.Context) error {
	st := &composerState{mode: "form", preview: defaultComposerPort(), f: &nwfilter.Filter{Chain: "root"}}
	if from := c.QueryParam("from"); from != "" {
		f, err := s.loadComposed(c, from, true)
		if err != nil {
			return err
		}
		f.Name, f.UUID = from+"-copy", ""
		st.f, st.from = f, from
	}
	return s.render(c, views.ComposerView(s.composerPage(c, st, true)))
}

// editComposer is the composer for an existing filter, read as libvirt returns it.
func (s *Server) editComposer(c echo.Context) error {
	name := c.Param("name")
	f, err := s.loadComposed(c, name, false)
	if err != nil {
		return err
	}
	st := &composerState{orig: name, mode: "form", preview: defaultComposerPort(), f: f}
	return s.render(c, views.ComposerView(s.composerPage(c, st, true)))
}
