package nwfilter

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// This file plays iptables/ip6tables 1.8.9 (nf_tables): it reads the options libvirt passes for
// a rule and prints the rule as iptables-save does (address masks applied and written /N, the
// protocol match loaded where its first option appears, each match's own option order and
// spelling, quoting of strings).

type toolError struct{ tool, msg string }

func (e *toolError) Error() string { return e.tool + ": " + e.msg }

type iptMatch struct {
	name string
	done bool
	// parsed state, printed by save()
	opts      optSet
	sport     [2]uint16
	dport     [2]uint16
	hasSport  bool
	hasDport  bool
	tcpOption int
	flgMask   uint8
	flgCmp    uint8
	hasFlags  bool
	icmpType  int
	icmpCode  [2]int
	hasICMP   bool
	ctstate   int
	hasState  bool
	ctdir     string
}

// optSet holds a match's options: whether each was negated and its value, for the few options
// a match has (a map each was most of a big preview's allocations).
type optSet struct {
	list []optVal
	buf  [4]optVal
}

type optVal struct {
	opt, val string
	inv, has bool
}

func (s *optSet) slot(opt string) *optVal {
	for i := range s.list {
		if s.list[i].opt == opt {
			return &s.list[i]
		}
	}
	if s.list == nil {
		s.list = s.buf[:0]
	}
	s.list = append(s.list, optVal{opt: opt})
	return &s.list[len(s.list)-1]
}

func (s *optSet) set(opt, v string) { o := s.slot(opt); o.val, o.has = v, true }

func (s *optSet) get(opt string) (string, bool) {
	for i := range s.list {
		if s.list[i].opt == opt {
			return s.list[i].val, s.list[i].has
		}
	}
	return "", false
}

func (s *optSet) val(opt string) string { v, _ := s.get(opt); return v }

func (s *optSet) isInv(opt string) bool {
	for i := range s.list {
		if s.list[i].opt == opt {
			return s.list[i].inv
		}
	}
	return false
}

type iptRule struct {
	src, dst       netip.Prefix
	srcInv, dstInv bool
	srcSet, dstSet bool
	proto          int
	protoInv       bool
	matches        []*iptMatch
	target, goTo   string
	rejectWith     string
}

var iptProtoNums = map[string]int{"tcp": 6, "udp": 17, "udplite": 136, "esp": 50, "ah": 51, "sctp": 132, "icmp": 1, "icmpv6": 58, "ipv6-icmp": 58, "igmp": 2, "all": 0}

// optOwner says which match an option belongs to.
var iptOptOwner = map[string]string{
	"--mac-source": "mac", "--dscp": "dscp", "--src-range": "iprange", "--dst-range": "iprange",
	"--ctstate": "conntrack", "--ctdir": "conntrack", "--match-set": "set",
	"--connlimit-above": "connlimit", "--comment": "comment",
	"--physdev-in": "physdev", "--physdev-out": "physdev", "--physdev-is-bridged": "physdev",
	"--sport": "*proto", "--dport": "*proto", "--tcp-flags": "tcp", "--tcp-option": "tcp",
	"--icmp-type": "icmp", "--icmpv6-type": "icmp6",
}

// iptSaver reads and prints rules as iptables does, reusing its rule, matches and output
// buffer from one rule to the next: a preview saves thousands of rules.
type iptSaver struct {
	rule iptRule
	ms   [8]iptMatch
	nm   int
	out  bytes.Buffer
}

func (s *iptSaver) newMatch(name string) *iptMatch {
	if s.nm < len(s.ms) {
		m := &s.ms[s.nm]
		s.nm++
		*m = iptMatch{name: name}
		return m
	}
	return &iptMatch{name: name}
}

// iptSave is how iptables-save prints the rule that iptables -A chain a... adds.
func iptSave(chain string, a []string, v6 bool) (string, error) {
	var s iptSaver
	return s.save(chain, a, v6)
}

