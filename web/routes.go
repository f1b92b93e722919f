package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes is the one route table.
func (s *Server) routes(e *echo.Echo) {
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit("2M"))

	// Static files, content-hashed and cached for long.
	e.GET("/static/:file", s.serveStatic)

	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/filters") })

	// Filters: list, XML beside chains, editor, delete.
	e.GET("/filters", s.listFilters)
	e.GET("/filters/new", s.newFilter)
	e.POST("/filters", s.createFilter)
	e.GET("/filters/:name", s.showFilter)
	e.GET("/filters/:name/chains", s.showChains)
	e.GET("/filters/:name/edit", s.editFilter)
	e.POST("/filters/:name", s.updateFilter)
	e.GET("/filters/:name/delete", s.confirmDeleteFilter)
	e.POST("/filters/:name/delete", s.deleteFilter)

	// Virtual machines: NIC filterrefs, start and stop.
	e.GET("/domains", s.listDomains)
	e.POST("/domains/:name/interfaces/:mac/filterref", s.setNICFilter)
	e.POST("/domains/:name/interfaces/:mac/filterref/delete", s.clearNICFilter)
	e.POST("/domains/:name/start", s.startDomain)
	e.POST("/domains/:name/stop", s.stopDomain)

	// Bindings.
	e.GET("/bindings", s.listBindings)
	e.POST("/bindings", s.createBinding)
	e.POST("/bindings/:dev/delete", s.deleteBinding)

	// Audit history (issue 5): the filtered history, one entry with its diff, rollback with a
	// preview, export, the chain's status, and the timelines of a filter and of a VM.
	e.GET("/audit", s.listAudit)
	e.GET("/audit/export", s.exportAudit)
	e.GET("/audit/chain", s.showChain)
	e.POST("/audit/verify", s.verifyChain)
	e.GET("/audit/:id", s.showAuditEntry)
	e.GET("/audit/:id/rollback", s.previewRollback)
	e.POST("/audit/:id/rollback", s.doRollback)
	e.GET("/filters/:name/history", s.filterTimeline)
	e.GET("/domains/:name/history", s.domainTimeline)

	// JSON API for scripts and tests.
	api := e.Group("/api/v1")
	api.GET("/filters", s.apiListFilters)
	api.GET("/filters/:name", s.apiGetFilter)
	api.PUT("/filters/:name", s.apiPutFilter)
	api.DELETE("/filters/:name", s.apiDeleteFilter)
	api.GET("/filters/:name/chains", s.apiFilterChains)
	api.GET("/domains", s.apiListDomains)
	api.PUT("/domains/:name/interfaces/:mac/filterref", s.apiSetNICFilter)
	api.DELETE("/domains/:name/interfaces/:mac/filterref", s.apiClearNICFilter)
	api.POST("/domains/:name/start", s.apiStartDomain)
	api.POST("/domains/:name/stop", s.apiStopDomain)
	api.GET("/bindings", s.apiListBindings)
	api.POST("/bindings", s.apiCreateBinding)
	api.DELETE("/bindings/:dev", s.apiDeleteBinding)
	api.GET("/audit", s.apiListAudit)

	// Audit history API (issue 5).
	api.GET("/audit/export", s.exportAudit)
	api.GET("/audit/verify", s.apiVerifyChain)
	api.GET("/audit/:id", s.apiGetAuditEntry)
	api.GET("/audit/:id/rollback", s.apiRollbackPreview)
	api.POST("/audit/:id/rollback", s.apiRollback)
}
