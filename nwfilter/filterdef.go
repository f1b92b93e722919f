package nwfilter

import (
	"fmt"
	"net/netip"
	"strings"
)

// This file reads a filter's XML the way libvirt 9.0 does (src/conf/nwfilter_conf.c): which
// attributes each protocol accepts, in which order, which types are tried for a value, the
// checks, the defaults (rule priority 500, chain priorities) and the refusals, in libvirt's words.

type dataType uint32

const (
	dtUint16 dataType = 1 << iota
	dtUint8
	dtUint16Hex
	dtUint8Hex
	dtMAC
	dtMACMask
	dtIP
	dtIPMask
	dtString
	dtIPv6
	dtIPv6Mask
	dtStringCopy
	dtBool
	dtUint32
	dtUint32Hex
	dtIPSetName
	dtIPSetFlags
	dtLast
)

// field names a piece of a rule (libvirt's nwItemDesc members), shared by all protocols.
type field uint8

const (
	fSrcMAC field = iota
	fSrcMACMask
	fDstMAC
	fDstMACMask
	fProtocolID
	fVlanID
	fVlanEncap
	fStpType
	fStpFlags
	fRootPri
	fRootPriHi
	fRootAddr
	fRootAddrMask
	fRootCost
	fRootCostHi
	fSndrPrio
	fSndrPrioHi
	fSndrAddr
	fSndrAddrMask
	fPort
	fPortHi
	fAge
	fAgeHi
	fMaxAge
	fMaxAgeHi
	fHelloTime
	fHelloTimeHi
	fFwdDelay
	fFwdDelayHi
	fHWType
	fProtocolType
	fOpcode
	fARPSrcMAC
	fARPDstMAC
	fARPSrcIP
	fARPSrcIPMask
	fARPDstIP
	fARPDstIPMask
	fGratuitous
	fSrcIP
	fSrcIPMask
	fDstIP
	fDstIPMask
	fSrcIPFrom
	fSrcIPTo
	fDstIPFrom
	fDstIPTo
	fIPProto
	fSrcPortStart
	fSrcPortEnd
	fDstPortStart
	fDstPortEnd
	fDSCP
	fConnlimit
	fState
	fIPSet
	fIPSetFlags
	fTCPOption
	fTCPFlags
	fICMPType
	fICMPTypeEnd
	fICMPCode
	fICMPCodeEnd
	fComment
	numFields
)

type validator uint8

const (
	vNone validator = iota
	vMacProto
	vVlanID
	vVlanProto
	vArpOpcode
	vIPProto
	vDSCP
	vState
	vTCPFlags
	vIPSet
	vIPSetFlags
)

type attrDef struct {
	name  string
	types dataType
	f     field
	check validator
}

var (
	macProps = []attrDef{
		{"srcmacaddr", dtMAC, fSrcMAC, 0},
		{"srcmacmask", dtMACMask, fSrcMACMask, 0},
		{"dstmacaddr", dtMAC, fDstMAC, 0},
		{"dstmacmask", dtMACMask, fDstMACMask, 0},
	}
	commentProp = attrDef{"comment", dtStringCopy, fComment, 0}
	portProps   = []attrDef{
		{"srcportstart", dtUint16 | dtUint16Hex, fSrcPortStart, 0},
		{"srcportend", dtUint16 | dtUint16Hex, fSrcPortEnd, 0},
		{"dstportstart", dtUint16 | dtUint16Hex, fDstPortStart, 0},
		{"dstportend", dtUint16 | dtUint16Hex, fDstPortEnd, 0},
	}
)

func cat(parts ...[]attrDef) []attrDef {
	var r []attrDef
	for _, p := range parts {
		r = append(r, p...)
	}
	return r
}

func commonIPProps(addr, mask dataType) []attrDef {
	return []attrDef{
		{"srcmacaddr", dtMAC, fSrcMAC, 0},
		{"srcipaddr", addr, fSrcIP, 0},
		{"srcipmask", mask, fSrcIPMask, 0},
		{"dstipaddr", addr, fDstIP, 0},
		{"dstipmask", mask, fDstIPMask, 0},
		{"srcipfrom", addr, fSrcIPFrom, 0},
		{"srcipto", addr, fSrcIPTo, 0},
		{"dstipfrom", addr, fDstIPFrom, 0},
		{"dstipto", dtIP, fDstIPTo, 0}, // libvirt's table says IPv4 here even for the -ipv6 protocols
		{"dscp", dtUint8 | dtUint8Hex, fDSCP, vDSCP},
		{"connlimit-above", dtUint16, fConnlimit, 0},
		{"state", dtString, fState, vState},
		{"ipset", dtIPSetName, fIPSet, vIPSet},
		{"ipsetflags", dtIPSetFlags, fIPSetFlags, vIPSetFlags},
	}
}

