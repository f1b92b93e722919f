package nwfilter

import (
	"strings"
)

// PortTables cuts the text of iptables-save, ip6tables-save or ebtables-save down to what belongs
// to one port device: the chains libvirt made for it (FI-/FO-/HI-<dev> and their temporary twins
// for iptables; libvirt-I-/libvirt-O-<dev> and the I-/O-<dev>-* sub-chains for ebtables), the
// rules in them, and the rules of the shared chains (libvirt-in, libvirt-out, libvirt-host-in,
// libvirt-in-post, PREROUTING, POSTROUTING) that jump to them for this device. Table headers
// (*filter, *nat) and COMMIT lines are kept when anything of the port is in the table, so the
// result reads like the tool's own output. It returns "" when nothing belongs to the port.
func PortTables(save, dev string) string {
	if dev == "" {
		return ""
	}
	iptables := strings.Contains(save, "\nCOMMIT")
	var out []string
	var header string
	var section []string
	flush := func() {
		if len(section) > 0 {
			if header != "" {
				out = append(out, header)
			}
			out = append(out, section...)
			if iptables {
				out = append(out, "COMMIT")
			}
		}
		header, section = "", nil
	}
	for _, line := range strings.Split(save, "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			flush()
			header = line
		case line == "COMMIT":
			flush()
		case strings.HasPrefix(line, ":"):
			name := strings.Fields(line[1:])
			if len(name) > 0 && IsPortChain(name[0], dev) {
				section = append(section, line)
			}
		case strings.HasPrefix(line, "-A "):
			if ruleBelongsToPort(line, dev) {
				section = append(section, line)
			}
		}
	}
	flush()
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// IsPortChain reports whether chain is one libvirt creates for port dev.
func IsPortChain(chain, dev string) bool {
	// iptables: FI-, FO-, HI- and the temporary FJ-, FP-, HJ- used while (re)instantiating.
	if len(chain) == 3+len(dev) && chain[2] == '-' && chain[3:] == dev {
		switch chain[:2] {
		case "FI", "FO", "HI", "FJ", "FP", "HJ":
			return true
		}
	}
	// ebtables roots: libvirt-I-, libvirt-O- and the temporary libvirt-J-, libvirt-P-.
	if rest, ok := strings.CutPrefix(chain, "libvirt-"); ok && len(rest) == 2+len(dev) && rest[1] == '-' && rest[2:] == dev {
		switch rest[0] {
		case 'I', 'O', 'J', 'P':
			return true
		}
	}
	// ebtables sub-chains: I-<dev>-<name>, O-<dev>-<name> (and J-/P- while instantiating).
	if len(chain) > 3+len(dev) && chain[1] == '-' && strings.HasPrefix(chain[2:], dev+"-") {
		switch chain[0] {
		case 'I', 'O', 'J', 'P':
			return true
		}
	}
	return false
}

func ruleBelongsToPort(line, dev string) bool {
	f := strings.Fields(line)
	if len(f) < 2 {
		return false
	}
	if IsPortChain(f[1], dev) {
		return true
	}
	for i := 2; i+1 < len(f); i++ {
		switch f[i] {
		case "--physdev-in", "--physdev-out", "-i", "-o":
			if f[i+1] == dev {
				return true
			}
		case "-j", "-g":
			if IsPortChain(f[i+1], dev) {
				return true
			}
		}
	}
	return false
}
