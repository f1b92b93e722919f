package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// Cookies. The session cookie holds the session ID (the store keeps only its hash); the
// pre-login cookie holds the CSRF token of the login and first-run forms, which have no
// session yet (a double-submit token).
const (
	sessionCookie  = "nwfilter_session"
	preLoginCookie = "nwfilter_csrf"
)

// Keys of what the auth middleware puts in the echo context. "user" is what actor() reads.
const (
	ctxUser     = "user"
	ctxRole     = "role"
	ctxAuthKind = "auth" // "session" or "token"
	ctxSession  = "session_id"
)

// authConfig is the fixed part of authentication, from Deps.
type authConfig struct {
	tls         bool
	insecure    bool
	sessionTTL  time.Duration
	sessionIdle time.Duration
	// cop refuses cross-origin state-changing browser requests (Sec-Fetch-Site, Origin): the
	// second layer of CSRF protection, in front of the per-session token.
	cop *http.CrossOriginProtection
}

func newAuthConfig(d Deps) authConfig {
	a := authConfig{tls: d.TLS, insecure: d.Insecure, sessionTTL: d.SessionTTL, sessionIdle: d.SessionIdle,
		cop: http.NewCrossOriginProtection()}
	if a.sessionTTL == 0 {
		a.sessionTTL = 12 * time.Hour
	}
	if a.sessionIdle == 0 {
		a.sessionIdle = 30 * time.Minute
	}
	return a
}

// publicRoutes marks routes that answer without a login (the login and first-run pages and the
// static files). Everything else needs a session or an API token.
func (s *Server) publicRoutes(rs ...*echo.Route) {
	for _, r := range rs {
		s.public[r.Path] = true
	}
}

// allow sets the least role the routes need. Routes not listed need viewer when they only read
// (GET, HEAD) and admin when they change something, so a new mutation is admin-only until
// its route says otherwise.
func (s *Server) allow(role string, rs ...*echo.Route) {
	for _, r := range rs {
		s.roles[r.Method+" "+r.Path] = role
	}
}

func (s *Server) neededRole(c echo.Context) string {
	if r, ok := s.roles[c.Request().Method+" "+c.Path()]; ok {
		return r
	}
	if isSafeMethod(c.Request().Method) {
		return store.RoleViewer
	}
	return store.RoleAdmin
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// securityHeaders go on every answer: no script but our own files (htmx is told not to inject
// its indicator style and not to eval), no framing, no MIME sniffing, no referrer to other sites.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.secure(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// unescapeParams makes route parameters the names they stand for. Echo routes on the raw path
// when it has escapes of its own (a %2F in a filter name) and then hands the parameters over
// still escaped; without this, "a%2Fb" and "a/b" would be two names for one filter.
func unescapeParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().URL.RawPath != "" {
			vals := c.ParamValues()
			out := make([]string, len(vals))
			for i, v := range vals {
				u, err := url.PathUnescape(v)
				if err != nil {
					return badField("path", "the URL path is not validly escaped")
				}
				out[i] = u
			}
			c.SetParamValues(out...)
		}
		return next(c)
	}
}

// authenticate finds who is asking: an API token (Authorization: Bearer) or a session cookie.
// Without either, only public routes answer: pages redirect to the login page, the API says 401.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		public := s.public[c.Path()]
		if s.accounts == nil {
			if public {
				return next(c)
			}
			return echo.NewHTTPError(http.StatusServiceUnavailable, "the server has no account store, so nobody can log in")
		}
		ctx := c.Request().Context()
		if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				return unauthorized(c, "the Authorization header must be \"Bearer TOKEN\"")
			}
			u, err := s.accounts.TokenUser(ctx, strings.TrimSpace(token))
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrTokenRevoked) {
				return unauthorized(c, "the API token is unknown or revoked")
			}
			if err != nil {
				return err
			}
			s.setUser(c, u, "token", "", "")
			return next(c)
		}
		if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
			sess, err := s.accounts.Session(ctx, ck.Value, s.auth.sessionIdle)
			switch {
			case err == nil:
				s.setUser(c, sess.User, "session", ck.Value, sess.CSRF)
				return next(c)
			case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrSessionExpired):
				s.clearCookie(c, sessionCookie)
			default:
				return err
			}
		}
		if public {
			s.preLoginCSRF(c)
			return next(c)
		}
		return s.needLogin(c)
	}
}