func (s *iptSaver) save(chain string, a []string, v6 bool) (string, error) {
	tool := "iptables"
	if v6 {
		tool = "ip6tables"
	}
	fail := func(format string, x ...any) (string, error) {
		return "", &toolError{tool, fmt.Sprintf(format, x...)}
	}
	r := &s.rule
	*r = iptRule{proto: -1, matches: r.matches[:0]}
	s.nm = 0
	protoName := ""
	inv := false
	find := func(name string) *iptMatch {
		for i := len(r.matches) - 1; i >= 0; i-- {
			if r.matches[i].name == name && !r.matches[i].done {
				return r.matches[i]
			}
		}
		return nil
	}
	for i := 0; i < len(a); i++ {
		opt := a[i]
		if opt == "!" {
			inv = true
			continue
		}
		arg := func() (string, bool) {
			if i+1 >= len(a) {
				return "", false
			}
			i++
			return a[i], true
		}
		switch opt {
		case "-p":
			v, _ := arg()
			n, ok := iptProtoNums[v]
			if !ok {
				if x, ok2 := strToUint(v, 10); ok2 && x <= 255 {
					n = int(x)
				} else {
					return fail("unknown protocol \"%s\" specified", v)
				}
			}
			r.proto, r.protoInv, protoName = n, inv, v
		case "--source", "--destination", "-s", "-d":
			v, _ := arg()
			p, err := parseIPTAddr(v, v6)
			if err != nil {
				return fail("%s", err.Error())
			}
			if opt == "--source" || opt == "-s" {
				r.src, r.srcInv, r.srcSet = p, inv, true
			} else {
				r.dst, r.dstInv, r.dstSet = p, inv, true
			}
		case "-m":
			v, _ := arg()
			for _, m := range r.matches {
				if m.name == v {
					m.done = true
				}
			}
			r.matches = append(r.matches, s.newMatch(v))
		case "-j":
			v, _ := arg()
			switch v {
			case "ACCEPT", "DROP", "RETURN", "REJECT":
			default:
				if !strings.HasPrefix(v, "FI-") && !strings.HasPrefix(v, "FO-") && !strings.HasPrefix(v, "HI-") && !strings.HasPrefix(v, "libvirt-") {
					return fail("Couldn't load target `%s':No such file or directory", v)
				}
			}
			r.target = v
		case "-g":
			v, _ := arg()
			r.goTo = v
		default:
			owner, ok := iptOptOwner[opt]
			if !ok {
				return fail("unknown option \"%s\"", opt)
			}
			var m *iptMatch
			if owner == "*proto" {
				for j := len(r.matches) - 1; j >= 0; j-- {
					if n := r.matches[j].name; (n == "tcp" || n == "udp" || n == "sctp") && !r.matches[j].done {
						m = r.matches[j]
						break
					}
				}
				owner = protoName
			} else {
				m = find(owner)
			}
			if m == nil {
				pm := protoName
				if pm == "icmpv6" || pm == "ipv6-icmp" {
					pm = "icmp6"
				}
				if pm != owner && !(owner == "icmp6" && pm == "icmp6") || pm == "" {
					return fail("unknown option \"%s\"", opt)
				}
				m = s.newMatch(pm)
				r.matches = append(r.matches, m)
			}
			if err := m.parse(opt, inv, a, &i, v6); err != nil {
				return fail("%s", err.Error())
			}
		}
		inv = false
	}
	if r.target == "" && r.goTo == "" {
		return fail("no target")
	}
	s.out.Reset()
	r.save(&s.out, chain, v6)
	return s.out.String(), nil
}

