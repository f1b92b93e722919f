package nwfilter

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// This file plays ebtables 1.8.9 (nf_tables): it reads the options libvirt passes for a rule
// and prints the rule as ebtables-save does (protocol names from /etc/ethertypes, MAC names
// like Broadcast and BGA, masks applied, each extension's own option order and spelling).

type ebtRule struct {
	proto    int // -1: none
	protoInv bool
	is8023   bool
	in, out  string
	src, dst *macMask
	ip       *ebtIP
	arp      *ebtARP
	vlan     *ebtVLAN
	stp      *ebtSTP
	target   string
}

type macMask struct {
	mac, mask [6]byte
	inv       bool
}

type ebtIP struct {
	v6                 bool
	src, dst           *netip.Prefix
	srcInv, dstInv     bool
	tos                *int
	tosInv             bool
	proto              *int
	protoInv           bool
	sport, dport       *[2]uint16
	sportInv, dportInv bool
	icmp               *[4]int
	icmpInv            bool
}

type ebtARP struct {
	op, htype, ptype          *int
	opInv, htypeInv, ptypeInv bool
	ipSrc, ipDst              *netip.Prefix
	ipSrcInv, ipDstInv        bool
	macSrc, macDst            *macMask
	grat                      bool
	gratInv                   bool
}

type ebtVLAN struct {
	id, encap       *int
	idInv, encapInv bool
}

type stpVal struct {
	set    bool
	inv    bool
	lo, hi uint64
	mac    macMask
	isMAC  bool
}

type ebtSTP struct {
	vals [12]stpVal
}

var stpOpts = []string{"--stp-type", "--stp-flags", "--stp-root-prio", "--stp-root-addr", "--stp-root-cost", "--stp-sender-prio", "--stp-sender-addr", "--stp-port", "--stp-msg-age", "--stp-max-age", "--stp-hello-time", "--stp-forward-delay"}

