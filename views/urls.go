package views

import (
	"net/url"
	"strings"

	"github.com/a-h/templ"
)

// path joins URL path segments, each escaped, so that a name with '/', '?', '#', '%' or '..' in
// it (libvirt accepts nearly anything in a filter name) stays one segment of the URL and never
// points somewhere else.
func path(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// safePath is path for href and action attributes.
func safePath(segments ...string) templ.SafeURL { return templ.SafeURL(path(segments...)) }
