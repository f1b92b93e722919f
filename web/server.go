// Package web is nwfilter-web's HTTP server: one route table (routes.go), small handlers (one
// file per resource action), central error mapping (errors.go) and the embedded static files.
package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// Libvirt is what the web layer needs of a libvirt connection (libvirtx.Conn implements it).
type Libvirt interface {
	URI() string
	Local() bool
	Version(ctx context.Context) (string, error)
	Filters(ctx context.Context) ([]libvirtx.Filter, error)
	FilterXML(ctx context.Context, name string) (string, error)
	DefineFilter(ctx context.Context, xml string) (string, error)
	UndefineFilter(ctx context.Context, name string) error
	Domains(ctx context.Context) ([]libvirtx.Domain, error)
	SetFilterRef(ctx context.Context, domain, mac string, ref *libvirtx.FilterRef) (before, after string, err error)
	StartDomain(ctx context.Context, name string) error
	StopDomain(ctx context.Context, name string) error
	InterfaceXML(ctx context.Context, domain, mac string) (string, error)
	Bindings(ctx context.Context) ([]libvirtx.Binding, error)
	BindingXML(ctx context.Context, portdev string) (string, error)
	CreateBinding(ctx context.Context, b libvirtx.Binding) (string, error)
	DeleteBinding(ctx context.Context, portdev string) error
	// InterfacesXML is every NIC's XML by "domain/mac", for noticing changes made outside.
	InterfacesXML(ctx context.Context) (map[string]string, error)
}

// AuditStore is what the web layer needs of the store.
type AuditStore interface {
	BeginAudit(ctx context.Context, e store.AuditEntry) (int64, error)
	FinishAudit(ctx context.Context, id int64, result, after, errMsg string, d time.Duration) error
	AuditEntries(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error)

	// The history people can rely on (issue 5): entries and timelines, the baseline for
	// changes made outside, tamper evidence and export.
	AuditEntry(ctx context.Context, id int64) (store.AuditEntry, error)
	Timeline(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error)
	LastKnown(ctx context.Context, target string) (string, error)
	LastKnownAll(ctx context.Context) (map[string]string, error)
	BaselineLastKnown(ctx context.Context, seen map[string]string) error
	RecordOutsideChange(ctx context.Context, e store.AuditEntry) (int64, error)
	VerifyChain(ctx context.Context) (store.VerifyResult, error)
	ExportCSV(ctx context.Context, w io.Writer, q store.AuditQuery) (int, error)
	ExportJSONL(ctx context.Context, w io.Writer, q store.AuditQuery) (int, error)
}

// HostTables reads the host's firewall (libvirtx.ReadHostTables in production).
type HostTables func(ctx context.Context) (libvirtx.HostTables, error)

// Deps are the server's dependencies, built by main.
type Deps struct {
	Libvirt    Libvirt
	Store      AuditStore
	HostTables HostTables
	Log        *slog.Logger
	// CallTimeout bounds each libvirt call made for a request (default 10s).
	CallTimeout time.Duration
}

// Server holds the dependencies every handler uses.
type Server struct {
	lv      Libvirt
	st      AuditStore
	tables  HostTables
	log     *slog.Logger
	timeout time.Duration
	echo    *echo.Echo
	audit   auditState // changes in flight, changes made outside, the chain's status
}

// New builds the server and its route table.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.CallTimeout == 0 {
		d.CallTimeout = 10 * time.Second
	}
	if d.HostTables == nil {
		d.HostTables = libvirtx.ReadHostTables
	}
	s := &Server{lv: d.Libvirt, st: d.Store, tables: d.HostTables, log: d.Log, timeout: d.CallTimeout}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.routes(e)
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// ctx is the request's context bounded by the libvirt call timeout.
func (s *Server) ctx(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), s.timeout)
}
