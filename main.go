// Command nwfilter-web is a browser GUI for libvirt network filters.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "nwfilter-web:", err)
		}
		os.Exit(exitCode(err))
	}
}

// exitCode is 0 after help was asked for, 2 for usage errors (like virsh), 1 for everything
// else.
func exitCode(err error) int {
	var u usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &u):
		return 2
	}
	return 1
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

const usage = `Usage: nwfilter-web [COMMAND] [OPTIONS]

A browser GUI for libvirt network filters (nwfilter).

Commands:
  serve      serve the web GUI and the JSON API (the default)
  preview    print the firewall chains libvirt 9.0 would make of a filter XML file:
             preview FILE.xml [--filters DIR | --connect URI] [--dev vnet0] [--mac MAC]
                              [--param NAME=VALUE ...] [--table iptables|ip6tables|ebtables]
  user       add, list, change and delete accounts (user add NAME --role admin|operator|viewer)
  token      create, list and revoke API tokens (token create --user NAME)
  audit      verify the audit history's hash chain, or archive its old entries

Run 'nwfilter-web COMMAND --help' for a command's options.
`

// run dispatches to a subcommand; serve is the default.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprint(stdout, usage)
		return nil
	case len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-':
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := parseServeFlags(args, stdout, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stderr)
	case "preview":
		return runPreview(ctx, args, stdout, stderr)
	case "user":
		return runUser(ctx, args, stdin, stdout, stderr)
	case "token":
		return runToken(ctx, args, stdout, stderr)
	case "audit":
		return runAudit(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}
