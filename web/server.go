// Package web is nwfilter-web's HTTP server: one route table (routes.go), small handlers (one
// file per resource action), central error mapping (errors.go) and the embedded static files.
package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
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

// Accounts is what the web layer needs of the account store (store.Store implements it): users,
// browser sessions and API tokens.
type Accounts interface {
	CountUsers(ctx context.Context) (int, error)
	CreateFirstAdmin(ctx context.Context, name, password string) (store.User, error)
	Authenticate(ctx context.Context, name, password string) (store.User, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, store.Session, error)
	Session(ctx context.Context, id string, idle time.Duration) (store.Session, error)
	DeleteSession(ctx context.Context, id string) error
	TokenUser(ctx context.Context, token string) (store.User, error)

	// Managing accounts (the Users page, admins only).
	Users(ctx context.Context) ([]store.User, error)
	CreateUser(ctx context.Context, name, role, password string) (store.User, error)
	SetRole(ctx context.Context, name, role string) error
	DeleteUser(ctx context.Context, name string) error
	Tokens(ctx context.Context) ([]store.Token, error)
	CreateToken(ctx context.Context, user, name string) (store.Token, string, error)
	RevokeToken(ctx context.Context, id int64) error
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
	// Accounts checks logins, sessions and API tokens. When nil, Store is used if it is one
	// (a *store.Store is); without either every protected request fails with 503.
	Accounts Accounts
	// TLS is true when the server is reached over HTTPS: session cookies are then Secure.
	TLS bool
	// Insecure is true when bound to a non-loopback address without TLS: every page warns.
	Insecure bool
	// SessionTTL is how long a login lasts at most (default 12h); SessionIdle how long a
	// session may go unused (default 30m).
	SessionTTL, SessionIdle time.Duration
}

// Server holds the dependencies every handler uses.
type Server struct {
	lv      Libvirt
	st      AuditStore
	tables  HostTables
	log     *slog.Logger
	timeout time.Duration
	echo    *echo.Echo

	accounts Accounts
	auth     authConfig
	// roles maps "METHOD /route/:pattern" to the least role a route needs, filled by the route
	// table; public routes answer without a login (see auth.go).
	roles  map[string]string
	public map[string]bool
	logins *loginLimiter
	// filterMu makes "check the version the editor started from, then define" one step, so
	// two editors saving at once cannot both pass the check (see defineFilter).
	filterMu sync.Mutex
	audit    auditState // changes in flight, changes made outside, the chain's status
	// netDevDir lists this host's network devices (/sys/class/net), to warn of a binding on a
	// port that does not exist.
	netDevDir string
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
	if d.Accounts == nil {
		d.Accounts, _ = d.Store.(Accounts)
	}
	s := &Server{lv: coalesce(d.Libvirt), st: d.Store, tables: d.HostTables, log: d.Log, timeout: d.CallTimeout,
		accounts: d.Accounts, auth: newAuthConfig(d), roles: map[string]string{}, public: map[string]bool{},
		logins: newLoginLimiter(loginFailures, loginWindow), netDevDir: "/sys/class/net"}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The client address is the peer's: X-Forwarded-For and X-Real-IP are anyone's to write,
	// and the address decides the first-run page, the login rate limit and the audit rows.
	e.IPExtractor = echo.ExtractIPDirect()
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
