package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// exportAudit streams the filtered history (the history page's filters; everything when none)
// as CSV (?format=csv, the default) or JSON Lines (?format=jsonl), for the page's links and
// GET /api/v1/audit/export alike. Rows are read a keyset page at a time as they are written,
// so a million rows take no more memory than fifty. limit caps the number of rows.
func (s *Server) exportAudit(c echo.Context) error {
	q, _, err := auditQuery(c, 0)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	ctype, ext := "text/csv; charset=utf-8", "csv"
	switch format {
	case "", "csv":
	case "jsonl":
		ctype, ext = "application/jsonl; charset=utf-8", "jsonl"
	default:
		return badField("format", "format must be csv or jsonl, not %q", format)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, ctype)
	h.Set(echo.HeaderContentDisposition, `attachment; filename="nwfilter-web-audit-`+time.Now().UTC().Format("20060102T150405Z")+"."+ext+`"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	ctx := c.Request().Context()
	if ext == "csv" {
		_, err = s.st.ExportCSV(ctx, c.Response(), q)
	} else {
		_, err = s.st.ExportJSONL(ctx, c.Response(), q)
	}
	switch {
	case clientGone(ctx, err):
		s.log.Debug("export canceled by the client", "err", err)
	case err != nil:
		// The status line is gone: all that can be done is to stop, and to say so in the log.
		s.log.Error("exporting the audit history", "err", err)
	}
	return nil
}
