package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// Concurrent edits. The editor and GET /api/v1/filters/{name} hand out the digest of the XML
// they showed (the editor as a hidden field, the API as the ETag); a save that carries it
// (the form field, or If-Match) is refused when the filter has changed since, with what
// changed meanwhile, so that no one saves over someone else's change without seeing it.

// xmlDigest is the version of a filter, a NIC or a binding: "sha256:" and the hex SHA-256 of
// its XML as libvirt returns it ("" hashes too: the target does not exist). The editors' hidden
// field, the API's ETag and the rollback's expect_digest all carry it.
func xmlDigest(xml string) string {
	sum := sha256.Sum256([]byte(xml))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// etag is the digest as an HTTP entity tag.
func etag(xml string) string { return `"` + xmlDigest(xml) + `"` }

// anyVersion is the expected digest that only asks for the filter to exist (If-Match: *).
const anyVersion = "*"

// errEditConflict says the filter is not the version the save started from.
type errEditConflict struct {
	name    string
	current string // the XML now, "" when the filter is gone
	gone    bool
}

func (e *errEditConflict) Error() string {
	if e.gone {
		return fmt.Sprintf("filter %s was deleted since you started editing it: nothing was saved", e.name)
	}
	return fmt.Sprintf("filter %s was changed by someone else since you started editing it: nothing was saved. "+
		"Review what changed, then save again to replace it", e.name)
}

// checkVersion compares the filter as it is (xml, or err from reading it) with the expected
// digest ("" to skip the check).
func checkVersion(name, expect, xml string, readErr error) error {
	switch {
	case expect == "":
		return nil
	case errors.Is(readErr, libvirtx.ErrNoFilter):
		return &errEditConflict{name: name, gone: true}
	case readErr != nil:
		// The version cannot be checked (libvirt unreachable): refuse rather than risk
		// saving over a change.
		return readErr
	case expect != anyVersion && expect != xmlDigest(xml):
		return &errEditConflict{name: name, current: xml}
	}
	return nil
}

// ifMatch reads the version an API request expects from If-Match: "" when absent, "*", or
// the first entity tag's digest.
func ifMatch(c echo.Context) string {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" || h == "*" {
		return h
	}
	tag, _, _ := strings.Cut(h, ",")
	tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
	return strings.Trim(tag, `"`)
}

// apiConflict is the 412 answer of a PUT whose If-Match is out of date: the current ETag and
// XML, and a diff from the version the client had (found in the history) to the current one.
type apiConflict struct {
	Error   string `json:"error"`
	Field   string `json:"field"`
	ETag    string `json:"etag,omitempty"`
	Current string `json:"current,omitempty"`
	Diff    string `json:"diff,omitempty"`
}

func (s *Server) apiEditConflict(c echo.Context, ce *errEditConflict, expect, sent string) error {
	out := apiConflict{Error: ce.Error(), Field: "version", Current: ce.current}
	if !ce.gone {
		out.ETag = etag(ce.current)
		base, ok := s.knownVersion(c.Request().Context(), ce.name, expect)
		if !ok {
			base = sent // the client's version is not in the history: show theirs against the current one
		}
		out.Diff = textDiff(base, ce.current)
	}
	return c.JSON(http.StatusPreconditionFailed, out)
}

// knownVersion looks for the XML with this digest among the filter's recent changes.
func (s *Server) knownVersion(ctx context.Context, name, digest string) (string, bool) {
	es, err := s.st.AuditEntries(ctx, store.AuditQuery{Target: name, Limit: 200})
	if err != nil {
		return "", false
	}
	for _, e := range es {
		for _, x := range []string{e.After, e.Before} {
			if x != "" && xmlDigest(x) == digest {
				return x, true
			}
		}
	}
	return "", false
}

// textDiff is a line diff from a to b as text ("- " removed, "+ " added, "  " kept).
func textDiff(a, b string) string { return nwfilter.FormatDiff(nwfilter.Diff(a, b)) }
