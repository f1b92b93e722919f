package nwfilter

import (
	"errors"
	"fmt"
	"strconv"
)

// This file builds the arguments libvirt 9.0 passes to ebtables and iptables for one rule and one
// combination of variable values (src/nwfilter/nwfilter_ebiptables_driver.c): which options, in
// which order, with which values, and which rules it leaves out.

type ruleCtx struct {
	r    *ruleDef
	iter *combIter
	s    *ruleScratch
}

// ruleScratch is reused from one rule (and combination of values) to the next: the arguments
// of up to three iptables rules, the list of them, and one ebtables rule's arguments. What the
// functions below return in it is valid until they are called again.
type ruleScratch struct {
	iter combIter
	bufs [3]args
	eb   args
	outs []iptablesRule
}

// val is libvirt's printDataType: a variable's value verbatim, or the parsed value printed.
func (c *ruleCtx) val(f field, asHex bool) (string, error) {
	it := c.r.items.get(f)
	if it.va != nil {
		return c.iter.value(it.va)
	}
	switch it.dt {
	case dtIP, dtIPv6:
		// printed for each chain the rule goes to: once is enough
		if it.printed == "" {
			it.printed = formatIP(it.ip)
		}
		return it.printed, nil
	case dtMAC, dtMACMask:
		return formatMAC(it.mac), nil
	case dtIPMask, dtIPv6Mask:
		return strconv.Itoa(int(it.num)), nil
	case dtUint8, dtUint8Hex, dtUint16, dtUint16Hex, dtUint32, dtUint32Hex:
		if asHex {
			return "0x" + strconv.FormatUint(uint64(it.num), 16), nil
		}
		if it.printed == "" {
			it.printed = strconv.FormatUint(uint64(it.num), 10)
		}
		return it.printed, nil
	case dtIPSetName:
		return it.str, nil
	case dtString:
		// values turned into numbers by their validators
		if f == fIPProto || f == fOpcode || f == fVlanEncap || f == fProtocolID {
			if asHex {
				return "0x" + strconv.FormatUint(uint64(it.num), 16), nil
			}
			return strconv.FormatUint(uint64(it.num), 10), nil
		}
	}
	return "", fmt.Errorf("internal error: Cannot print data type %x", it.dt)
}

func (c *ruleCtx) neg(f field) bool { it := c.r.items.get(f); return it != nil && it.neg }

type args []string

func (a *args) add(s ...string) { *a = append(*a, s...) }