func ipProtocols(addr, mask dataType, v6 bool) map[string][]attrDef {
	ip := commonIPProps(addr, mask)
	icmpTail := []attrDef{{"type", dtUint8 | dtUint8Hex, fICMPType, 0}, {"code", dtUint8 | dtUint8Hex, fICMPCode, 0}, commentProp}
	tcpTail := []attrDef{{"option", dtUint8 | dtUint8Hex, fTCPOption, 0}}
	if !v6 {
		tcpTail = append(tcpTail, attrDef{"flags", dtString, fTCPFlags, vTCPFlags})
	}
	m := map[string][]attrDef{
		"tcp":     cat(ip, portProps, tcpTail, []attrDef{commentProp}),
		"udp":     cat(ip, portProps, []attrDef{commentProp}),
		"udplite": cat(ip, []attrDef{commentProp}),
		"esp":     cat(ip, []attrDef{commentProp}),
		"ah":      cat(ip, []attrDef{commentProp}),
		"sctp":    cat(ip, portProps, []attrDef{commentProp}),
		"icmp":    cat(ip, icmpTail),
		"all":     cat(ip, []attrDef{commentProp}),
	}
	if !v6 {
		m["igmp"] = cat(ip, []attrDef{commentProp})
	}
	return m
}

// protoKind is libvirt's virNWFilterRuleProtocolType, in its order.
type protoKind uint8

const (
	pNone protoKind = iota
	pMAC
	pVLAN
	pSTP
	pARP
	pRARP
	pIP
	pIPv6
	pTCP
	pICMP
	pIGMP
	pUDP
	pUDPLite
	pESP
	pAH
	pSCTP
	pAll
	pTCPv6
	pICMPv6
	pUDPv6
	pUDPLitev6
	pESPv6
	pAHv6
	pSCTPv6
	pAllv6
)

func (p protoKind) ethernet() bool { return p <= pIPv6 }
func (p protoKind) ipv4() bool     { return p >= pTCP && p <= pAll }
func (p protoKind) ipv6() bool     { return p >= pTCPv6 && p <= pAllv6 }

type protoDef struct {
	name  string
	kind  protoKind
	attrs []attrDef
	index map[string]int // attribute name -> position in attrs
}

// protocols is libvirt's virAttr table, in its order (the order matters: see parseRule).
var protocols []protoDef

