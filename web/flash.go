package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// Flash messages. A handler that redirects after a change says what happened in the URL it
// redirects to: ?done=MSG, and ?warn=MSG for something the user should know. The GET that
// carries them moves them into a short-lived cookie and redirects to the same URL without
// them; the page shows the message and clears the cookie. So the address bar never keeps
// done=, and a reload, a bookmark or the back button does not announce the change again.
const (
	flashCookie = "nwfilter_flash"
	// flashMaxLen bounds each message (in bytes), so that the cookie stays far below 4 KB.
	flashMaxLen = 800
)

// flashKeys are the query parameters a redirect-with-flash uses.
var flashKeys = []string{"done", "warn"}

// moveFlash turns ?done= and ?warn= into the flash cookie and redirects without them.
func (s *Server) moveFlash(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodGet || isAPI(c) || !hasFlash(r.URL.Query()) {
			return next(c)
		}
		p := r.URL.EscapedPath()
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) {
			return next(c) // never a redirect to another host
		}
		q, msgs := r.URL.Query(), url.Values{}
		for _, k := range flashKeys {
			if m := q.Get(k); m != "" {
				msgs.Set(k, truncateUTF8(m, flashMaxLen))
			}
			q.Del(k)
		}
		c.SetCookie(&http.Cookie{Name: flashCookie, Value: msgs.Encode(), Path: "/", MaxAge: 60, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.secure(c)})
		if len(q) > 0 {
			p += "?" + q.Encode()
		}
		return c.Redirect(http.StatusSeeOther, p)
	}
}

func hasFlash(q url.Values) bool {
	for _, k := range flashKeys {
		if q.Has(k) {
			return true
		}
	}
	return false
}

// takeFlash reads the flash cookie, if any, and clears it: each message is shown once.
func (s *Server) takeFlash(c echo.Context) (done, warn string) {
	ck, err := c.Cookie(flashCookie)
	if err != nil {
		return "", ""
	}
	s.clearCookie(c, flashCookie)
	v, err := url.ParseQuery(ck.Value)
	if err != nil {
		return "", ""
	}
	return v.Get("done"), v.Get("warn")
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// keepURL stops htmx from pushing the URL a boosted form was posted to when the answer is a
// page rather than a redirect (a refusal beside what was typed, a token shown once): the
// address bar keeps the page the form is on, so a reload shows that page again instead of
// a GET of a POST-only path ("Method Not Allowed") or another page than the one on screen.
func keepURL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPost && r.Header.Get("HX-Boosted") == "true" {
			res := c.Response()
			res.Before(func() {
				if res.Status < 300 || res.Status >= 400 {
					res.Header().Set("HX-Push-Url", "false")
				}
			})
		}
		return next(c)
	}
}