func (s *Server) setUser(c echo.Context, u store.User, kind, sessionID, csrf string) {
	c.Set(ctxUser, u.Name)
	c.Set(ctxRole, u.Role)
	c.Set(ctxAuthKind, kind)
	c.SetRequest(c.Request().WithContext(views.WithRole(c.Request().Context(), u.Role)))
	if sessionID != "" {
		c.Set(ctxSession, sessionID)
	}
	if csrf != "" {
		c.SetRequest(c.Request().WithContext(views.WithCSRF(c.Request().Context(), csrf)))
	}
}

// currentUser is who is logged in, "" for nobody.
func currentUser(c echo.Context) (name, role string) {
	name, _ = c.Get(ctxUser).(string)
	role, _ = c.Get(ctxRole).(string)
	return name, role
}

func unauthorized(c echo.Context, msg string) error {
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="nwfilter-web"`)
	return echo.NewHTTPError(http.StatusUnauthorized, msg)
}

// needLogin answers a request without a login: 401 for the API, the login page for the rest.
func (s *Server) needLogin(c echo.Context) error {
	if isAPI(c) {
		return unauthorized(c, "log in first: send an API token as \"Authorization: Bearer TOKEN\" (nwfilter-web token create)")
	}
	to := "/login"
	if r := c.Request(); r.Method == http.MethodGet && !isFragment(c) {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", to)
		return echo.NewHTTPError(http.StatusUnauthorized, "your session has ended: log in again")
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// preLoginCSRF gives an anonymous browser its CSRF token for the login and first-run forms.
func (s *Server) preLoginCSRF(c echo.Context) {
	tok := ""
	if ck, err := c.Cookie(preLoginCookie); err == nil && len(ck.Value) >= 32 {
		tok = ck.Value
	} else if t, err := randomID(); err == nil {
		tok = t
		c.SetCookie(&http.Cookie{Name: preLoginCookie, Value: tok, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.secure(c), MaxAge: 3600})
	}
	c.SetRequest(c.Request().WithContext(views.WithCSRF(c.Request().Context(), tok)))
}

// checkCSRF refuses a state-changing browser request that comes from another site or lacks its
// session's CSRF token (hidden form field, or the X-CSRF-Token header HTMX sends). Requests
// with an API token carry no cookie a browser would add by itself and need no CSRF token.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if isSafeMethod(r.Method) {
			return next(c)
		}
		if err := s.auth.cop.Check(r); err != nil {
			return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused: "+err.Error())
		}
		if kind, _ := c.Get(ctxAuthKind).(string); kind == "token" {
			return next(c)
		}
		want := views.CSRFToken(r.Context())
		// The header (HTMX) or the hidden field (every form) must carry it; either will do,
		// since a page swapped in by HTMX keeps the <body> of an earlier one.
		same := func(got string) bool { return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 }
		if want == "" || !same(r.Header.Get(views.CSRFHeader)) && !same(c.FormValue(views.CSRFFieldName)) {
			return echo.NewHTTPError(http.StatusForbidden, "the request's CSRF token is missing or wrong: reload the page and try again")
		}
		return next(c)
	}
}

// authorize refuses what the user's role does not allow.
func (s *Server) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.public[c.Path()] {
			return next(c)
		}
		need := s.neededRole(c)
		_, role := currentUser(c)
		if store.RoleRank(role) < store.RoleRank(need) {
			return echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("your role (%s) may not do this: it needs %s", role, need))
		}
		return next(c)
	}
}

func (s *Server) secure(c echo.Context) bool { return s.auth.tls || c.Request().TLS != nil }

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: s.secure(c), MaxAge: -1})
}

// isLoopback reports whether the request comes from this host (the peer address, never a
// forwarded-for header).
func isLoopback(c echo.Context) bool {
	ip := net.ParseIP(c.RealIP())
	return ip != nil && ip.IsLoopback()
}