// ebtablesArgs is ebtablesCreateRuleInstance: the options after "-A chain".
func ebtablesArgs(c *ruleCtx, reverse bool) (args, error) {
	r := c.r
	a := c.s.eb[:0]
	defer func() { c.s.eb = a[:0] }()
	var err error
	ethHdr := func() error {
		for _, p := range [2]struct {
			addr, mask field
			opt, ropt  string
		}{{fSrcMAC, fSrcMACMask, "-s", "-d"}, {fDstMAC, fDstMACMask, "-d", "-s"}} {
			if !r.has(p.addr) {
				continue
			}
			v, err := c.val(p.addr, false)
			if err != nil {
				return err
			}
			if reverse {
				a.add(p.ropt)
			} else {
				a.add(p.opt)
			}
			if c.neg(p.addr) {
				a.add("!")
			}
			if r.has(p.mask) {
				m, err := c.val(p.mask, false)
				if err != nil {
					return err
				}
				v += "/" + m
			}
			a.add(v)
		}
		return nil
	}
	item := func(f field, opt string, asHex bool) error {
		if !r.has(f) {
			return nil
		}
		v, err := c.val(f, asHex)
		if err != nil {
			return err
		}
		a.add(opt)
		if c.neg(f) {
			a.add("!")
		}
		a.add(v)
		return nil
	}
	item2 := func(f, hi field, opt, sep string) error {
		if !r.has(f) {
			return nil
		}
		v, err := c.val(f, false)
		if err != nil {
			return err
		}
		a.add(opt)
		if c.neg(f) {
			a.add("!")
		}
		if r.has(hi) {
			w, err := c.val(hi, false)
			if err != nil {
				return err
			}
			v += sep + w
		}
		a.add(v)
		return nil
	}
	swap := func(normal, reversed string) string {
		if reverse {
			return reversed
		}
		return normal
	}
	switch r.proto {
	case pMAC:
		if err = ethHdr(); err != nil {
			return nil, err
		}
		if r.has(fProtocolID) {
			v, err := c.val(fProtocolID, true)
			if err != nil {
				return nil, err
			}
			a.add("-p")
			if c.neg(fProtocolID) {
				a.add("!")
			}
			a.add(v)
		}
	case pVLAN:
		if err = ethHdr(); err != nil {
			return nil, err
		}
		a.add("-p", "0x8100")
		if err = item(fVlanID, "--vlan-id", false); err != nil {
			return nil, err
		}
		if err = item(fVlanEncap, "--vlan-encap", false); err != nil {
			return nil, err
		}
	case pSTP:
		if reverse && r.has(fSrcMAC) {
			return nil, fmt.Errorf("internal error: STP filtering in inout direction with source MAC address set is not supported")
		}
		if err = ethHdr(); err != nil {
			return nil, err
		}
		a.add("-d", "01:80:c2:00:00:00")
		steps := []func() error{
			func() error { return item(fStpType, "--stp-type", false) },
			func() error { return item(fStpFlags, "--stp-flags", false) },
			func() error { return item2(fRootPri, fRootPriHi, "--stp-root-pri", ":") },
			func() error { return item2(fRootAddr, fRootAddrMask, "--stp-root-addr", "/") },
			func() error { return item2(fRootCost, fRootCostHi, "--stp-root-cost", ":") },
			func() error { return item2(fSndrPrio, fSndrPrioHi, "--stp-sender-prio", ":") },
			func() error { return item2(fSndrAddr, fSndrAddrMask, "--stp-sender-addr", "/") },
			func() error { return item2(fPort, fPortHi, "--stp-port", ":") },
			func() error { return item2(fAge, fAgeHi, "--stp-msg-age", ":") },
			func() error { return item2(fMaxAge, fMaxAgeHi, "--stp-max-age", ":") },
			func() error { return item2(fHelloTime, fHelloTimeHi, "--stp-hello-time", ":") },
			func() error { return item2(fFwdDelay, fFwdDelayHi, "--stp-forward-delay", ":") },
		}
		for _, s := range steps {
			if err = s(); err != nil {
				return nil, err
			}
		}
	case pARP, pRARP:
		if err = ethHdr(); err != nil {
			return nil, err
		}
		if r.proto == pARP {
			a.add("-p", "0x806")
		} else {
			a.add("-p", "0x8035")
		}
		if err = item(fHWType, "--arp-htype", false); err != nil {
			return nil, err
		}
		if err = item(fOpcode, "--arp-opcode", false); err != nil {
			return nil, err
		}
		if err = item(fProtocolType, "--arp-ptype", true); err != nil {
			return nil, err
		}
		hasMask := false
		for _, p := range [2]struct {
			addr, mask field
			opt, ropt  string
		}{{fARPSrcIP, fARPSrcIPMask, "--arp-ip-src", "--arp-ip-dst"}, {fARPDstIP, fARPDstIPMask, "--arp-ip-dst", "--arp-ip-src"}} {
			if !r.has(p.addr) {
				continue
			}
			v, err := c.val(p.addr, false)
			if err != nil {
				return nil, err
			}
			m := "32"
			if r.has(p.mask) {
				if m, err = c.val(p.mask, false); err != nil {
					return nil, err
				}
				hasMask = true
			} else if hasMask {
				// libvirt forgets to reset its flag: the previous mask's text is reused
				m = prevARPMask(c, p.addr)
			}
			a.add(swap(p.opt, p.ropt))
			if c.neg(p.addr) {
				a.add("!")
			}
			a.add(v + "/" + m)
		}
		for _, p := range [2]struct {
			f         field
			opt, ropt string
		}{{fARPSrcMAC, "--arp-mac-src", "--arp-mac-dst"}, {fARPDstMAC, "--arp-mac-dst", "--arp-mac-src"}} {
			if !r.has(p.f) {
				continue
			}
			v, err := c.val(p.f, false)
			if err != nil {
				return nil, err
			}
			a.add(swap(p.opt, p.ropt))
			if c.neg(p.f) {
				a.add("!")
			}
			a.add(v)
		}
		if g := r.items.get(fGratuitous); g != nil && g.va == nil && g.b {
			if g.neg {
				a.add("!")
			}
			a.add("--arp-gratuitous")
		}
	case pIP, pIPv6:
		if err = ethHdr(); err != nil {
			return nil, err
		}
		pre := "--ip-"
		if r.proto == pIPv6 {
			pre = "--ip6-"
			a.add("-p", "ipv6")
		} else {
			a.add("-p", "ipv4")
		}
		for _, p := range [2]struct {
			addr, mask field
			opt, ropt  string
		}{{fSrcIP, fSrcIPMask, "source", "destination"}, {fDstIP, fDstIPMask, "destination", "source"}} {
			if !r.has(p.addr) {
				continue
			}
			v, err := c.val(p.addr, false)
			if err != nil {
				return nil, err
			}
			a.add(pre + swap(p.opt, p.ropt))
			if c.neg(p.addr) {
				a.add("!")
			}
			if r.has(p.mask) {
				m, err := c.val(p.mask, false)
				if err != nil {
					return nil, err
				}
				v += "/" + m
			}
			a.add(v)
		}
		if err = item(fIPProto, pre+"protocol", false); err != nil {
			return nil, err
		}
		for _, p := range [2]struct {
			lo, hi    field
			opt, ropt string
		}{{fSrcPortStart, fSrcPortEnd, "source-port", "destination-port"}, {fDstPortStart, fDstPortEnd, "destination-port", "source-port"}} {
			if !r.has(p.lo) {
				continue
			}
			v, err := c.val(p.lo, false)
			if err != nil {
				return nil, err
			}
			a.add(pre + swap(p.opt, p.ropt))
			if c.neg(p.lo) {
				a.add("!")
			}
			if r.has(p.hi) {
				w, err := c.val(p.hi, false)
				if err != nil {
					return nil, err
				}
				v += ":" + w
			}
			a.add(v)
		}
		if r.proto == pIP {
			if err = item(fDSCP, "--ip-tos", true); err != nil {
				return nil, err
			}
		} else if r.has(fICMPType) || r.has(fICMPTypeEnd) || r.has(fICMPCode) || r.has(fICMPCodeEnd) {
			a.add("--ip6-icmp-type")
			rng := func(lo, hi field) (string, error) {
				l, h := "0", ""
				if r.has(lo) {
					v, err := c.val(lo, false)
					if err != nil {
						return "", err
					}
					l, h = v, v
				} else {
					h = "255"
				}
				if r.has(hi) {
					v, err := c.val(hi, false)
					if err != nil {
						return "", err
					}
					h = v
				}
				return l + ":" + h, nil
			}
			t, err := rng(fICMPType, fICMPTypeEnd)
			if err != nil {
				return nil, err
			}
			cd, err := rng(fICMPCode, fICMPCodeEnd)
			if err != nil {
				return nil, err
			}
			if c.neg(fICMPType) {
				a.add("!")
			}
			a.add(t + "/" + cd)
		}
	case pNone:
	}
	target := jumpTarget(r.action)
	if r.action == "reject" {
		target = "DROP"
	}
	a.add("-j", target)
	return a, nil
}

