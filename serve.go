package main

import (
	"context"
	"crypto/tls"
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
	TLSCert string
	TLSKey  string

	// The audit history (issue 5): how often to look for changes made outside nwfilter-web,
	// and how long to keep entries before archiving them (0: for ever) and where to.
	CheckInterval time.Duration
	Retain        time.Duration
	ArchiveDir    string
}

const (
	helpListen  = "serve on `ADDR` (host:port)"
	helpConnect = "libvirt `URI` (default $LIBVIRT_DEFAULT_URI, else qemu:///system)"
	helpDB      = "SQLite database `FILE`, created on first run"
	helpTLSCert = "serve HTTPS with this PEM certificate (chain) `FILE`; needs --tls-key"
	helpTLSKey  = "the PEM private key `FILE` of --tls-cert"

	helpCheckInterval = "look for filters and NICs changed outside nwfilter-web (virsh, other tools) every `DURATION` and record them in the history; 0 disables the check (pages still notice such changes when they read them)"
	helpRetain        = "archive history entries older than this `AGE` (e.g. 365d, 26w, 8760h) into a file of their own, checked daily; 0 keeps everything here"
	helpArchiveDir    = "write the archive files of --retain into `DIR` (default: the database's directory)"
)

func parseServeFlags(args []string, stdout, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serveConfig{}
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", helpListen)
	fs.StringVar(&cfg.Connect, "connect", defaultURI(), helpConnect)
	fs.StringVar(&cfg.DB, "db", defaultDBPath(), helpDB)
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", helpTLSCert)
	fs.StringVar(&cfg.TLSKey, "tls-key", "", helpTLSKey)
	fs.DurationVar(&cfg.CheckInterval, "check-interval", time.Minute, helpCheckInterval)
	fs.Func("retain", helpRetain, func(v string) (err error) {
		cfg.Retain, err = parseRetention(v)
		return err
	})
	fs.StringVar(&cfg.ArchiveDir, "archive-dir", "", helpArchiveDir)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nwfilter-web serve [--listen ADDR] [--connect URI] [--db FILE] [--tls-cert FILE --tls-key FILE]\n"+
			"                         [--check-interval DURATION] [--retain AGE] [--archive-dir DIR]\n\n"+
			"Serve the web GUI and the JSON API.\n\n")
		printFlags(fs)
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageError{fmt.Sprintf("serve: unexpected argument %q", fs.Arg(0))}
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return cfg, usageError{"serve: --tls-cert and --tls-key go together"}
	}
	if cfg.CheckInterval < 0 {
		return cfg, usageError{"serve: --check-interval must not be negative"}
	}
	if cfg.ArchiveDir == "" {
		cfg.ArchiveDir = filepath.Dir(cfg.DB)
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

	useTLS := cfg.TLSCert != ""
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	insecure := !useTLS && !loopbackAddr(ln.Addr())
	if insecure {
		fmt.Fprintf(stderr, "\n*** WARNING: serving on %s, a network address, WITHOUT TLS. ***\n"+
			"*** Passwords, session cookies and API tokens cross the network in clear text. ***\n"+
			"*** Use --tls-cert and --tls-key, or --listen 127.0.0.1:PORT behind a TLS proxy. ***\n\n", ln.Addr())
	}
	if n, err := st.CountUsers(ctx); err == nil && n == 0 {
		fmt.Fprintln(stderr, "No account exists yet: open the first-run page from this host, or run 'nwfilter-web user add NAME --role admin'.")
	}
	handler := web.New(web.Deps{Libvirt: lv, Store: st, Accounts: st, Log: log, TLS: useTLS, Insecure: insecure})
	go checkOutsidePeriodically(ctx, handler, cfg.CheckInterval, log)
	go archivePeriodically(ctx, st, cfg.Retain, cfg.ArchiveDir, log)
	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	log.Info("serving", "url", scheme+"://"+ln.Addr().String(), "libvirt", cfg.Connect, "db", st.Path())
	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
			return
		}
		errc <- srv.Serve(ln)
	}()
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

// loopbackAddr reports whether a listener only takes connections from this host.
func loopbackAddr(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
