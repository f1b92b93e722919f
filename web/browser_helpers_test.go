package web

// Helpers for browser tests: Debian's Chromium (never a downloaded one), headless, driven by
// chromedp. Where libvirt is required (make test, CI) a missing Chromium fails the test.

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nwfilter-web/nwfilter-web/libvirtx/libvirtxtest"
)

const chromiumPath = "/usr/bin/chromium"

// browserTimeout bounds a whole browser test; steps wait for what they need well within it.
const browserTimeout = 2 * time.Minute

// newBrowser starts a headless Chromium with a fresh profile and returns a chromedp context
// for one tab, closed in t.Cleanup.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test (skipped under -short)")
	}
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if libvirtxtest.Required() {
			t.Fatalf("Chromium is required for browser tests but %s is missing (scripts/install-test-deps.sh installs it)", chromiumPath)
		}
		t.Skipf("no Chromium at %s", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1440, 1000),
		// This machine's network is closed: without these Chromium keeps trying to reach
		// Google's services.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// css selects by CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// failOnConsoleErrors watches the tab's console and returns the check to defer: it fails the
// test for every error or exception the pages wrote there meanwhile. htmx's errors (a selector
// or an out-of-band target that finds nothing) and the browser's refusals of what the CSP
// forbids show there. Deferred, the check runs before the test's server is closed, whose
// refused requests would be errors too.
func failOnConsoleErrors(t *testing.T, ctx context.Context) func() {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				errs = append(errs, m.String()+" ("+m.URL+")")
				mu.Unlock()
			}
		}
	}()
	return func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			t.Errorf("console: %s", e)
		}
		errs = nil
	}
}

// browse runs browser steps and fails the test, with a screenshot and the page's main, when
// one fails.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		browserFailed(t, ctx, what, err)
	}
}

// read runs one browser action that returns a value.
func read[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		browserFailed(t, ctx, what, err)
	}
	return v
}

func browserFailed(t *testing.T, ctx context.Context, what string, err error) {
	t.Helper()
	shotCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	path := ""
	if png, serr := chromedp.Run(shotCtx, chromedp.FullScreenshot(100)); serr == nil {
		// Outside t.TempDir, which is removed when the test ends: the screenshot is for after.
		if f, err := os.CreateTemp("", "nwfilter-web-"+strings.ReplaceAll(t.Name(), "/", "_")+"-*.png"); err == nil {
			_, _ = f.Write(png)
			f.Close()
			path = f.Name()
		}
	}
	html, _ := chromedp.Run(shotCtx, chromedp.OuterHTML(css("main")))
	t.Fatalf("%s: %v (screenshot %s)\n%s", what, err, path, html)
}
