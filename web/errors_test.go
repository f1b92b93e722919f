package web

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientGoneIsNoError: a request whose client went away (context canceled) is logged at
// debug level, not as an error; the same error on a request still being waited for is one.
func TestClientGoneIsNoError(t *testing.T) {
	var logs bytes.Buffer
	fake := newFake()
	s := New(Deps{Libvirt: fake, Store: openTestStore(t), HostTables: fakeTables,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	err := fmt.Errorf("store: reading the audit history: %w", context.Canceled)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/audit", nil).WithContext(ctx)
	s.handleError(err, s.echo.NewContext(req, httptest.NewRecorder()))
	if out := logs.String(); strings.Contains(out, "level=ERROR") || !strings.Contains(out, "level=DEBUG") {
		t.Errorf("a canceled request logged as:\n%s", out)
	}

	logs.Reset()
	s.handleError(err, s.echo.NewContext(httptest.NewRequest("GET", "/audit", nil), httptest.NewRecorder()))
	if out := logs.String(); !strings.Contains(out, "level=ERROR") {
		t.Errorf("a canceled call on a live request is not an error:\n%s", out)
	}
}
