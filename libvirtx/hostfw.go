package libvirtx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// hostToolTimeout bounds each save tool; they answer in milliseconds unless the kernel's
// netfilter lock is held for long.
const hostToolTimeout = 10 * time.Second

// HostTables is what the host's three save tools print (iptables-save -t filter,
// ip6tables-save -t filter, ebtables-save), the state libvirt's nwfilter driver leaves behind.
type HostTables struct {
	IPTables  string `json:"iptables"`
	IP6Tables string `json:"ip6tables"`
	EBTables  string `json:"ebtables"`
}

// ReadHostTables runs the three save tools on this host. It fails with a clear error
// (wrapping ErrHostTables) when a tool is missing or not permitted (not root).
func ReadHostTables(ctx context.Context) (HostTables, error) {
	var t HostTables
	tools := []struct {
		out  *string
		name string
		args []string
	}{
		{&t.IPTables, "iptables-save", []string{"-t", "filter"}},
		{&t.IP6Tables, "ip6tables-save", []string{"-t", "filter"}},
		{&t.EBTables, "ebtables-save", nil},
	}
	errs := make([]error, len(tools))
	done := make(chan int, len(tools))
	for i, tool := range tools {
		go func() {
			*tool.out, errs[i] = runSaveTool(ctx, tool.name, tool.args...)
			done <- i
		}()
	}
	for range tools {
		<-done
	}
	if err := errors.Join(errs...); err != nil {
		return HostTables{}, err
	}
	return t, nil
}

func runSaveTool(ctx context.Context, name string, args ...string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not installed (or not on PATH)", ErrHostTables, name)
	}
	ctx, cancel := context.WithTimeout(ctx, hostToolTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		switch {
		case ctx.Err() != nil:
			return "", fmt.Errorf("%w: %s did not finish within %s", ErrHostTables, name, hostToolTimeout)
		case strings.Contains(msg, "Permission denied"), strings.Contains(msg, "Operation not permitted"),
			strings.Contains(msg, "must be root"):
			return "", fmt.Errorf("%w: %s is not permitted; run nwfilter-web as root to see the host's chains (%s)", ErrHostTables, name, msg)
		case msg == "":
			msg = err.Error()
		}
		return "", fmt.Errorf("%w: %s failed: %s", ErrHostTables, name, msg)
	}
	return stdout.String(), nil
}
