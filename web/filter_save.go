package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

const newFilterXML = `<filter name='my-filter' chain='root'>
  <rule action='drop' direction='out' priority='500'>
    <tcp dstipaddr='192.168.122.1' dstportstart='22'/>
  </rule>
</filter>
`

// newFilter is the editor for a new filter.
func (s *Server) newFilter(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	return s.render(c, views.FilterEditView(views.FilterEdit{Meta: s.meta(c, "New filter", "filters"), XML: newFilterXML,
		Preview: s.previewPanel(ctx, newFilterXML, editorPreviewTitle, editorPreviewIntro)}))
}

// editFilter is the editor with the filter's XML as libvirt returns it.
func (s *Server) editFilter(c echo.Context) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	name := c.Param("name")
	xml, err := s.lv.FilterXML(ctx, name)
	if err != nil {
		return err
	}
	return s.render(c, views.FilterEditView(views.FilterEdit{Meta: s.meta(c, "Edit "+name, "filters"), Name: name, XML: xml,
		Base: xml, Digest: xmlDigest(xml),
		Preview: s.previewPanel(ctx, xml, editorPreviewTitle, editorPreviewIntro)}))
}

const (
	editorPreviewTitle = "Chains libvirt would make of it"
	editorPreviewIntro = "They follow as you type. Nothing is defined until you press Define."
)

// createFilter defines a new filter from the editor.
func (s *Server) createFilter(c echo.Context) error { return s.saveFilterForm(c, "") }

// updateFilter redefines an existing filter from the editor.
func (s *Server) updateFilter(c echo.Context) error { return s.saveFilterForm(c, c.Param("name")) }

// saveFilterForm defines the XML; on refusal the editor comes back with libvirt's message
// beside the text the user typed.
func (s *Server) saveFilterForm(c echo.Context, name string) error {
	xml := c.FormValue("xml")
	defined, err := s.defineFilter(c, name, xml, c.FormValue("digest"))
	if err != nil {
		status, _, msg, expected := classify(err)
		if !expected {
			return err
		}
		title := "New filter"
		if name != "" {
			title = "Edit " + name
		}
		// The preview comes back as it was, with the port the user had chosen.
		p := views.FilterEdit{Meta: s.meta(c, title, "filters"), Name: name, XML: xml, Error: msg, ErrorTitle: refusalHeading(err),
			Base: c.FormValue("base"), Digest: c.FormValue("digest"),
			Preview: s.formPreviewPanel(c, xml, editorPreviewTitle, editorPreviewIntro)}
		var ce *errEditConflict
		if errors.As(err, &ce) && !ce.gone {
			// Show what changed meanwhile; saving again now replaces the current version.
			p.Conflict, p.Base, p.Digest = textDiff(p.Base, ce.current), ce.current, xmlDigest(ce.current)
		}
		return s.renderStatus(c, status, views.FilterEditView(p))
	}
	return c.Redirect(http.StatusSeeOther, "/filters/"+url.PathEscape(defined)+"?done="+url.QueryEscape("Filter "+defined+" defined."))
}

// refusalHeading says, above the message, where a save stopped: at our own checks (nothing
// was sent to libvirt), at libvirt, or at a libvirt that did not answer.
func refusalHeading(err error) string {
	var ce *errEditConflict
	switch {
	case errors.As(err, &ce) && ce.gone:
		return "Deleted meanwhile"
	case errors.As(err, new(*fieldError)), errors.As(err, new(errStore)), errors.As(err, new(*echo.HTTPError)):
		return "Not sent to libvirt"
	case errors.Is(err, libvirtx.ErrUnreachable), errors.Is(err, context.DeadlineExceeded):
		return "No answer from libvirt: nothing was defined"
	case errors.As(err, new(*libvirtx.Error)):
		return "libvirt refused it"
	}
	return "Not defined"
}

// defineFilter checks the XML names the filter it is saved as (want, when not empty), then
// defines it, audited. Saved over an existing filter (want set), XML without a <uuid> gets the
// filter's own, so that it is redefined in place as people expect; a new filter (want empty)
// must not take the name of an existing one. expect, when not empty, is the digest of the
// version the edit started from (or anyVersion): a filter changed since is not overwritten
// (errEditConflict, see edit_conflict.go).
func (s *Server) defineFilter(c echo.Context, want, xml, expect string) (string, error) {
	if strings.TrimSpace(xml) == "" {
		return "", badField("xml", "the filter XML is empty")
	}
	if err := checkFilterXML(xml); err != nil {
		return "", err
	}
	sum, err := nwfilter.Summarize(xml)
	if err != nil {
		return "", badField("xml", "%v", err)
	}
	if sum.Name == "" {
		return "", badField("name", "the filter has no name attribute")
	}
	if err := validFilterName("name", sum.Name); err != nil {
		return "", err
	}
	if want != "" && sum.Name != want {
		return "", badField("name", "the XML defines filter %q, not %q: rename it in a new filter instead", sum.Name, want)
	}
	// From the version check to the define, no other save of this server comes in between.
	s.filterMu.Lock()
	defer s.filterMu.Unlock()
	ctx, cancel := s.ctx(c)
	existing, err := s.lv.FilterXML(ctx, sum.Name)
	cancel()
	if err := checkVersion(sum.Name, expect, existing, err); err != nil {
		return "", err
	}
	current := existing
	if err != nil {
		current = ""
	}
	switch {
	case err == nil && want == "":
		return "", &fieldError{Field: "name", Status: http.StatusConflict,
			Msg: fmt.Sprintf("a filter named %q already exists: edit it, or choose another name", sum.Name)}
	case err == nil && sum.UUID == "":
		old, serr := nwfilter.Summarize(existing)
		if serr == nil && old.UUID != "" {
			if xml, err = nwfilter.WithUUID(xml, old.UUID); err != nil {
				return "", badField("xml", "%v", err)
			}
		}
	}
	// The text libvirt prints of a filter, defined again, would change it in places (a chain
	// priority of 0, an ipset): send what keeps the filter as the text describes it.
	xml, notes, kerr := nwfilter.KeepState(xml, current)
	if kerr != nil {
		return "", badField("xml", "%v", kerr)
	}
	for _, n := range notes {
		s.log.Info("defining filter", "filter", sum.Name, "adjusted", n)
	}
	// Any other failure to read it (libvirt unreachable) is left to apply, which records the
	// attempt as failed.
	err = s.apply(c, change{action: actFilterDefine, target: sum.Name,
		before: func(ctx context.Context) (string, error) { return s.lv.FilterXML(ctx, sum.Name) },
		do: func(ctx context.Context) (string, error) {
			if _, err := s.lv.DefineFilter(ctx, xml); err != nil {
				return "", err
			}
			return s.lv.FilterXML(ctx, sum.Name)
		}})
	return sum.Name, err
}