func init() {
	arp := cat(macProps, []attrDef{
		{"hwtype", dtUint16 | dtUint16Hex, fHWType, 0},
		{"protocoltype", dtUint16 | dtUint16Hex, fProtocolType, 0},
		{"opcode", dtUint16 | dtUint16Hex | dtString, fOpcode, vArpOpcode},
		{"arpsrcmacaddr", dtMAC, fARPSrcMAC, 0},
		{"arpdstmacaddr", dtMAC, fARPDstMAC, 0},
		{"arpsrcipaddr", dtIP, fARPSrcIP, 0},
		{"arpsrcipmask", dtIPMask, fARPSrcIPMask, 0},
		{"arpdstipaddr", dtIP, fARPDstIP, 0},
		{"arpdstipmask", dtIPMask, fARPDstIPMask, 0},
		{"gratuitous", dtBool, fGratuitous, 0},
		commentProp,
	})
	mac := cat(macProps, []attrDef{{"protocolid", dtUint16 | dtUint16Hex | dtString, fProtocolID, vMacProto}, commentProp})
	vlan := cat(macProps, []attrDef{
		{"vlanid", dtUint16 | dtUint16Hex, fVlanID, vVlanID},
		{"encap-protocol", dtUint16 | dtUint16Hex | dtString, fVlanEncap, vVlanProto},
		commentProp,
	})
	u16 := dtUint16 | dtUint16Hex
	stp := []attrDef{
		{"srcmacaddr", dtMAC, fSrcMAC, 0},
		{"srcmacmask", dtMACMask, fSrcMACMask, 0},
		{"type", dtUint8 | dtUint8Hex, fStpType, 0},
		{"flags", dtUint8 | dtUint8Hex, fStpFlags, 0},
		{"root-priority", u16, fRootPri, 0},
		{"root-priority-hi", u16, fRootPriHi, 0},
		{"root-address", dtMAC, fRootAddr, 0},
		{"root-address-mask", dtMACMask, fRootAddrMask, 0},
		{"root-cost", dtUint32 | dtUint32Hex, fRootCost, 0},
		{"root-cost-hi", dtUint32 | dtUint32Hex, fRootCostHi, 0},
		{"sender-priority", u16, fSndrPrio, 0},
		{"sender-priority-hi", u16, fSndrPrioHi, 0},
		{"sender-address", dtMAC, fSndrAddr, 0},
		{"sender-address-mask", dtMACMask, fSndrAddrMask, 0},
		{"port", u16, fPort, 0},
		{"port-hi", u16, fPortHi, 0},
		{"age", u16, fAge, 0},
		{"age-hi", u16, fAgeHi, 0},
		{"max-age", u16, fMaxAge, 0},
		{"max-age-hi", u16, fMaxAgeHi, 0},
		{"hello-time", u16, fHelloTime, 0},
		{"hello-time-hi", u16, fHelloTimeHi, 0},
		{"forward-delay", u16, fFwdDelay, 0},
		{"forward-delay-hi", u16, fFwdDelayHi, 0},
		commentProp,
	}
	ipEth := cat(macProps, []attrDef{
		{"srcipaddr", dtIP, fSrcIP, 0},
		{"srcipmask", dtIPMask, fSrcIPMask, 0},
		{"dstipaddr", dtIP, fDstIP, 0},
		{"dstipmask", dtIPMask, fDstIPMask, 0},
		{"protocol", dtString | dtUint8 | dtUint8Hex, fIPProto, vIPProto},
	}, portProps, []attrDef{{"dscp", dtUint8 | dtUint8Hex, fDSCP, vDSCP}, commentProp})
	ipv6Eth := cat(macProps, []attrDef{
		{"srcipaddr", dtIPv6, fSrcIP, 0},
		{"srcipmask", dtIPv6Mask, fSrcIPMask, 0},
		{"dstipaddr", dtIPv6, fDstIP, 0},
		{"dstipmask", dtIPv6Mask, fDstIPMask, 0},
		{"protocol", dtString | dtUint8 | dtUint8Hex, fIPProto, vIPProto},
	}, portProps, []attrDef{
		{"type", dtUint8 | dtUint8Hex, fICMPType, 0},
		{"typeend", dtUint8 | dtUint8Hex, fICMPTypeEnd, 0},
		{"code", dtUint8 | dtUint8Hex, fICMPCode, 0},
		{"codeend", dtUint8 | dtUint8Hex, fICMPCodeEnd, 0},
		commentProp,
	})
	v4 := ipProtocols(dtIP, dtIPMask, false)
	v6 := ipProtocols(dtIPv6, dtIPv6Mask, true)
	protocols = []protoDef{
		{"arp", pARP, arp, nil},
		{"rarp", pRARP, arp, nil},
		{"mac", pMAC, mac, nil},
		{"vlan", pVLAN, vlan, nil},
		{"stp", pSTP, stp, nil},
		{"ip", pIP, ipEth, nil},
		{"ipv6", pIPv6, ipv6Eth, nil},
		{"tcp", pTCP, v4["tcp"], nil},
		{"udp", pUDP, v4["udp"], nil},
		{"udplite", pUDPLite, v4["udplite"], nil},
		{"esp", pESP, v4["esp"], nil},
		{"ah", pAH, v4["ah"], nil},
		{"sctp", pSCTP, v4["sctp"], nil},
		{"icmp", pICMP, v4["icmp"], nil},
		{"all", pAll, v4["all"], nil},
		{"igmp", pIGMP, v4["igmp"], nil},
		{"tcp-ipv6", pTCPv6, v6["tcp"], nil},
		{"udp-ipv6", pUDPv6, v6["udp"], nil},
		{"udplite-ipv6", pUDPLitev6, v6["udplite"], nil},
		{"esp-ipv6", pESPv6, v6["esp"], nil},
		{"ah-ipv6", pAHv6, v6["ah"], nil},
		{"sctp-ipv6", pSCTPv6, v6["sctp"], nil},
		{"icmpv6", pICMPv6, v6["icmp"], nil},
		{"all-ipv6", pAllv6, v6["all"], nil},
	}
	for i := range protocols {
		protocols[i].index = map[string]int{}
		for j, a := range protocols[i].attrs {
			protocols[i].index[a.name] = j
		}
	}
}