func ebtSave(chain string, a []string) (string, error) {
	fail := func(format string, x ...any) (string, error) {
		return "", &toolError{"ebtables", fmt.Sprintf(format, x...)}
	}
	r := &ebtRule{proto: -1}
	inv := false
	for i := 0; i < len(a); i++ {
		opt := a[i]
		if opt == "!" {
			inv = true
			continue
		}
		arg := func() string {
			if i+1 < len(a) {
				i++
				if a[i] == "!" && i+1 < len(a) {
					inv = true
					i++
				}
				return a[i]
			}
			return ""
		}
		switch {
		case opt == "-p":
			v := arg()
			r.protoInv = inv
			if strings.EqualFold(v, "length") {
				r.is8023 = true
				break
			}
			if n, used, neg, of := strtoul(v, 16); used == len(v) && used > 0 && !neg && !of {
				if n > 0xffff {
					return fail("Problem with the specified protocol")
				}
				if n < 0x600 {
					return fail("Sorry, protocols have values above or equal to 0x0600")
				}
				r.proto = int(n)
				if n == 0x600 {
					r.is8023 = true
				}
			} else if n, ok := ethertypeByName(v); ok {
				r.proto = n
			} else {
				return fail("Problem with the specified protocol")
			}
		case opt == "-i":
			r.in = arg()
		case opt == "-o":
			r.out = arg()
		case opt == "-s" || opt == "-d":
			v := arg()
			mm, err := parseEbtMAC(v)
			if err != nil {
				return fail("%s", err.Error())
			}
			mm.inv = inv
			if opt == "-s" {
				r.src = mm
			} else {
				r.dst = mm
			}
		case opt == "-j":
			r.target = arg()
		case strings.HasPrefix(opt, "--ip6-") || strings.HasPrefix(opt, "--ip-"):
			v6 := strings.HasPrefix(opt, "--ip6-")
			if r.ip == nil {
				r.ip = &ebtIP{v6: v6}
			}
			name := strings.TrimPrefix(strings.TrimPrefix(opt, "--ip6-"), "--ip-")
			v := arg()
			if err := r.ip.parse(name, v, inv); err != nil {
				return fail("%s", err.Error())
			}
		case strings.HasPrefix(opt, "--arp-"):
			if r.arp == nil {
				r.arp = &ebtARP{}
			}
			if opt == "--arp-gratuitous" {
				r.arp.grat, r.arp.gratInv = true, inv
				break
			}
			v := arg()
			if err := r.arp.parse(opt, v, inv); err != nil {
				return fail("%s", err.Error())
			}
		case strings.HasPrefix(opt, "--vlan-"):
			// libebt_vlan 1.8.9 (getopt version): strtoul into the 16-bit fields of a
			// struct ebt_vlan_info, so larger values wrap; the id in decimal, the
			// encapsulated protocol in hex or by name, at least ETH_ZLEN (60).
			if r.vlan == nil {
				r.vlan = &ebtVLAN{}
			}
			v := arg()
			switch opt {
			case "--vlan-id":
				n, used, _, _ := strtoul(v, 10)
				x := int(uint16(n))
				if x > 4094 || used != len(v) {
					return fail("Invalid --vlan-id range ('%s')", v)
				}
				r.vlan.id, r.vlan.idInv = &x, inv
			case "--vlan-encap":
				n, used, _, _ := strtoul(v, 16)
				x := int(uint16(n))
				if used != len(v) {
					e, ok := ethertypeByName(v)
					if !ok {
						return fail("Unknown --vlan-encap value ('%s')", v)
					}
					x = e
				}
				if x < 60 {
					return fail("Invalid --vlan-encap range ('%s')", v)
				}
				r.vlan.encap, r.vlan.encapInv = &x, inv
			default:
				return fail("Unknown argument: '%s'", opt)
			}
		case strings.HasPrefix(opt, "--stp-"):
			if r.stp == nil {
				r.stp = &ebtSTP{}
			}
			idx := -1
			for j, o := range stpOpts {
				if strings.HasPrefix(o, opt) {
					idx = j
					break
				}
			}
			if idx < 0 {
				return fail("Unknown argument: '%s'", opt)
			}
			v := arg()
			if err := r.stp.parse(idx, v, inv); err != nil {
				return fail("%s", err.Error())
			}
		default:
			return fail("Unknown argument: '%s'", opt)
		}
		inv = false
	}
	if r.ip != nil {
		want := 0x0800
		if r.ip.v6 {
			want = 0x86dd
		}
		if r.proto != want || r.protoInv {
			return fail("For IP filtering the protocol must be specified as IPv4")
		}
		// what the kernel's ebt_ip and ebt_ip6 accept
		if (r.ip.sport != nil || r.ip.dport != nil) && (r.ip.proto == nil || r.ip.protoInv || !portProto(*r.ip.proto)) {
			return fail(" RULE_APPEND failed (Invalid argument): rule in chain %s", chain)
		}
		if r.ip.icmp != nil && (r.ip.proto == nil || r.ip.protoInv || *r.ip.proto != 58) {
			return fail(" RULE_APPEND failed (Invalid argument): rule in chain %s", chain)
		}
	}
	if r.arp != nil && (r.proto != 0x0806 && r.proto != 0x8035 || r.protoInv) {
		return fail("For (R)ARP filtering the protocol must be specified as ARP or RARP")
	}
	if r.vlan != nil && (r.proto != 0x8100 || r.protoInv) {
		return fail("For VLAN filtering the protocol must be specified as 802_1Q")
	}
	return r.save(chain), nil
}

func portProto(p int) bool { return p == 6 || p == 17 || p == 33 || p == 132 || p == 136 }