func parseIPTAddr(v string, v6 bool) (netip.Prefix, error) {
	addr, mask, hasMask := strings.Cut(v, "/")
	var a netip.Addr
	var ok bool
	size := 4
	if v6 {
		size = 16
		a, ok = parseIPv6(addr)
	} else {
		a, ok = iptNumericIPv4(addr)
	}
	if !ok {
		return netip.Prefix{}, fmt.Errorf("host/network `%s' not found", addr)
	}
	bits := size * 8
	if hasMask {
		if n, ok := strToUint(mask, 10); ok && int(n) <= size*8 {
			bits = int(n)
		} else {
			var m netip.Addr
			if v6 {
				m, ok = parseIPv6(mask)
			} else {
				m, ok = iptNumericIPv4(mask)
			}
			if !ok {
				return netip.Prefix{}, fmt.Errorf("invalid mask `%s' specified", mask)
			}
			bits = maskBits(m)
			if bits < 0 {
				// a non-contiguous mask: keep it as an "address" to print it dotted
				return netip.PrefixFrom(applyMask(a, m.AsSlice()), -1-int(m.As4()[0])), fmt.Errorf("non-contiguous mask")
			}
		}
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return netip.PrefixFrom(applyMask(a, prefixMask(bits, size)), bits), nil
	}
	return p, nil
}

// iptNumericIPv4 is xtables_numeric_to_ipaddr: four parts (or one, "N" meaning N.0.0.0).
func iptNumericIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	parts := strings.Count(s, ".") + 1
	if parts != 4 && parts != 1 {
		return netip.Addr{}, false
	}
	for i := 0; i < parts; i++ {
		p := s
		if j := strings.IndexByte(s, '.'); j >= 0 {
			p, s = s[:j], s[j+1:]
		}
		v, n, neg, of := strtoul(p, 0)
		if n == 0 || n != len(p) || neg || of || v > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(v)
	}
	return netip.AddrFrom4(b), true
}

func parsePortRange(v string) ([2]uint16, error) {
	lo, hi, isRange := strings.Cut(v, ":")
	p := func(s string) (uint16, error) {
		x, n, neg, of := strtoul(s, 0)
		if n == 0 || n != len(s) || neg || of || x > 65535 {
			return 0, fmt.Errorf("Port \"%s\" does not resolve to anything.", s)
		}
		return uint16(x), nil
	}
	var r [2]uint16
	var err error
	if lo == "" {
		r[0] = 0
	} else if r[0], err = p(lo); err != nil {
		return r, err
	}
	if !isRange {
		r[1] = r[0]
		return r, nil
	}
	if hi == "" {
		r[1] = 65535
	} else if r[1], err = p(hi); err != nil {
		return r, err
	}
	return r, nil
}

var tcpFlagTable = []struct {
	name string
	v    uint8
}{{"FIN", 1}, {"SYN", 2}, {"RST", 4}, {"PSH", 8}, {"ACK", 0x10}, {"URG", 0x20}, {"ALL", 0x3f}, {"NONE", 0}}