// prevARPMask returns the mask text libvirt's reused buffer still holds for the destination
// address when only the source address had a mask.
func prevARPMask(c *ruleCtx, f field) string {
	if f == fARPDstIP {
		if m, err := c.val(fARPSrcIPMask, false); err == nil {
			return m
		}
	}
	return "32"
}

func jumpTarget(action string) string {
	switch action {
	case "drop":
		return "DROP"
	case "accept":
		return "ACCEPT"
	case "reject":
		return "REJECT"
	case "return":
		return "RETURN"
	}
	return "CONTINUE"
}

// iptablesArgs is _iptablesCreateRuleInstance. It returns nil args when libvirt leaves the rule
// out for this chain.
// The arguments go into c.s.bufs[slot].
func iptablesArgs(c *ruleCtx, slot int, directionIn bool, match string, defMatch bool, acceptTarget string, maySkipICMP bool) (args, error) {
	r := c.r
	a := c.s.bufs[slot][:0]
	defer func() { c.s.bufs[slot] = a[:0] }()
	var err error
	proto := ""
	switch r.proto {
	case pTCP, pTCPv6:
		proto = "tcp"
	case pUDP, pUDPv6:
		proto = "udp"
	case pUDPLite, pUDPLitev6:
		proto = "udplite"
	case pESP, pESPv6:
		proto = "esp"
	case pAH, pAHv6:
		proto = "ah"
	case pSCTP, pSCTPv6:
		proto = "sctp"
	case pICMP:
		proto = "icmp"
	case pICMPv6:
		proto = "icmpv6"
	case pIGMP:
		proto = "igmp"
	case pAll, pAllv6:
		proto = "all"
	}
	a.add("-p", proto)
	base := len(a)
	srcMacSkipped := false
	if r.has(fSrcMAC) {
		if directionIn {
			srcMacSkipped = true
		} else {
			v, err := c.val(fSrcMAC, false)
			if err != nil {
				return nil, err
			}
			a.add("-m", "mac")
			if c.neg(fSrcMAC) {
				a.add("!")
			}
			a.add("--mac-source", v)
		}
	}
	skipRule, skipMatch := false, false
	// IP header
	src, dst, srcr, dstr := "--source", "--destination", "--src-range", "--dst-range"
	if directionIn {
		src, dst, srcr, dstr = dst, src, dstr, srcr
	}
	for _, p := range [2]struct {
		addr, mask, from, to field
		opt, ropt            string
	}{{fSrcIP, fSrcIPMask, fSrcIPFrom, fSrcIPTo, src, srcr}, {fDstIP, fDstIPMask, fDstIPFrom, fDstIPTo, dst, dstr}} {
		if r.has(p.addr) {
			v, err := c.val(p.addr, false)
			if err != nil {
				return nil, err
			}
			if c.neg(p.addr) {
				a.add("!")
			}
			a.add(p.opt)
			if r.has(p.mask) {
				m, err := c.val(p.mask, false)
				if err != nil {
					return nil, err
				}
				v += "/" + m
			}
			a.add(v)
		} else if r.has(p.from) {
			v, err := c.val(p.from, false)
			if err != nil {
				return nil, err
			}
			a.add("-m", "iprange")
			if c.neg(p.from) {
				a.add("!")
			}
			a.add(p.ropt)
			if r.has(p.to) {
				w, err := c.val(p.to, false)
				if err != nil {
					return nil, err
				}
				v += "-" + w
			}
			a.add(v)
		}
	}
	if r.has(fDSCP) {
		v, err := c.val(fDSCP, false)
		if err != nil {
			return nil, err
		}
		a.add("-m", "dscp")
		if c.neg(fDSCP) {
			a.add("!")
		}
		a.add("--dscp", v)
	}
	if r.has(fConnlimit) {
		if directionIn {
			skipRule = true
		} else {
			skipMatch = true
		}
	}
	ports := func() error {
		sport, dport := "--sport", "--dport"
		if directionIn {
			sport, dport = dport, sport
		}
		for _, p := range [2]struct {
			lo, hi field
			opt    string
		}{{fSrcPortStart, fSrcPortEnd, sport}, {fDstPortStart, fDstPortEnd, dport}} {
			if !r.has(p.lo) {
				continue
			}
			v, err := c.val(p.lo, false)
			if err != nil {
				return err
			}
			if c.neg(p.lo) {
				a.add("!")
			}
			a.add(p.opt)
			if r.has(p.hi) {
				w, err := c.val(p.hi, false)
				if err != nil {
					return err
				}
				v += ":" + w
			}
			a.add(v)
		}
		return nil
	}
	hasICMPType := false
	switch r.proto {
	case pTCP, pTCPv6:
		if t := r.items.get(fTCPFlags); t != nil {
			if t.neg {
				a.add("!")
			}
			a.add("--tcp-flags", printTCPFlags(uint8(t.num)), printTCPFlags(t.flags))
		}
		if err = ports(); err != nil {
			return nil, err
		}
		if r.has(fTCPOption) {
			v, err := c.val(fTCPOption, false)
			if err != nil {
				return nil, err
			}
			if c.neg(fTCPOption) {
				a.add("!")
			}
			a.add("--tcp-option", v)
		}
	case pUDP, pUDPv6, pSCTP, pSCTPv6:
		if err = ports(); err != nil {
			return nil, err
		}
	case pICMP, pICMPv6:
		if r.has(fICMPType) {
			hasICMPType = true
			if maySkipICMP {
				return nil, nil
			}
			parm := "--icmp-type"
			if r.proto == pICMPv6 {
				parm = "--icmpv6-type"
			}
			v, err := c.val(fICMPType, false)
			if err != nil {
				return nil, err
			}
			if c.neg(fICMPType) {
				a.add("!")
			}
			a.add(parm)
			if r.has(fICMPCode) {
				w, err := c.val(fICMPCode, false)
				if err != nil {
					return nil, err
				}
				v += "/" + w
			}
			a.add(v)
		}
	}
	if (srcMacSkipped && len(a) == base) || skipRule {
		return nil, nil
	}
	var target string
	if r.action == "accept" {
		target = acceptTarget
	} else {
		target = jumpTarget(r.action)
		skipMatch = defMatch
	}
	if match != "" && !skipMatch {
		a.add("-m", "conntrack", "--ctstate", match)
	}
	if defMatch && match != "" && !skipMatch && !hasICMPType {
		// the kernels libvirt 9.0 meets all have the "corrected" --ctdir meaning
		if r.direction != "inout" {
			if directionIn {
				a.add("-m", "conntrack", "--ctdir", "Reply")
			} else {
				a.add("-m", "conntrack", "--ctdir", "Original")
			}
		}
	}
	// after the state match
	if r.has(fIPSet) && r.has(fIPSetFlags) {
		v, err := c.val(fIPSet, false)
		if err != nil {
			return nil, err
		}
		a.add("-m", "set", "--match-set", v)
		fl := r.items.get(fIPSetFlags)
		if fl.va == nil && fl.dt == 0 {
			// libvirt's fixup gives an ipset without ipsetflags default flags but no data
			// type, and printing them fails.
			return nil, errors.New("internal error: Unexpected enum value 0 for virNWFilterAttrDataType")
		}
		if fl.va != nil {
			w, err := c.iter.value(fl.va)
			if err != nil {
				return nil, err
			}
			a.add(w)
		} else {
			s := ""
			for i := uint8(0); i < fl.nflags; i++ {
				if i > 0 {
					s += ","
				}
				if (fl.flags&(1<<i) != 0) != directionIn {
					s += "src"
				} else {
					s += "dst"
				}
			}
			a.add(s)
		}
	}
	if r.has(fConnlimit) && !directionIn {
		v, err := c.val(fConnlimit, false)
		if err != nil {
			return nil, err
		}
		a.add("-m", "connlimit")
		if c.neg(fConnlimit) {
			a.add("!")
		}
		a.add("--connlimit-above", v)
	}
	if cm := r.items.get(fComment); cm != nil && cm.va == nil {
		a.add("-m", "comment", "--comment", cm.str)
	}
	a.add("-j", target)
	return a, nil
}

