package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/views"
)

// defineComposer defines the composed filter through the same audited path as the XML editor.
// Nothing is sent while a field has an error (libvirt would refuse it); a refusal comes back
// beside the forms, which are kept.
func (s *Server) defineComposer(c echo.Context) error {
	st, _, err := composerForm(c)
	if err != nil {
		return err
	}
	// From now on a missing name is libvirt's refusal, no longer a hint.
	st.tried = true
	var name string
	switch {
	case st.f == nil:
		err = badField("xml", "the XML is not a filter the composer can read: %s", st.textErr)
	case len(st.f.Check().Errors()) > 0:
		err = badField("filter", "libvirt would refuse this filter: nothing was sent. Fix the fields marked in red.")
	default:
		name, err = s.defineFilter(c, st.orig, st.f.XML(), st.digest)
	}
	if err != nil {
		status, _, msg, expected := classify(err)
		if !expected {
			return err
		}
		var ce *errEditConflict
		if errors.As(err, &ce) && !ce.gone {
			// Defining again now replaces the version someone else saved meanwhile.
			st.digest = xmlDigest(ce.current)
		}
		p := s.composerPage(c, st, true)
		p.Error = msg
		return s.renderStatus(c, status, views.ComposerView(p))
	}
	return c.Redirect(http.StatusSeeOther, "/filters/"+url.PathEscape(name)+"?done="+url.QueryEscape("Filter "+name+" defined."))
}
