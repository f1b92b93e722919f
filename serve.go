package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/web"
)

// serveConfig is everything `nwfilter-web serve` needs, from its flags and environment.
type serveConfig struct {
	Listen  string
	Connect string
	DB      string
}

const (
	helpListen  = "address to serve on (host:port)"
	helpConnect = "libvirt URI (default $LIBVIRT_DEFAULT_URI, else qemu:///system)"
	helpDB      = "SQLite database file, created on first run"
)

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serveConfig{}
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", helpListen)
	fs.StringVar(&cfg.Connect, "connect", defaultURI(), helpConnect)
	fs.StringVar(&cfg.DB, "db", defaultDBPath(), helpDB)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: nwfilter-web serve [--listen ADDR] [--connect URI] [--db FILE]\n\nServe the web GUI and the JSON API.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}
	return cfg, nil
}

func defaultURI() string {
	if u := os.Getenv("LIBVIRT_DEFAULT_URI"); u != "" {
		return u
	}
	return "qemu:///system"
}

// defaultDBPath is /var/lib/nwfilter-web/audit.db for root, else under the user's state dir.
func defaultDBPath() string {
	if os.Geteuid() == 0 {
		return "/var/lib/nwfilter-web/nwfilter-web.db"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "nwfilter-web", "nwfilter-web.db")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "state", "nwfilter-web", "nwfilter-web.db")
	}
	return "nwfilter-web.db"
}

// serve opens the store and the libvirt connection and serves until ctx ends. libvirtd being
// down at start is not fatal: pages say it is unreachable and the connection comes up by
// itself when the daemon does.
func serve(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, nil))
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	lv, err := libvirtx.Open(cfg.Connect)
	if err != nil {
		return err
	}
	defer lv.Close()

	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           web.New(web.Deps{Libvirt: lv, Store: st, Log: log}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "libvirt", cfg.Connect, "db", st.Path())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	return srv.Shutdown(shutdownCtx)
}