// iptablesRule is one rule libvirt adds to an iptables chain.
type iptablesRule struct {
	chain string // FI, FO or HI
	args  args
}

// iptablesRuleInstance is iptablesCreateRuleInstance (and its StateCtrl variant): up to three
// rules, for FI (traffic from the VM), FO (to the VM) and HI (from the VM to the host).
func iptablesRuleInstance(c *ruleCtx) ([]iptablesRule, error) {
	r := c.r
	directionIn := r.direction == "in" || r.direction == "inout"
	inout := r.direction == "inout"
	out := c.s.outs[:0]
	defer func() { c.s.outs = out[:0] }()
	add := func(chain string, a args, err error) error {
		if err != nil {
			return err
		}
		if a != nil {
			out = append(out, iptablesRule{chain, a})
		}
		return nil
	}
	if !r.noState && r.stateFlags&iptablesStateMask != 0 {
		state := printStateFlags(r.stateFlags)
		if !(directionIn && !inout) {
			a, err := iptablesArgs(c, 0, directionIn, state, false, "RETURN", directionIn || inout)
			if err := add("FI", a, err); err != nil {
				return nil, err
			}
		}
		if directionIn {
			a, err := iptablesArgs(c, 1, !directionIn, state, false, "ACCEPT", !directionIn || inout)
			if err := add("FO", a, err); err != nil {
				return nil, err
			}
		}
		if !(directionIn && !inout) {
			a, err := iptablesArgs(c, 2, directionIn, state, false, "RETURN", directionIn)
			if err := add("HI", a, err); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	needState := !inout && !r.noState
	st := func(in bool) string {
		if !needState {
			return ""
		}
		if in {
			return "ESTABLISHED"
		}
		return "NEW,ESTABLISHED"
	}
	a, err := iptablesArgs(c, 0, directionIn, st(directionIn), true, "RETURN", directionIn || inout)
	if err := add("FI", a, err); err != nil {
		return nil, err
	}
	a, err = iptablesArgs(c, 1, !directionIn, st(!directionIn), true, "ACCEPT", !directionIn || inout)
	if err := add("FO", a, err); err != nil {
		return nil, err
	}
	a, err = iptablesArgs(c, 2, directionIn, st(directionIn), true, "RETURN", directionIn)
	if err := add("HI", a, err); err != nil {
		return nil, err
	}
	return out, nil
}