func parseTCPFlags(s string) (uint8, error) {
	var f uint8
	for _, p := range strings.Split(s, ",") {
		found := false
		for _, t := range tcpFlagTable {
			if strings.EqualFold(p, t.name) {
				f |= t.v
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("Unknown TCP flag `%s'", p)
		}
	}
	return f, nil
}

func printTCPF(f uint8) string {
	if f == 0 {
		return "NONE"
	}
	var parts []string
	for _, t := range tcpFlagTable[:6] {
		if f&t.v != 0 {
			parts = append(parts, t.name)
		}
	}
	return strings.Join(parts, ",")
}

var ctStates = []struct {
	name string
	bit  int
}{{"INVALID", 1}, {"NEW", 8}, {"RELATED", 4}, {"ESTABLISHED", 2}, {"UNTRACKED", 64}, {"SNAT", 128}, {"DNAT", 256}}

// parse reads option opt of the match; its arguments follow a[*i], and *i is left on the last.
func (m *iptMatch) parse(opt string, inv bool, a []string, i *int, v6 bool) error {
	arg := func() (string, bool) {
		if *i+1 >= len(a) {
			return "", false
		}
		*i++
		return a[*i], true
	}
	if inv {
		m.opts.slot(opt).inv = true
	}
	switch opt {
	case "--physdev-is-bridged":
		m.opts.set(opt, "")
		return nil
	case "--sport", "--dport":
		v, _ := arg()
		pr, err := parsePortRange(v)
		if err != nil {
			return err
		}
		if pr[0] > pr[1] && m.name != "udp" {
			return fmt.Errorf("invalid portrange (min > max)")
		}
		if opt == "--sport" {
			m.sport, m.hasSport = pr, true
		} else {
			m.dport, m.hasDport = pr, true
		}
		return nil
	case "--tcp-flags":
		mask, _ := arg()
		cmp, _ := arg()
		a, err := parseTCPFlags(mask)
		if err != nil {
			return err
		}
		b, err := parseTCPFlags(cmp)
		if err != nil {
			return err
		}
		m.flgMask, m.flgCmp, m.hasFlags = a, b, true
		return nil
	case "--tcp-option":
		v, _ := arg()
		x, ok := strToUint(v, 10)
		if !ok || x > 255 {
			return fmt.Errorf("Bad TCP option \"%s\"", v)
		}
		m.tcpOption = int(x)
		m.opts.set(opt, v)
		return nil
	case "--icmp-type", "--icmpv6-type":
		v, _ := arg()
		t, c, hasC := strings.Cut(v, "/")
		x, ok := strToUint(t, 10)
		if !ok || x > 255 {
			return fmt.Errorf("Invalid ICMP type `%s'", v)
		}
		m.icmpType, m.icmpCode, m.hasICMP = int(x), [2]int{0, 255}, true
		if hasC {
			y, ok := strToUint(c, 10)
			if !ok || y > 255 {
				return fmt.Errorf("Invalid ICMP code `%s'", c)
			}
			m.icmpCode = [2]int{int(y), int(y)}
		}
		return nil
	case "--ctstate":
		v, _ := arg()
		st := 0
		for _, p := range strings.Split(v, ",") {
			found := false
			for _, s := range ctStates {
				if strings.EqualFold(p, s.name) {
					st |= s.bit
					found = true
				}
			}
			if !found {
				return fmt.Errorf("Bad ctstate \"%s\"", p)
			}
		}
		m.ctstate, m.hasState = st, true
		return nil
	case "--ctdir":
		v, _ := arg()
		switch {
		case strings.EqualFold(v, "ORIGINAL"):
			m.ctdir = "ORIGINAL"
		case strings.EqualFold(v, "REPLY"):
			m.ctdir = "REPLY"
		default:
			return fmt.Errorf("--ctdir: unknown direction \"%s\"", v)
		}
		return nil
	case "--match-set":
		name, _ := arg()
		flags, _ := arg()
		m.opts.set(opt, name+" "+flags)
		return nil
	case "--connlimit-above":
		v, _ := arg()
		x, ok := strToUint(v, 0)
		if !ok {
			return fmt.Errorf("bad value for option \"--connlimit-above\", or out of range (0-4294967295).")
		}
		m.opts.set(opt, strconv.FormatUint(uint64(x), 10))
		return nil
	case "--src-range", "--dst-range":
		v, _ := arg()
		lo, hi, ok := strings.Cut(v, "-")
		if !ok {
			hi = lo
		}
		var a, b netip.Addr
		var ok1, ok2 bool
		if v6 {
			a, ok1 = parseIPv6(lo)
			b, ok2 = parseIPv6(hi)
		} else {
			a, ok1 = iptNumericIPv4(lo)
			b, ok2 = iptNumericIPv4(hi)
		}
		if !ok1 || !ok2 {
			return fmt.Errorf("iprange: Bad IP address \"%s\"", v)
		}
		m.opts.set(opt, formatIP(a)+"-"+formatIP(b))
		return nil
	case "--mac-source":
		v, _ := arg()
		mac, ok := parseMACStrict(v)
		if !ok {
			return fmt.Errorf("Bad mac address \"%s\"", v)
		}
		m.opts.set(opt, formatMAC(mac))
		return nil
	case "--dscp":
		v, _ := arg()
		x, ok := strToUint(v, 0)
		if !ok || x > 63 {
			return fmt.Errorf("DSCP `%s' not in range 0-63", v)
		}
		m.opts.set(opt, fmt.Sprintf("0x%02x", x))
		return nil
	}
	v, _ := arg()
	m.opts.set(opt, v)
	return nil
}

// parseMACStrict is how iptables and ebtables read a MAC address: six groups of hex digits.
func parseMACStrict(s string) ([6]byte, bool) {
	var m [6]byte
	parts := strings.Split(s, ":")
	if len(parts) != 6 {
		return m, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 2 {
			return m, false
		}
		x, err := strconv.ParseUint(p, 16, 8)
		if err != nil {
			return m, false
		}
		m[i] = byte(x)
	}
	return m, true
}

func (r *iptRule) save(b *bytes.Buffer, chain string, v6 bool) {
	b.WriteString("-A ")
	b.WriteString(chain)
	addr := func(letter string, p netip.Prefix, inv bool) {
		if !inv && p.Bits() == 0 && p.Addr().IsUnspecified() {
			return
		}
		if inv {
			b.WriteString(" !")
		}
		b.WriteString(" -")
		b.WriteString(letter)
		b.WriteByte(' ')
		if a := p.Addr(); a.Is4() {
			var buf [16]byte
			b.Write(a.AppendTo(buf[:0]))
		} else {
			b.WriteString(formatIP(a))
		}
		b.WriteByte('/')
		writeInt(b, p.Bits())
	}
	if r.srcSet {
		addr("s", r.src, r.srcInv)
	}
	if r.dstSet {
		addr("d", r.dst, r.dstInv)
	}
	if r.proto > 0 {
		if r.protoInv {
			b.WriteString(" !")
		}
		b.WriteString(" -p ")
		b.WriteString(iptProtoName(r.proto, v6))
	}
	for _, m := range r.matches {
		b.WriteString(" -m ")
		b.WriteString(m.name)
		m.save(b, v6)
	}
	if r.goTo != "" {
		b.WriteString(" -g ")
		b.WriteString(r.goTo)
	} else {
		b.WriteString(" -j ")
		b.WriteString(r.target)
		if r.target == "REJECT" {
			if v6 {
				b.WriteString(" --reject-with icmp6-port-unreachable")
			} else {
				b.WriteString(" --reject-with icmp-port-unreachable")
			}
		}
	}
}

func iptProtoName(p int, v6 bool) string {
	switch p {
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 136:
		return "udplite"
	case 50:
		return "esp"
	case 51:
		return "ah"
	case 132:
		return "sctp"
	case 1:
		return "icmp"
	case 58:
		return "ipv6-icmp"
	}
	if n := protoName(p); n != "" {
		return n
	}
	return strconv.Itoa(p)
}

func invStr(inv bool) string {
	if inv {
		return " !"
	}
	return ""
}

func (m *iptMatch) save(b *bytes.Buffer, v6 bool) {
	switch m.name {
	case "tcp", "udp", "sctp":
		port := func(opt string, has bool, p [2]uint16) {
			if !has || (p[0] == 0 && p[1] == 65535) {
				return
			}
			b.WriteString(invStr(m.opts.isInv(opt)))
			b.WriteString(" ")
			b.WriteString(opt)
			b.WriteString(" ")
			if p[0] == p[1] {
				writeInt(b, int(p[0]))
			} else {
				writeInt(b, int(p[0]))
				b.WriteString(":")
				writeInt(b, int(p[1]))
			}
		}
		port("--sport", m.hasSport, m.sport)
		port("--dport", m.hasDport, m.dport)
		if m.name == "tcp" {
			if _, ok := m.opts.get("--tcp-option"); ok {
				b.WriteString(invStr(m.opts.isInv("--tcp-option")))
				b.WriteString(" --tcp-option ")
				writeInt(b, m.tcpOption)
			}
			if m.hasFlags && (m.flgMask != 0 || m.opts.isInv("--tcp-flags")) {
				b.WriteString(invStr(m.opts.isInv("--tcp-flags")))
				b.WriteString(" --tcp-flags ")
				b.WriteString(printTCPF(m.flgMask))
				b.WriteString(" ")
				b.WriteString(printTCPF(m.flgCmp))
			}
		}
	case "icmp":
		b.WriteString(invStr(m.opts.isInv("--icmp-type")))
		if m.icmpType == 255 {
			b.WriteString(" --icmp-type any")
		} else {
			b.WriteString(" --icmp-type ")
			writeInt(b, m.icmpType)
			if m.icmpCode != [2]int{0, 255} {
				b.WriteString("/")
				writeInt(b, m.icmpCode[0])
			}
		}
	case "icmp6":
		b.WriteString(invStr(m.opts.isInv("--icmpv6-type")))
		b.WriteString(" --icmpv6-type ")
		writeInt(b, m.icmpType)
		if m.icmpCode != [2]int{0, 255} {
			b.WriteString("/")
			writeInt(b, m.icmpCode[0])
		}
	case "mac":
		b.WriteString(invStr(m.opts.isInv("--mac-source")))
		b.WriteString(" --mac-source ")
		b.WriteString(m.opts.val("--mac-source"))
	case "dscp":
		b.WriteString(invStr(m.opts.isInv("--dscp")))
		b.WriteString(" --dscp ")
		b.WriteString(m.opts.val("--dscp"))
	case "iprange":
		for _, o := range []string{"--src-range", "--dst-range"} {
			if v, ok := m.opts.get(o); ok {
				b.WriteString(invStr(m.opts.isInv(o)))
				b.WriteString(" ")
				b.WriteString(o)
				b.WriteString(" ")
				b.WriteString(v)
			}
		}
	case "conntrack":
		if m.hasState {
			b.WriteString(invStr(m.opts.isInv("--ctstate")))
			b.WriteString(" --ctstate ")
			var parts []string
			for _, s := range ctStates {
				if m.ctstate&s.bit != 0 {
					parts = append(parts, s.name)
				}
			}
			if len(parts) == 0 {
				parts = []string{"NONE"}
			}
			b.WriteString(strings.Join(parts, ","))
		}
		if m.ctdir != "" {
			b.WriteString(" --ctdir ")
			b.WriteString(m.ctdir)
		}
	case "set":
		b.WriteString(" ")
		if m.opts.isInv("--match-set") {
			b.WriteString("! ")
		}
		b.WriteString("--match-set ")
		b.WriteString(m.opts.val("--match-set"))
	case "connlimit":
		if m.opts.isInv("--connlimit-above") {
			b.WriteString(" --connlimit-upto ")
			b.WriteString(m.opts.val("--connlimit-above"))
		} else {
			b.WriteString(" --connlimit-above ")
			b.WriteString(m.opts.val("--connlimit-above"))
		}
		if v6 {
			b.WriteString(" --connlimit-mask 128")
		} else {
			b.WriteString(" --connlimit-mask 32")
		}
		b.WriteString(" --connlimit-saddr")
	case "comment":
		b.WriteString(" --comment")
		saveString(b, m.opts.val("--comment"))
	case "physdev":
		for _, o := range []string{"--physdev-in", "--physdev-out"} {
			if v, ok := m.opts.get(o); ok {
				b.WriteString(invStr(m.opts.isInv(o)))
				b.WriteString(" ")
				b.WriteString(o)
				saveString(b, v)
			}
		}
		if _, ok := m.opts.get("--physdev-is-bridged"); ok {
			b.WriteString(invStr(m.opts.isInv("--physdev-is-bridged")))
			b.WriteString(" --physdev-is-bridged")
		}
	}
}

// writeInt writes n in decimal without an allocation.
func writeInt(b *bytes.Buffer, n int) {
	var buf [20]byte
	b.Write(strconv.AppendInt(buf[:0], int64(n), 10))
}

// saveString is xtables_save_string: quoted unless made only of letters, digits, '_' and '-'.
func saveString(b *bytes.Buffer, v string) {
	plain := v != ""
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			plain = false
			break
		}
	}
	b.WriteByte(' ')
	if plain {
		b.WriteString(v)
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '"' || c == '\\' || c == '\'' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
}