// item is one attribute of a rule as libvirt holds it (nwItemDesc).
type item struct {
	neg    bool
	va     *varAccess // non-nil when the value is a variable
	dt     dataType
	num    uint32
	mac    [6]byte
	ip     netip.Addr
	str    string
	flags  uint8 // tcp flags: mask in num, flags here; ipset: flag bits
	nflags uint8 // ipset: number of flags
	b      bool
	// printed caches the address as libvirt prints it
	printed string
}

// ruleDef is a parsed <rule>.
type ruleDef struct {
	action     string // drop accept reject return continue
	direction  string // in out inout
	priority   int
	noState    bool  // statematch='false'
	stateFlags int32 // RULE_FLAG_STATE_*
	proto      protoKind
	items      itemSet
	vars       []*varAccess // libvirt's rule->varAccess, in the order found
}

func (r *ruleDef) has(f field) bool { return r.items.get(f) != nil }

// itemSet holds a rule's attributes by field: a rule has a few of the many fields.
type itemSet struct {
	idx  [numFields]uint8 // 1-based index into list, 0 for none
	list []*item
}

func (s *itemSet) get(f field) *item {
	if i := s.idx[f]; i > 0 {
		return s.list[i-1]
	}
	return nil
}

// set stores it (nil removes the field).
func (s *itemSet) set(f field, it *item) {
	if i := s.idx[f]; i > 0 {
		s.list[i-1] = it
		return
	}
	if it == nil {
		return
	}
	s.list = append(s.list, it)
	s.idx[f] = uint8(len(s.list))
}

// refDef is a parsed <filterref>.
type refDef struct {
	filter string
	params []Param
}

type entry struct {
	rule *ruleDef
	ref  *refDef
}

// filterDef is a parsed <filter>.
type filterDef struct {
	name          string
	chain         string
	chainPriority int
	entries       []entry
}

const (
	stateNoStatematch int32 = 1 << 0
	stateNew          int32 = 1 << 1
	stateEstablished  int32 = 1 << 2
	stateRelated      int32 = 1 << 3
	stateInvalid      int32 = 1 << 4
	stateNone         int32 = 1 << 5
	iptablesStateMask       = stateNew | stateEstablished | stateRelated | stateInvalid | stateNone
)

var chainSuffixes = []string{"root", "mac", "vlan", "stp", "arp", "rarp", "ipv4", "ipv6"}

var defaultChainPriority = map[string]int{
	"root": 0, "mac": -800, "vlan": -750, "ipv4": -700, "ipv6": -600, "arp": -500, "rarp": -400,
}

func defineRefusal(msg string) error { return &RefusalError{Op: "define", Msg: msg} }

// parseFilter parses and checks a filter's XML as virsh nwfilter-define would.
func parseFilter(s string) (*filterDef, error) {
	root, err := parseXMLTree(s)
	if err != nil {
		return nil, defineRefusal("XML error: " + err.Error())
	}
	if root.name != "filter" {
		return nil, defineRefusal("XML error: unknown root element for nw filter")
	}
	f := &filterDef{chain: "root"}
	name, ok := root.attr("name")
	if !ok || name == "" {
		return nil, defineRefusal("internal error: filter has no name")
	}
	f.name = name
	prioStr, hasPrio := root.attr("priority")
	prio := 0
	if hasPrio && prioStr != "" {
		p, ok := strToInt(prioStr)
		if !ok {
			return nil, defineRefusal(fmt.Sprintf("invalid argument: Could not parse chain priority '%s'", prioStr))
		}
		if p < -1000 || p > 1000 {
			return nil, defineRefusal(fmt.Sprintf("invalid argument: Priority '%d' is outside valid range of [%d,%d]", p, -1000, 1000))
		}
		prio = p
	} else {
		hasPrio = false
	}
	if chain, ok := root.attr("chain"); ok && chain != "" {
		prefix, err := allowedChain(chain)
		if err != nil {
			return nil, err
		}
		f.chain = chain
		if hasPrio {
			f.chainPriority = prio
		} else if p, ok := defaultChainPriority[prefix]; ok {
			f.chainPriority = p
		} else {
			f.chainPriority = 0
		}
	}
	for _, c := range root.children {
		switch c.name {
		case "rule":
			r, err := parseRule(c)
			if err != nil {
				return nil, err
			}
			f.entries = append(f.entries, entry{rule: r})
		case "filterref":
			ref, ok := c.attr("filter")
			if !ok {
				return nil, defineRefusal("internal error: rule node requires action attribute")
			}
			f.entries = append(f.entries, entry{ref: &refDef{filter: ref, params: parseParams(c)}})
		}
	}
	return f, nil
}

