package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nwfilter-web/nwfilter-web/store"
	"github.com/nwfilter-web/nwfilter-web/web"
)

// checkOutsidePeriodically records changes made outside nwfilter-web every interval (never when
// interval is 0) until ctx ends. A libvirt that cannot be reached is logged once per outage.
func checkOutsidePeriodically(ctx context.Context, srv *web.Server, interval time.Duration, log *slog.Logger) {
	if interval <= 0 {
		return
	}
	// The first check waits a little for the libvirt connection, which comes up beside it.
	select {
	case <-ctx.Done():
		return
	case <-time.After(min(interval, 5*time.Second)):
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	failing := false
	for {
		if err := srv.CheckOutside(ctx); err != nil {
			if !failing && ctx.Err() == nil {
				log.Warn("checking for changes made outside nwfilter-web", "err", err)
			}
			failing = true
		} else {
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retentionEvery is how often entries past the retention are archived.
const retentionEvery = 24 * time.Hour

// archivePeriodically archives the entries older than retain into dir, a calendar month at a
// time (so one file holds a month, not a day), looking at start and then daily (never when
// retain is 0). Entries are kept at least retain, at most a month longer.
func archivePeriodically(ctx context.Context, st *store.Store, retain time.Duration, dir string, log *slog.Logger) {
	if retain <= 0 {
		return
	}
	for {
		before := monthStart(time.Now().Add(-retain))
		path := filepath.Join(dir, archiveFileName(before))
		res, err := st.ArchiveBefore(ctx, before, path)
		switch {
		case err != nil:
			log.Error("archiving old audit entries", "before", before, "err", err)
		case res.Rows > 0:
			log.Info("archived old audit entries", "rows", res.Rows, "to", res.Path, "first", res.FirstID, "last", res.LastID)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retentionEvery):
		}
	}
}

// monthStart is the first instant of t's month, in UTC.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// archiveFileName names an archive after the time its entries precede.
func archiveFileName(before time.Time) string {
	return "nwfilter-web-audit-before-" + before.UTC().Format("20060102T150405Z") + ".db"
}

// parseRetention reads a retention like 365d, 52w or Go's 8760h; 0 means keep everything.
func parseRetention(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" || v == "0" {
		return 0, nil
	}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil || f <= 0 {
				return 0, fmt.Errorf("%q is not a duration like 365d", v)
			}
			return time.Duration(f * float64(unit)), nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 365d, 26w or 8760h", v)
	}
	return d, nil
}
