package main

import (
	"errors"
	"flag"
	"regexp"
	"strings"
	"testing"
)

// Every command answers --help on stdout with exit 0, and a flag it does not know with its
// usage on stderr and exit 2, as virsh does.
func TestEveryCommandsHelpAndUsageErrors(t *testing.T) {
	for _, cmd := range [][]string{
		{}, {"serve"}, {"preview"}, {"user"}, {"user", "add"}, {"user", "list"}, {"user", "del"},
		{"token"}, {"token", "create"}, {"token", "list"}, {"token", "revoke"},
		{"audit"}, {"audit", "verify"}, {"audit", "archive"},
	} {
		name := strings.Join(append([]string{"nwfilter-web"}, cmd...), " ")
		out, errOut, err := runCmd(append(cmd, "--help")...)
		if (err != nil && !errors.Is(err, flag.ErrHelp)) || !strings.Contains(out, "Usage: nwfilter-web") || errOut != "" {
			t.Errorf("%s --help: exit %d (%v), stdout %q, stderr %q", name, exitCode(err), err, out, errOut)
		}
		if singleDash.MatchString(out) {
			t.Errorf("%s --help lists single-dash options (want --name):\n%s", name, out)
		}
		if len(cmd) == 0 || (len(cmd) == 1 && (cmd[0] == "user" || cmd[0] == "token" || cmd[0] == "audit")) {
			continue
		}
		_, errOut, err = runCmd(append(cmd, "--no-such-flag")...)
		if exitCode(err) != 2 || !strings.Contains(errOut, "Usage: nwfilter-web") {
			t.Errorf("%s --no-such-flag: exit %d (%v), stderr %q", name, exitCode(err), err, errOut)
		}
	}
}

var singleDash = regexp.MustCompile(`\n\s+-[a-z]`)
