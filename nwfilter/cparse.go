package nwfilter

import (
	"net/netip"
	"strconv"
	"strings"
)

// The helpers in this file parse numbers and addresses the way the C code in libvirt and in the
// firewall tools does (strtoul, inet_aton, virMacAddrParse), so that values the Go standard
// library would refuse or read differently are read as libvirt reads them.

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

// strtoul mimics glibc's strtoul on a 64-bit host: it returns the value, the number of bytes
// consumed (0 when no digits were found) and whether the value overflowed.
func strtoul(s string, base int) (val uint64, n int, neg, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 0 {
		base = 10
		if i < len(s) && s[i] == '0' {
			base = 8
			if i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') && i+2 < len(s) && digitVal(s[i+2]) < 16 {
				base = 16
				i += 2
			}
		}
	} else if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitVal(s[i+2]) < 16 {
		i += 2
	}
	start := i
	for i < len(s) && digitVal(s[i]) < base {
		d := uint64(digitVal(s[i]))
		if val > (^uint64(0)-d)/uint64(base) {
			overflow = true
		} else {
			val = val*uint64(base) + d
		}
		i++
	}
	if i == start {
		return 0, 0, false, false
	}
	if neg {
		val = -val
	}
	return val, i, neg, overflow
}

// strToUint is libvirt's virStrToLong_ui with end_ptr == NULL: the whole string must be a number
// that fits an unsigned int ("-1" reads as UINT_MAX).
func strToUint(s string, base int) (uint32, bool) {
	v, n, neg, of := strtoul(s, base)
	if n == 0 || n != len(s) || of {
		return 0, false
	}
	if neg {
		if -v > 0xffffffff {
			return 0, false
		}
		v &= 0xffffffff
	}
	if v > 0xffffffff {
		return 0, false
	}
	return uint32(v), true
}

// strToInt is libvirt's virStrToLong_i with end_ptr == NULL.
func strToInt(s string) (int, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	v, err := strconv.ParseInt(t, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(v), true
}

// inetAton parses an IPv4 address as glibc's inet_aton does (1 to 4 parts, each decimal, octal
// or hex), which is what getaddrinfo(AI_NUMERICHOST) accepts for AF_INET.
func inetAton(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	var parts []uint64
	rest := s
	for {
		if rest == "" || digitVal(rest[0]) >= 10 {
			return netip.Addr{}, false
		}
		v, n, neg, of := strtoul(rest, 0)
		if n == 0 || neg || of || v > 0xffffffff {
			return netip.Addr{}, false
		}
		parts = append(parts, v)
		rest = rest[n:]
		if rest == "" {
			break
		}
		if rest[0] != '.' || len(parts) == 4 {
			return netip.Addr{}, false
		}
		rest = rest[1:]
	}
	var a uint64
	switch len(parts) {
	case 1:
		a = parts[0]
	case 2:
		if parts[0] > 0xff || parts[1] > 0xffffff {
			return netip.Addr{}, false
		}
		a = parts[0]<<24 | parts[1]
	case 3:
		if parts[0] > 0xff || parts[1] > 0xff || parts[2] > 0xffff {
			return netip.Addr{}, false
		}
		a = parts[0]<<24 | parts[1]<<16 | parts[2]
	case 4:
		for _, p := range parts {
			if p > 0xff {
				return netip.Addr{}, false
			}
		}
		a = parts[0]<<24 | parts[1]<<16 | parts[2]<<8 | parts[3]
	}
	return netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), true
}

// inetPton4 is the strict dotted-quad parser (inet_pton) the firewall tools use first.
func inetPton4(s string) (netip.Addr, bool) {
	var b [4]byte
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return netip.Addr{}, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 3 {
			return netip.Addr{}, false
		}
		if len(p) > 1 && p[0] == '0' {
			return netip.Addr{}, false
		}
		v := 0
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return netip.Addr{}, false
			}
			v = v*10 + int(p[j]-'0')
		}
		if v > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}