// parseParams reads <parameter name= value=/> children; invalid ones are skipped as libvirt does.
func parseParams(n *xmlNode) []Param {
	var ps []Param
	for _, c := range n.children {
		if c.name != "parameter" {
			continue
		}
		nm, ok1 := c.attr("name")
		val, ok2 := c.attr("value")
		if !ok1 || !ok2 || !validVarName(nm) || !validVarValue(val) {
			continue
		}
		ps = append(ps, Param{Name: nm, Value: val})
	}
	return ps
}

func allowedChain(chain string) (string, error) {
	if len(chain) > 12 {
		return "", defineRefusal("invalid argument: Name of chain is longer than 12 characters")
	}
	for i := 0; i < len(chain); i++ {
		c := chain[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:-", c) >= 0) {
			return "", defineRefusal("invalid argument: Chain name contains invalid characters")
		}
	}
	for _, s := range chainSuffixes {
		if s == "root" {
			if chain == s {
				return s, nil
			}
			if strings.HasPrefix(chain, s) {
				return "", defineRefusal(invalidChainMsg(chain))
			}
			continue
		}
		if strings.HasPrefix(chain, s) {
			return s, nil
		}
	}
	return "", defineRefusal(invalidChainMsg(chain))
}

func invalidChainMsg(chain string) string {
	return fmt.Sprintf("invalid argument: Invalid chain name '%s'. Please use a chain name called 'root' or any of the following prefixes: mac, vlan, stp, arp, rarp, ipv4, ipv6", chain)
}

var (
	actions    = []string{"drop", "accept", "reject", "return", "continue"}
	directions = []string{"in", "out", "inout"}
)

