package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// wantsHelp reports whether args ask for help (-h, -help, --help) before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// parseFlags parses a subcommand's flags. Asked for help, it prints the command's usage to
// stdout and returns flag.ErrHelp, which exits 0 (like virsh); a mistake prints the usage to
// the flag set's output (stderr) and is a usage error (exit 2).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	return nil
}

// parseInterspersed is parseFlags for commands whose positional arguments may come before,
// between or after the options (virsh style: `user add alice --role admin`). It returns the
// positional arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	if wantsHelp(args) {
		fs.SetOutput(stdout)
		fs.Usage()
		return nil, flag.ErrHelp
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fs.Name() + ": " + err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printFlags lists a flag set's options the way the README writes them (--name), with the
// default once: a help text that already says "(default ...)" gets none added.
func printFlags(fs *flag.FlagSet) {
	out := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintln(out, line)
		if !strings.Contains(usage, "(default") && f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(out, "        %s\n", usage)
	})
}
