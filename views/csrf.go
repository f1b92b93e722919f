package views

import (
	"context"
	"encoding/json"
)

type csrfKey struct{}

// CSRFHeader is the header HTMX requests carry the CSRF token in (set on <body> by the layout).
const CSRFHeader = "X-CSRF-Token"

// CSRFFieldName is the hidden form field that carries the CSRF token.
const CSRFFieldName = "csrf_token"

// WithCSRF returns ctx carrying the request's CSRF token, for CSRFField and the layout.
func WithCSRF(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

// CSRFToken is the token WithCSRF put in ctx ("" when none).
func CSRFToken(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey{}).(string)
	return t
}

// csrfHeaders is the hx-headers value that makes every HTMX request carry the token.
func csrfHeaders(ctx context.Context) string {
	b, _ := json.Marshal(map[string]string{CSRFHeader: CSRFToken(ctx)})
	return string(b)
}