func oneOf(s string, list []string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func parseRule(n *xmlNode) (*ruleDef, error) {
	r := &ruleDef{priority: 500}
	action, ok := n.attr("action")
	if !ok {
		return nil, defineRefusal("internal error: rule node requires action attribute")
	}
	if !oneOf(action, actions) {
		return nil, defineRefusal("unsupported configuration: unknown rule action attribute value")
	}
	r.action = action
	dir, ok := n.attr("direction")
	if !ok {
		return nil, defineRefusal("internal error: rule node requires direction attribute")
	}
	if !oneOf(dir, directions) {
		return nil, defineRefusal("unsupported configuration: unknown rule direction attribute value")
	}
	r.direction = dir
	if p, ok := n.attr("priority"); ok {
		if v, ok := strToInt(p); ok && v >= -1000 && v <= 1000 {
			r.priority = v
		}
	}
	if sm, ok := n.attr("statematch"); ok && (sm == "0" || strings.EqualFold(sm, "false")) {
		r.noState = true
	}
	// libvirt takes the first child element naming a protocol; later children only count
	// when they name the same protocol (they are parsed into the same rule again).
	found := -1
	for _, c := range n.children {
		idx := -1
		if found >= 0 {
			if protocols[found].name == c.name {
				idx = found
			}
		} else {
			for i, p := range protocols {
				if p.name == c.name {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			continue
		}
		found = idx
		r.proto = protocols[idx].kind
		if err := parseDetails(c, r, &protocols[idx]); err != nil {
			return nil, err
		}
		if err := validateRule(r); err != nil {
			return nil, err
		}
	}
	fixupRule(r)
	return r, nil
}

var macProtoMap = []struct {
	v    uint32
	name string
}{{0x0806, "arp"}, {0x8035, "rarp"}, {0x0800, "ipv4"}, {0x86dd, "ipv6"}, {0x8100, "vlan"}}

var arpOpcodes = []string{"", "Request", "Reply", "Request_Reverse", "Reply_Reverse", "DRARP_Request", "DRARP_Reply", "DRARP_Error", "InARP_Request", "ARP_NAK"}

var ipProtoMap = []struct {
	v    uint32
	name string
}{{6, "tcp"}, {17, "udp"}, {136, "udplite"}, {50, "esp"}, {51, "ah"}, {1, "icmp"}, {2, "igmp"}, {132, "sctp"}, {58, "icmpv6"}}

func parseDetails(n *xmlNode, r *ruleDef, proto *protoDef) error {
	m, _ := n.attr("match")
	neg := m == "no"
	var lastErr string
	// The element's attributes the protocol knows, in the protocol's order (libvirt walks its
	// table and looks each up; the last error wins).
	var known [16]struct {
		def  int
		prop string
	}
	nk := 0
	for _, at := range n.attrs {
		j, ok := proto.index[at.name]
		if !ok || nk == len(known) {
			continue
		}
		k := nk
		for k > 0 && known[k-1].def > j {
			known[k] = known[k-1]
			k--
		}
		known[k].def, known[k].prop = j, at.value
		nk++
	}
	// one allocation for the rule's items: at most one per attribute of the element
	items := make([]item, 0, nk)
	if r.items.list == nil {
		r.items.list = make([]*item, 0, nk+1)
	}
	for _, kn := range known[:nk] {
		a, prop := proto.attrs[kn.def], kn.prop
		items = append(items, item{neg: neg})
		it := &items[len(items)-1]
		if strings.HasPrefix(prop, "$") {
			va, err := parseVarAccess(prop[1:])
			if err != nil {
				lastErr = err.Error()
				continue
			}
			r.items.set(a.f, it)
			it.va = r.addVar(va)
			continue
		}
		okv := false
		var matched dataType
		remaining := a.types
		for dt := dataType(1); dt <= dtLast; dt <<= 1 {
			if remaining&dt == 0 {
				continue
			}
			remaining ^= dt
			good, fatal := parseValue(prop, dt, a.check, it)
			if good {
				okv, matched = true, dt
				break
			}
			if fatal || remaining == 0 {
				break
			}
		}
		if okv {
			it.dt = matched
			if matched == dtMACMask && maskBits(netip.AddrFrom16([16]byte{it.mac[0], it.mac[1], it.mac[2], it.mac[3], it.mac[4], it.mac[5]})) < 0 {
				okv = false
			} else if a.check != vNone && !checkValue(a.check, matched, prop, it, r) {
				okv = false
			}
		}
		if !okv {
			lastErr = fmt.Sprintf("internal error: %s has illegal value %s", a.name, prop)
			continue
		}
		r.items.set(a.f, it)
	}
	if lastErr != "" {
		return defineRefusal(lastErr)
	}
	return nil
}

// parseValue tries one data type; fatal means libvirt stops trying further types.
func parseValue(s string, dt dataType, check validator, it *item) (ok, fatal bool) {
	switch dt {
	case dtUint8, dtUint8Hex, dtUint16, dtUint16Hex, dtUint32, dtUint32Hex:
		base := 10
		if dt == dtUint8Hex || dt == dtUint16Hex || dt == dtUint32Hex {
			base = 16
		}
		v, good := strToUint(s, base)
		if !good {
			return false, false
		}
		if (dt == dtUint8 || dt == dtUint8Hex) && v > 0xff || (dt == dtUint16 || dt == dtUint16Hex) && v > 0xffff {
			return false, false
		}
		it.num = v
		return true, false
	case dtIP:
		a, good := inetAton(s)
		if !good {
			return false, true
		}
		it.ip = a
		return true, false
	case dtIPv6:
		a, good := parseIPv6(s)
		if !good {
			return false, true
		}
		it.ip = a
		return true, false
	case dtIPMask, dtIPv6Mask:
		max, size := uint32(32), 4
		if dt == dtIPv6Mask {
			max, size = 128, 16
		}
		if v, good := strToUint(s, 10); good {
			if v > max {
				return false, false
			}
			it.num = v
			return true, false
		}
		var a netip.Addr
		var good bool
		if size == 4 {
			a, good = inetAton(s)
		} else {
			a, good = parseIPv6(s)
		}
		if !good {
			return false, false
		}
		b := maskBits(a)
		if b < 0 {
			return false, true
		}
		it.num = uint32(b)
		return true, false
	case dtMAC, dtMACMask:
		m, good := parseMAC(s)
		if !good {
			return false, true
		}
		it.mac = m
		return true, false
	case dtString, dtIPSetName, dtIPSetFlags:
		if check == vNone {
			return false, false
		}
		it.str = s
		return true, false
	case dtStringCopy:
		if len(s) > 256 {
			s = s[:256]
		}
		it.str = s
		return true, false
	case dtBool:
		it.b = s == "true" || s == "1" || s == "yes"
		return true, false
	}
	return false, false
}

func checkValue(v validator, dt dataType, prop string, it *item, r *ruleDef) bool {
	switch v {
	case vMacProto, vVlanProto:
		min := uint32(0x600)
		if v == vVlanProto {
			min = 0x3c
		}
		if dt == dtString {
			for _, m := range macProtoMap {
				if strings.EqualFold(m.name, prop) {
					it.num = m.v
					return true
				}
			}
			return false
		}
		return it.num >= min
	case vVlanID:
		return it.num <= 4095
	case vArpOpcode:
		if dt == dtString {
			for i, name := range arpOpcodes {
				if i > 0 && strings.EqualFold(name, prop) {
					it.num = uint32(i)
					return true
				}
			}
			return false
		}
		return true
	case vIPProto:
		if dt == dtString {
			for _, m := range ipProtoMap {
				if strings.EqualFold(m.name, prop) {
					it.num = m.v
					return true
				}
			}
			return false
		}
		return true
	case vDSCP:
		return it.num <= 63
	case vState:
		var flags int32
		if !parseStringItems(stateNames, prop, &flags) {
			return false
		}
		if flags&stateNone != 0 {
			flags = stateNone
		}
		it.num = uint32(flags)
		r.stateFlags |= flags
		return true
	case vTCPFlags:
		i := strings.IndexByte(prop, '/')
		if i < 0 {
			return false
		}
		var mask, flags int32
		if !parseStringItems(tcpFlagNames, prop[:i], &mask) || !parseStringItems(tcpFlagNames, prop[i+1:], &flags) {
			return false
		}
		it.num = uint32(mask & 0x3f)
		it.flags = uint8(flags & 0x3f)
		return true
	case vIPSet:
		if len(prop) >= 32 {
			return false
		}
		for i := 0; i < len(prop); i++ {
			c := prop[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:-+ ", c) >= 0) {
				return false
			}
		}
		return true
	case vIPSetFlags:
		idx := 0
		it.nflags, it.flags = 0, 0
		for it.nflags < 6 {
			if len(prop) >= idx+3 && strings.EqualFold(prop[idx:idx+3], "src") {
				it.flags |= 1 << it.nflags
			} else if !(len(prop) >= idx+3 && strings.EqualFold(prop[idx:idx+3], "dst")) {
				return false
			}
			it.nflags++
			idx += 3
			if idx >= len(prop) || prop[idx] != ',' {
				break
			}
			idx++
		}
		return idx == len(prop)
	}
	return true
}

type named struct {
	v    int32
	name string
}

var stateNames = []named{{stateNew, "NEW"}, {stateEstablished, "ESTABLISHED"}, {stateRelated, "RELATED"}, {stateInvalid, "INVALID"}, {stateNone, "NONE"}}
var tcpFlagNames = []named{{0x1, "FIN"}, {0x2, "SYN"}, {0x4, "RST"}, {0x8, "PSH"}, {0x10, "ACK"}, {0x20, "URG"}, {0x3f, "ALL"}, {0, "NONE"}}

// parseStringItems is libvirt's parseStringItems: items separated by ',' or spaces, each a
// case-insensitive prefix match of a name.
func parseStringItems(names []named, in string, flags *int32) bool {
	i := 0
	for i < len(in) {
		for i < len(in) && (isCSpace(in[i]) || in[i] == ',') {
			i++
		}
		if i >= len(in) {
			break
		}
		found := false
		for _, n := range names {
			if len(in)-i >= len(n.name) && strings.EqualFold(in[i:i+len(n.name)], n.name) {
				*flags |= n.v
				i += len(n.name)
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// printStateFlags is virNWFilterPrintStateMatchFlags without NONE: "" when nothing to match.
func printStateFlags(flags int32) string {
	if flags&stateNone != 0 {
		return ""
	}
	var parts []string
	for _, n := range stateNames[:4] {
		if flags&n.v != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ",")
}

func printTCPFlags(f uint8) string {
	switch f {
	case 0:
		return "NONE"
	case 0x3f:
		return "ALL"
	}
	var parts []string
	for _, n := range tcpFlagNames[:6] {
		if int32(f)&n.v != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ",")
}

func validateRule(r *ruleDef) error {
	if r.proto != pIP && r.proto != pIPv6 {
		return nil
	}
	if !(r.has(fSrcPortStart) || r.has(fDstPortStart) || r.has(fSrcPortEnd) || r.has(fDstPortEnd)) {
		return nil
	}
	name := "IP"
	if r.proto == pIPv6 {
		name = "IPv6"
	}
	if p := r.items.get(fIPProto); p != nil {
		// A variable holds no number at define time; libvirt reads the (zero) number anyway.
		switch p.num {
		case 6, 17, 33, 132:
			if p.va == nil {
				return nil
			}
		}
	}
	return defineRefusal(fmt.Sprintf("internal error: %s rule with port specification requires protocol specification with protocol to be either one of tcp(6), udp(17), dccp(33), or sctp(132)", name))
}

// fixupRule is virNWFilterRuleDefFixup: masks and range ends take the negation of what they
// belong to, and ipset gets its default flags.
func fixupRule(r *ruleDef) {
	copyNeg := func(dst, src field) {
		if d := r.items.get(dst); d != nil {
			s := r.items.get(src)
			d.neg = s != nil && s.neg
		}
	}
	ipset := func() {
		if r.has(fIPSet) && !r.has(fIPSetFlags) {
			r.items.set(fIPSetFlags, &item{nflags: 1, flags: 1})
		} else {
			r.items.set(fIPSet, nil)
			r.items.set(fIPSetFlags, nil)
		}
	}
	ipCommon := func() {
		copyNeg(fSrcIPMask, fSrcIP)
		copyNeg(fDstIPMask, fDstIP)
		copyNeg(fSrcIPTo, fSrcIPFrom)
		copyNeg(fDstIPTo, fDstIPFrom)
	}
	ports := func() {
		copyNeg(fSrcPortEnd, fSrcPortStart)
		copyNeg(fDstPortStart, fSrcPortStart)
		copyNeg(fDstPortEnd, fSrcPortStart)
	}
	switch r.proto {
	case pMAC, pVLAN:
		copyNeg(fSrcMACMask, fSrcMAC)
		copyNeg(fDstMACMask, fDstMAC)
	case pSTP:
		copyNeg(fSrcMACMask, fSrcMAC)
		copyNeg(fRootPriHi, fRootPri)
		copyNeg(fRootAddrMask, fRootAddr)
		copyNeg(fRootCostHi, fRootCost)
		copyNeg(fSndrPrioHi, fSndrPrio)
		copyNeg(fSndrAddrMask, fSndrAddr)
		copyNeg(fPortHi, fPort)
		copyNeg(fAgeHi, fAge)
		copyNeg(fMaxAgeHi, fMaxAge)
		copyNeg(fHelloTimeHi, fHelloTime)
		copyNeg(fFwdDelayHi, fFwdDelay)
	case pIP, pIPv6:
		copyNeg(fSrcIPMask, fSrcIP)
		copyNeg(fDstIPMask, fDstIP)
		if r.proto == pIPv6 {
			copyNeg(fICMPTypeEnd, fICMPType)
			copyNeg(fICMPCode, fICMPType)
			copyNeg(fICMPCodeEnd, fICMPType)
		}
		ipset()
	case pTCP, pTCPv6, pUDP, pUDPv6, pSCTP, pSCTPv6:
		ipCommon()
		ports()
		ipset()
	case pUDPLite, pUDPLitev6, pESP, pESPv6, pAH, pAHv6, pIGMP:
		ipCommon()
		ipset()
	case pICMP, pICMPv6:
		ipCommon()
		copyNeg(fICMPCode, fICMPType)
		ipset()
	case pAll, pAllv6:
		ipCommon()
	}
}
