package web

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// apiProblem is one problem Check found.
type apiProblem struct {
	Entry   int    `json:"entry"` // index of the rule or filterref, -1 for the filter itself
	Field   string `json:"field"`
	Message string `json:"message"`
	Warning bool   `json:"warning"` // libvirt takes it, but not as written
}

// apiCheckResult is the answer of the check endpoint.
type apiCheckResult struct {
	OK       bool         `json:"ok"`  // libvirt would take the filter (warnings aside)
	XML      string       `json:"xml"` // the filter as libvirt's dumpxml would print it
	Problems []apiProblem `json:"problems"`
}

// apiCheckFilter is POST /api/v1/filters/check with filter XML as the body: what libvirt 9.0
// would say of it, field by field, without sending anything.
func (s *Server) apiCheckFilter(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return badField("xml", "reading the body: %v", err)
	}
	f, err := nwfilter.ParseFilter(string(body))
	if err != nil {
		return badField("xml", "%v", err)
	}
	ps := f.Check()
	out := apiCheckResult{OK: len(ps.Errors()) == 0, XML: f.XML(), Problems: []apiProblem{}}
	for _, p := range ps {
		out.Problems = append(out.Problems, apiProblem{Entry: p.Entry, Field: p.Field, Message: p.Msg, Warning: p.Warning})
	}
	return c.JSON(http.StatusOK, out)
}
