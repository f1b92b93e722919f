package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

func serve(ctx context.Context, cfg serveConfig, stderr io.Writer) error {
	return fmt.Errorf("serve: not implemented yet")
}
