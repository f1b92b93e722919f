package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// routes is the one route table.
func (s *Server) routes(e *echo.Echo) {
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(s.securityHeaders)
	e.Use(middleware.BodyLimit("2M"))
	e.Use(unescapeParams)
	// Who is asking (session or API token), then CSRF, then what their role allows. Routes
	// are viewer-only when they read and admin-only when they change something, unless
	// s.allow below says otherwise; only s.publicRoutes answer without a login.
	e.Use(s.authenticate, s.checkCSRF, s.authorize)
	// Names in the URL are checked as libvirt would before any handler runs (validate.go).
	e.Use(checkRouteParams)
	// What a redirect after a change says (?done=, ?warn=) is shown once, not kept in the URL.
	e.Use(s.moveFlash, keepURL)

	// Static files, content-hashed and cached for long.
	s.publicRoutes(e.GET("/static/:file", s.serveStatic))

	// Accounts (issue 6): log in and out, and the first-run page that creates the first
	// admin (from this host only, while no account exists).
	s.publicRoutes(
		e.GET("/login", s.showLogin),
		e.POST("/login", s.login),
		e.GET("/setup", s.showSetup),
		e.POST("/setup", s.setup),
	)
	s.allow(store.RoleViewer, e.POST("/logout", s.logout))
	// Users and API tokens: admins only, the list too (it names every account).
	s.allow(store.RoleAdmin,
		e.GET("/users", s.listUsers),
		e.POST("/users", s.createUser),
		e.POST("/users/:user/role", s.setUserRole),
		e.POST("/users/:user/delete", s.deleteUser),
		e.POST("/tokens", s.createToken),
		e.POST("/tokens/:id/revoke", s.revokeToken),
	)

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

	// Rule composer: a new, cloned or existing filter as forms, checked as the
	// user types, its chains in the preview panel, defined through the same audited path as
	// the XML editor.
	// Checking and reshaping the forms change nothing: viewers may compose; defining is an
	// admin's, like the editor's.
	e.GET("/composer", s.newComposer)
	e.GET("/composer/:name", s.editComposer)
	e.GET("/composer/:name/clone", s.cloneComposer)
	s.allow(store.RoleViewer,
		e.POST("/composer/check", s.checkComposer),
		e.POST("/composer/update", s.updateComposer),
		e.POST("/composer/preview", s.previewComposer), // composerPreviewEndpoint
	)
	e.POST("/composer/define", s.defineComposer)

	// The parameters part of the NIC and binding forms, for the filter just chosen: the
	// variables of its tree as fields.
	e.GET("/filterref-params", s.showParamsBlock)

	// Virtual machines: NIC filterrefs, start and stop (asked first: it pulls the plug).
	e.GET("/domains", s.listDomains)
	s.allow(store.RoleOperator,
		e.POST("/domains/:name/interfaces/:mac/filterref", s.setNICFilter),
		e.POST("/domains/:name/interfaces/:mac/filterref/delete", s.clearNICFilter),
		e.POST("/domains/:name/start", s.startDomain),
		e.GET("/domains/:name/stop", s.confirmStopDomain),
		e.POST("/domains/:name/stop", s.stopDomain),
	)

	// Bindings: list, create, delete (asked first: a VM's port loses its filter).
	e.GET("/bindings", s.listBindings)
	s.allow(store.RoleOperator,
		e.POST("/bindings", s.createBinding),
		e.GET("/bindings/:dev/delete", s.confirmDeleteBinding),
		e.POST("/bindings/:dev/delete", s.deleteBinding),
	)

	// Audit history (issue 5): the filtered history, one entry with its diff, rollback with a
	// preview, export, the chain's status, and the timelines of a filter and of a VM.
	e.GET("/audit", s.listAudit)
	e.GET("/audit/export", s.exportAudit)
	e.GET("/audit/chain", s.showChain)
	s.allow(store.RoleViewer, e.POST("/audit/verify", s.verifyChain)) // reads, changes nothing
	e.GET("/audit/:id", s.showAuditEntry)
	e.GET("/audit/:id/rollback", s.previewRollback)
	e.POST("/audit/:id/rollback", s.doRollback)
	e.GET("/filters/:name/history", s.filterTimeline)
	e.GET("/domains/:name/history", s.domainTimeline)

	// Preview: the chains libvirt would make of filter XML on a port, as the editor's text
	// changes (a fragment for views.PreviewPanelView; nothing is defined, the host untouched).
	e.POST("/preview", s.previewFragment) // views.PreviewEndpoint

	// JSON API for scripts and tests.
	api := e.Group("/api/v1")
	api.GET("/filters", s.apiListFilters)
	api.GET("/filters/:name", s.apiGetFilter)
	api.PUT("/filters/:name", s.apiPutFilter)
	api.DELETE("/filters/:name", s.apiDeleteFilter)
	api.GET("/filters/:name/chains", s.apiFilterChains)
	// The composer's checks, for scripts: nothing is sent to libvirt.
	s.allow(store.RoleViewer, api.POST("/filters/check", s.apiCheckFilter))
	api.GET("/domains", s.apiListDomains)
	s.allow(store.RoleOperator,
		api.PUT("/domains/:name/interfaces/:mac/filterref", s.apiSetNICFilter),
		api.DELETE("/domains/:name/interfaces/:mac/filterref", s.apiClearNICFilter),
		api.POST("/domains/:name/start", s.apiStartDomain),
		api.POST("/domains/:name/stop", s.apiStopDomain),
	)
	api.GET("/bindings", s.apiListBindings)
	s.allow(store.RoleOperator,
		api.POST("/bindings", s.apiCreateBinding),
		api.DELETE("/bindings/:dev", s.apiDeleteBinding),
	)
	api.GET("/audit", s.apiListAudit)

	// JSON API: preview of filter XML on a port (XML body and ?dev=&mac=&param=, or JSON).
	api.POST("/preview", s.apiPreviewFilter)

	// Audit history API (issue 5).
	api.GET("/audit/export", s.exportAudit)
	api.GET("/audit/verify", s.apiVerifyChain)
	api.GET("/audit/:id", s.apiGetAuditEntry)
	api.GET("/audit/:id/rollback", s.apiRollbackPreview)
	api.POST("/audit/:id/rollback", s.apiRollback)
}