// parseIPv6 reads an IPv6 address (no zone), keeping IPv4-mapped forms as IPv6.
func parseIPv6(s string) (netip.Addr, bool) {
	if !strings.Contains(s, ":") || strings.Contains(s, "%") {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() {
		return netip.Addr{}, false
	}
	return a, true
}

// parseMAC is libvirt's virMacAddrParse: six groups of one or two hex digits separated by ':'.
func parseMAC(s string) ([6]byte, bool) {
	var m [6]byte
	for i := 0; i < 6; i++ {
		if s == "" || digitVal(s[0]) >= 16 {
			return m, false
		}
		n := 0
		v := 0
		for n < len(s) && digitVal(s[n]) < 16 {
			v = v*16 + digitVal(s[n])
			n++
		}
		if n > 2 {
			return m, false
		}
		m[i] = byte(v)
		s = s[n:]
		if i == 5 {
			if s == "" || s[0] <= ' ' {
				return m, true
			}
			return m, false
		}
		if s == "" || s[0] != ':' {
			return m, false
		}
		s = s[1:]
	}
	return m, false
}

func formatMAC(m [6]byte) string {
	const hx = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, c := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hx[c>>4], hx[c&15])
	}
	return string(b)
}

// formatIP prints an address as glibc's inet_ntop does; for IPv6 this differs from Go in how
// IPv4-compatible addresses (::a.b.c.d) are written.
func formatIP(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	var w [8]int
	for i := 0; i < 8; i++ {
		w[i] = int(b[2*i])<<8 | int(b[2*i+1])
	}
	bestBase, bestLen, curBase, curLen := -1, 0, -1, 0
	for i := 0; i < 8; i++ {
		if w[i] == 0 {
			if curBase == -1 {
				curBase, curLen = i, 1
			} else {
				curLen++
			}
		} else if curBase != -1 {
			if bestBase == -1 || curLen > bestLen {
				bestBase, bestLen = curBase, curLen
			}
			curBase = -1
		}
	}
	if curBase != -1 && (bestBase == -1 || curLen > bestLen) {
		bestBase, bestLen = curBase, curLen
	}
	if bestBase != -1 && bestLen < 2 {
		bestBase = -1
	}
	var sb strings.Builder
	for i := 0; i < 8; i++ {
		if bestBase != -1 && i >= bestBase && i < bestBase+bestLen {
			if i == bestBase {
				sb.WriteByte(':')
			}
			continue
		}
		if i != 0 {
			sb.WriteByte(':')
		}
		if i == 6 && bestBase == 0 && (bestLen == 6 || (bestLen == 5 && w[5] == 0xffff)) {
			sb.WriteString(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}).String())
			return sb.String()
		}
		sb.WriteString(strconv.FormatInt(int64(w[i]), 16))
	}
	if bestBase != -1 && bestBase+bestLen == 8 {
		sb.WriteByte(':')
	}
	return sb.String()
}

// maskBits returns the prefix length of a contiguous netmask, or -1.
func maskBits(a netip.Addr) int {
	b := a.AsSlice()
	n := 0
	seenZero := false
	for _, c := range b {
		for bit := 7; bit >= 0; bit-- {
			if c&(1<<bit) != 0 {
				if seenZero {
					return -1
				}
				n++
			} else {
				seenZero = true
			}
		}
	}
	return n
}

// prefixMask returns the mask of a prefix length for an address family of size bytes.
func prefixMask(bits, size int) []byte {
	m := make([]byte, size)
	for i := 0; i < size; i++ {
		switch {
		case bits >= 8:
			m[i] = 0xff
			bits -= 8
		case bits > 0:
			m[i] = byte(0xff << (8 - bits))
			bits = 0
		}
	}
	return m
}

func applyMask(a netip.Addr, mask []byte) netip.Addr {
	b := a.AsSlice()
	for i := range b {
		b[i] &= mask[i]
	}
	r, _ := netip.AddrFromSlice(b)
	return r
}
