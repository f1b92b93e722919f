package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nwfilter-web/nwfilter-web/store"
)

const auditUsage = `Usage: nwfilter-web audit COMMAND [OPTIONS]

Check and maintain the audit history.

Commands:
  verify     check the hash chain over every entry; reports the first broken link and exits 1
  archive    move the entries older than a date into an archive file that verifies on its own

Run 'nwfilter-web audit COMMAND --help' for a command's options.
`

const (
	helpAuditDB     = "SQLite database `FILE` of nwfilter-web serve"
	helpAuditBefore = "archive the entries that started before this `DATE`: YYYY-MM-DD or RFC 3339 (UTC), or an age like 365d"
	helpAuditTo     = "the archive `FILE` to write (must not exist)"
)

// runAudit is `nwfilter-web audit ...`.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) == 0 {
			fmt.Fprint(stderr, auditUsage)
			return usageError{"audit: a command is needed"}
		}
		fmt.Fprint(stdout, auditUsage)
		return nil
	}
	switch args[0] {
	case "verify":
		return runAuditVerify(ctx, args[1:], stdout, stderr)
	case "archive":
		return runAuditArchive(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprint(stderr, auditUsage)
		return usageError{fmt.Sprintf("audit: unknown command %q", args[0])}
	}
}

// openExisting opens a database that must exist already (Open would create it).
func openExisting(ctx context.Context, path string) (*store.Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no database at %s (serve creates it, or user add; give another with --db): %w", path, errors.Unwrap(err))
	}
	return store.Open(ctx, path)
}

func runAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDBPath(), helpAuditDB)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nwfilter-web audit verify [--db FILE]\n\n"+
			"Recompute the hash chain over every entry of the audit history and report the first broken\n"+
			"link (an entry edited, deleted or added behind nwfilter-web's back). Exits 0 when the chain\n"+
			"holds, 1 when it is broken. When older entries were archived, the chain starts from the\n"+
			"archive's last hash, and the archive file is verified too when it is where it was written.\n\n")
		printFlags(fs)
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("audit verify: unexpected argument %q", fs.Arg(0))}
	}
	res, err := verifyFile(ctx, *db)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if !res.OK {
		return chainBroken(*db, res)
	}
	fmt.Fprintf(stdout, "Audit chain of %s verified: %s, %s.\nHead: %s\n", *db, plural(res.Rows, "entry", "entries"), plural(res.Events, "event", "events"), res.Head)
	if res.AnchorSeq == 0 {
		return nil
	}
	fmt.Fprintf(stdout, "It starts from the archive anchor after event %d (%s): %s archived to %s.\n",
		res.AnchorSeq, res.AnchorHash, plural(res.ArchivedRows, "older entry was", "older entries were"), res.ArchivePath)
	if _, err := os.Stat(res.ArchivePath); err != nil {
		fmt.Fprintf(stdout, "The archive is not at %s: verify it where it is with --db.\n", res.ArchivePath)
		return nil
	}
	arch, err := verifyFile(ctx, res.ArchivePath)
	if err != nil {
		return fmt.Errorf("audit verify: the archive: %w", err)
	}
	if !arch.OK {
		return chainBroken(res.ArchivePath, arch)
	}
	if arch.Head != res.AnchorHash {
		return fmt.Errorf("audit verify: the archive %s ends at %s, not at the anchor %s this history starts from: it is not the archive this history was cut from",
			res.ArchivePath, arch.Head, res.AnchorHash)
	}
	fmt.Fprintf(stdout, "Archive %s verified: %s; it ends at the anchor.\n", res.ArchivePath, plural(arch.Rows, "entry", "entries"))
	return nil
}

func verifyFile(ctx context.Context, path string) (store.VerifyResult, error) {
	st, err := openExisting(ctx, path)
	if err != nil {
		return store.VerifyResult{}, err
	}
	defer st.Close()
	return st.VerifyChain(ctx)
}

func chainBroken(path string, res store.VerifyResult) error {
	where := "the end of the chain"
	if res.FirstBrokenID != 0 {
		where = fmt.Sprintf("entry %d", res.FirstBrokenID)
	}
	return fmt.Errorf("audit verify: the chain of %s is broken at %s: %s (%s verified before it)", path, where, res.Reason, plural(res.Rows, "entry", "entries"))
}

func runAuditArchive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit archive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDBPath(), helpAuditDB)
	beforeFlag := fs.String("before", "", helpAuditBefore)
	to := fs.String("to", "", helpAuditTo)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: nwfilter-web audit archive --before DATE --to FILE [--db FILE]\n\n"+
			"Move the entries that started before DATE into FILE, a database of their own that\n"+
			"'nwfilter-web audit verify --db FILE' verifies. The history keeps the last archived hash as\n"+
			"its anchor, so it still verifies, and the archive's head must equal that anchor.\n\n")
		printFlags(fs)
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("audit archive: unexpected argument %q", fs.Arg(0))}
	case *beforeFlag == "":
		return usageError{"audit archive: --before is required"}
	case *to == "":
		return usageError{"audit archive: --to is required"}
	}
	before, err := parseBefore(*beforeFlag, time.Now())
	if err != nil {
		return usageError{"audit archive: --before: " + err.Error()}
	}
	st, err := openExisting(ctx, *db)
	if err != nil {
		return fmt.Errorf("audit archive: %w", err)
	}
	defer st.Close()
	res, err := st.ArchiveBefore(ctx, before, *to)
	if err != nil {
		return fmt.Errorf("audit archive: %w", err)
	}
	if res.Rows == 0 {
		fmt.Fprintf(stdout, "No entry of %s started before %s: nothing archived.\n", *db, before.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(stdout, "Archived %s (#%d to #%d) to %s.\nThe history now starts from the anchor %s.\n",
		plural(res.Rows, "entry", "entries"), res.FirstID, res.LastID, res.Path, res.Anchor)
	return nil
}

// parseBefore reads a date, a time or an age (365d: that long before now).
func parseBefore(v string, now time.Time) (time.Time, error) {
	for _, l := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(l, v, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	if strings.ContainsAny(v, "dwhms") {
		d, err := parseRetention(v)
		if err == nil && d > 0 {
			return now.Add(-d).UTC(), nil
		}
	}
	return time.Time{}, errors.New(`"` + v + `" is not a date like 2025-01-31, an RFC 3339 time or an age like 365d`)
}

// plural is "1 entry", "2 entries": a count with its noun.
func plural[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