var (
	macBroadcast = macMask{mac: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mask: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	macBGA       = macMask{mac: [6]byte{0x01, 0x80, 0xc2, 0, 0, 0}, mask: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	macMulticast = macMask{mac: [6]byte{1, 0, 0, 0, 0, 0}, mask: [6]byte{1, 0, 0, 0, 0, 0}}
	macUnicast   = macMask{mac: [6]byte{0, 0, 0, 0, 0, 0}, mask: [6]byte{1, 0, 0, 0, 0, 0}}
)

func parseEbtMAC(v string) (*macMask, error) {
	switch strings.ToLower(v) {
	case "unicast":
		m := macUnicast
		return &m, nil
	case "multicast":
		m := macMulticast
		return &m, nil
	case "broadcast":
		m := macBroadcast
		return &m, nil
	case "bga":
		m := macBGA
		return &m, nil
	}
	addr, mask, hasMask := strings.Cut(v, "/")
	a, ok := parseMACStrict(addr)
	if !ok {
		return nil, fmt.Errorf("Problem with specified source mac '%s'", v)
	}
	m := &macMask{mac: a, mask: [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	if hasMask {
		mk, ok := parseMACStrict(mask)
		if !ok {
			return nil, fmt.Errorf("Problem with specified source mac '%s'", v)
		}
		m.mask = mk
	}
	for i := range m.mac {
		m.mac[i] &= m.mask[i]
	}
	return m, nil
}

func (m *macMask) String() string {
	switch {
	case m.mac == macUnicast.mac && m.mask == macUnicast.mask:
		return "Unicast"
	case m.mac == macMulticast.mac && m.mask == macMulticast.mask:
		return "Multicast"
	case m.mac == macBroadcast.mac && m.mask == macBroadcast.mask:
		return "Broadcast"
	case m.mac == macBGA.mac && m.mask == macBGA.mask:
		return "BGA"
	}
	s := formatMAC(m.mac)
	if m.mask != macBroadcast.mask {
		s += "/" + formatMAC(m.mask)
	}
	return s
}

// parseEbtIPv4 is ebtables' address reader: inet_aton-like parts, 1 to 4 of them.
func parseEbtAddr(v string, v6 bool) (netip.Prefix, error) {
	addr, mask, hasMask := strings.Cut(v, "/")
	size := 4
	var a netip.Addr
	var ok bool
	if v6 {
		size = 16
		a, ok = parseIPv6(addr)
	} else {
		a, ok = iptNumericIPv4(addr)
	}
	if !ok {
		return netip.Prefix{}, fmt.Errorf("Problem with specified IP address '%s'", v)
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
			if !ok || maskBits(m) < 0 {
				return netip.Prefix{}, fmt.Errorf("Problem with specified IP mask '%s'", mask)
			}
			bits = maskBits(m)
		}
	}
	return netip.PrefixFrom(applyMask(a, prefixMask(bits, size)), bits), nil
}

func (ip *ebtIP) parse(name, v string, inv bool) error {
	switch name {
	case "source", "src", "destination", "dst":
		p, err := parseEbtAddr(v, ip.v6)
		if err != nil {
			return err
		}
		if name == "source" || name == "src" {
			ip.src, ip.srcInv = &p, inv
		} else {
			ip.dst, ip.dstInv = &p, inv
		}
	case "tos":
		n, used, neg, of := strtoul(v, 16)
		if used == 0 || used != len(v) || neg || of || n > 255 {
			return fmt.Errorf("Problem with specified IP tos")
		}
		x := int(n)
		ip.tos, ip.tosInv = &x, inv
	case "protocol", "proto":
		x, ok := strToUint(v, 10)
		n := int(x)
		if !ok || x > 255 {
			n, ok = protoNumber(v)
			if !ok {
				return fmt.Errorf("Problem with specified IP protocol")
			}
		}
		ip.proto, ip.protoInv = &n, inv
	case "source-port", "sport", "destination-port", "dport":
		pr, err := parseEbtPorts(v)
		if err != nil {
			return err
		}
		if name == "source-port" || name == "sport" {
			ip.sport, ip.sportInv = &pr, inv
		} else {
			ip.dport, ip.dportInv = &pr, inv
		}
	case "icmp-type":
		t, c, _ := strings.Cut(v, "/")
		tr, err := parseEbtRange(t, 255)
		if err != nil {
			return err
		}
		cr := [2]int{0, 255}
		if c != "" {
			if cr, err = parseEbtRange(c, 255); err != nil {
				return err
			}
		}
		ip.icmp, ip.icmpInv = &[4]int{tr[0], tr[1], cr[0], cr[1]}, inv
	default:
		return fmt.Errorf("Unknown argument: '--ip-%s'", name)
	}
	return nil
}

func parseEbtRange(s string, max int) ([2]int, error) {
	lo, hi, isRange := strings.Cut(s, ":")
	p := func(x string) (int, error) {
		n, ok := strToUint(x, 10)
		if !ok || int(n) > max {
			return 0, fmt.Errorf("Problem with specified value '%s'", x)
		}
		return int(n), nil
	}
	a, err := p(lo)
	if err != nil {
		return [2]int{}, err
	}
	b := a
	if isRange {
		if b, err = p(hi); err != nil {
			return [2]int{}, err
		}
	}
	return [2]int{a, b}, nil
}

func parseEbtPorts(s string) ([2]uint16, error) {
	r, err := parseEbtRange(s, 65535)
	if err != nil {
		return [2]uint16{}, fmt.Errorf("Problem with specified port '%s'", s)
	}
	if r[0] > r[1] {
		return [2]uint16{}, fmt.Errorf("invalid portrange (min > max)")
	}
	return [2]uint16{uint16(r[0]), uint16(r[1])}, nil
}

func (ar *ebtARP) parse(opt, v string, inv bool) error {
	switch opt {
	case "--arp-opcode", "--arp-op":
		n := -1
		for i, name := range arpOpcodes {
			if i > 0 && strings.EqualFold(name, v) {
				n = i
			}
		}
		if n < 0 {
			x, ok := strToUint(v, 10)
			if !ok || x > 0xffff {
				return fmt.Errorf("Problem with specified ARP opcode")
			}
			n = int(x)
		}
		ar.op, ar.opInv = &n, inv
	case "--arp-htype":
		var n int
		if strings.EqualFold(v, "Ethernet") {
			n = 1
		} else {
			x, ok := strToUint(v, 10)
			if !ok || x > 0xffff {
				return fmt.Errorf("Problem with specified ARP hardware type")
			}
			n = int(x)
		}
		ar.htype, ar.htypeInv = &n, inv
	case "--arp-ptype":
		var n int
		if x, used, neg, of := strtoul(v, 16); used == len(v) && used > 0 && !neg && !of && x <= 0xffff {
			n = int(x)
		} else if e, ok := ethertypeByName(v); ok {
			n = e
		} else {
			return fmt.Errorf("Problem with specified ARP protocol type")
		}
		ar.ptype, ar.ptypeInv = &n, inv
	case "--arp-ip-src", "--arp-ip-dst":
		p, err := parseEbtAddr(v, false)
		if err != nil {
			return err
		}
		if opt == "--arp-ip-src" {
			ar.ipSrc, ar.ipSrcInv = &p, inv
		} else {
			ar.ipDst, ar.ipDstInv = &p, inv
		}
	case "--arp-mac-src", "--arp-mac-dst":
		m, err := parseEbtMAC(v)
		if err != nil {
			return err
		}
		m.inv = inv
		if opt == "--arp-mac-src" {
			ar.macSrc = m
		} else {
			ar.macDst = m
		}
	default:
		return fmt.Errorf("Unknown argument: '%s'", opt)
	}
	return nil
}

func (s *ebtSTP) parse(idx int, v string, inv bool) error {
	sv := &s.vals[idx]
	sv.set, sv.inv = true, inv
	switch idx {
	case 0, 1: // type, flags
		names := map[string]uint64{"config": 0, "tcn": 0x80}
		if idx == 1 {
			names = map[string]uint64{"topology-change": 1, "topology-change-ack": 0x80}
		}
		if n, ok := names[strings.ToLower(v)]; ok {
			sv.lo = n
			return nil
		}
		x, ok := strToUint(v, 10)
		if !ok || x > 255 {
			return fmt.Errorf("Bad --stp-type argument")
		}
		sv.lo = uint64(x)
	case 3, 6: // addresses
		m, err := parseEbtMAC(v)
		if err != nil {
			return err
		}
		sv.mac, sv.isMAC = *m, true
	default:
		max := uint64(0xffff)
		if idx == 4 {
			max = 0xffffffff
		}
		lo, hi, isRange := strings.Cut(v, ":")
		p := func(x string) (uint64, error) {
			n, ok := strToUint(x, 10)
			if !ok || uint64(n) > max {
				return 0, fmt.Errorf("Bad %s range", stpOpts[idx])
			}
			return uint64(n), nil
		}
		var err error
		if sv.lo, err = p(lo); err != nil {
			return err
		}
		sv.hi = sv.lo
		if isRange {
			if sv.hi, err = p(hi); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *ebtRule) save(chain string) string {
	var b strings.Builder
	b.Grow(160)
	b.WriteString("-A ")
	b.WriteString(chain)
	b.WriteByte(' ')
	if r.proto >= 0 || r.is8023 {
		b.WriteString("-p ")
		switch {
		case r.is8023:
			b.WriteString("Length ")
		default:
			if r.protoInv {
				b.WriteString("! ")
			}
			if n := ethertypeName(r.proto); n != "" {
				b.WriteString(n + " ")
			} else {
				b.WriteString("0x" + strconv.FormatInt(int64(r.proto), 16) + " ")
			}
		}
	}
	if r.in != "" {
		b.WriteString("-i " + r.in + " ")
	}
	if r.out != "" {
		b.WriteString("-o " + r.out + " ")
	}
	for _, m := range []struct {
		opt string
		mm  *macMask
	}{{"-s", r.src}, {"-d", r.dst}} {
		if m.mm == nil {
			continue
		}
		b.WriteString(m.opt + " ")
		if m.mm.inv {
			b.WriteString("! ")
		}
		b.WriteString(m.mm.String() + " ")
	}
	if r.ip != nil {
		r.ip.print(&b)
	}
	if r.arp != nil {
		r.arp.print(&b)
	}
	if r.vlan != nil {
		if r.vlan.id != nil {
			b.WriteString("--vlan-id " + bang(r.vlan.idInv) + strconv.Itoa(*r.vlan.id) + " ")
		}
		if r.vlan.encap != nil {
			b.WriteString("--vlan-encap " + bang(r.vlan.encapInv) + fmt.Sprintf("%04X", *r.vlan.encap) + " ")
		}
	}
	if r.stp != nil {
		r.stp.print(&b)
	}
	b.WriteString("-j " + r.target)
	return b.String()
}

func bang(inv bool) string {
	if inv {
		return "! "
	}
	return ""
}

func ebtAddrString(p netip.Prefix) string {
	s := formatIP(p.Addr())
	if p.Bits() != p.Addr().BitLen() {
		s += "/" + strconv.Itoa(p.Bits())
	}
	return s
}

func (ip *ebtIP) print(b *strings.Builder) {
	pre := "--ip-"
	if ip.v6 {
		pre = "--ip6-"
	}
	if ip.src != nil {
		b.WriteString(pre + "src " + bang(ip.srcInv) + ebtAddrString(*ip.src) + " ")
	}
	if ip.dst != nil {
		b.WriteString(pre + "dst " + bang(ip.dstInv) + ebtAddrString(*ip.dst) + " ")
	}
	if ip.tos != nil {
		b.WriteString(fmt.Sprintf("--ip-tos %s0x%02X ", bang(ip.tosInv), *ip.tos))
	}
	if ip.proto != nil {
		b.WriteString(pre + "proto " + bang(ip.protoInv))
		if n := protoName(*ip.proto); n != "" {
			b.WriteString(n + " ")
		} else {
			b.WriteString(strconv.Itoa(*ip.proto) + " ")
		}
	}
	port := func(name string, p *[2]uint16, inv bool) {
		if p == nil {
			return
		}
		b.WriteString(pre + name + " " + bang(inv))
		if p[0] == p[1] {
			b.WriteString(strconv.Itoa(int(p[0])) + " ")
		} else {
			b.WriteString(strconv.Itoa(int(p[0])) + ":" + strconv.Itoa(int(p[1])) + " ")
		}
	}
	port("sport", ip.sport, ip.sportInv)
	port("dport", ip.dport, ip.dportInv)
	if ip.icmp != nil {
		t := ip.icmp
		b.WriteString("--ip6-icmp-type " + bang(ip.icmpInv))
		if t[0] != t[1] {
			b.WriteString(fmt.Sprintf("%d:%d", t[0], t[1]))
		} else {
			if n := icmpv6Name(t[0], t[2], t[3]); n != "" {
				b.WriteString(n + " ")
				return
			}
			b.WriteString(strconv.Itoa(t[0]))
		}
		if t[2] == t[3] {
			b.WriteString(fmt.Sprintf("/%d ", t[2]))
		} else {
			b.WriteString(fmt.Sprintf("/%d:%d ", t[2], t[3]))
		}
	}
}

func (ar *ebtARP) print(b *strings.Builder) {
	if ar.op != nil {
		b.WriteString("--arp-op " + bang(ar.opInv))
		if *ar.op > 0 && *ar.op < len(arpOpcodes) {
			b.WriteString(arpOpcodes[*ar.op] + " ")
		} else {
			b.WriteString(strconv.Itoa(*ar.op) + " ")
		}
	}
	if ar.htype != nil {
		b.WriteString("--arp-htype " + bang(ar.htypeInv) + strconv.Itoa(*ar.htype) + " ")
	}
	if ar.ptype != nil {
		b.WriteString("--arp-ptype " + bang(ar.ptypeInv) + "0x" + strconv.FormatInt(int64(*ar.ptype), 16) + " ")
	}
	if ar.ipSrc != nil {
		b.WriteString("--arp-ip-src " + bang(ar.ipSrcInv) + ebtAddrString(*ar.ipSrc) + " ")
	}
	if ar.ipDst != nil {
		b.WriteString("--arp-ip-dst " + bang(ar.ipDstInv) + ebtAddrString(*ar.ipDst) + " ")
	}
	if ar.macSrc != nil {
		b.WriteString("--arp-mac-src " + bang(ar.macSrc.inv) + ar.macSrc.String() + " ")
	}
	if ar.macDst != nil {
		b.WriteString("--arp-mac-dst " + bang(ar.macDst.inv) + ar.macDst.String() + " ")
	}
	if ar.grat {
		b.WriteString(bang(ar.gratInv) + "--arp-gratuitous ")
	}
}

func (s *ebtSTP) print(b *strings.Builder) {
	for i, v := range s.vals {
		if !v.set {
			continue
		}
		b.WriteString(stpOpts[i] + " " + bang(v.inv))
		switch {
		case i == 0 && v.lo == 0:
			b.WriteString("config ")
		case i == 0 && v.lo == 0x80:
			b.WriteString("tcn ")
		case i == 1 && v.lo == 1:
			b.WriteString("topology-change ")
		case i == 1 && v.lo == 0x80:
			b.WriteString("topology-change-ack ")
		case v.isMAC:
			b.WriteString(v.mac.String() + " ")
		case i <= 1 || v.lo == v.hi:
			b.WriteString(strconv.FormatUint(v.lo, 10) + " ")
		default:
			b.WriteString(strconv.FormatUint(v.lo, 10) + ":" + strconv.FormatUint(v.hi, 10) + " ")
		}
	}
}
