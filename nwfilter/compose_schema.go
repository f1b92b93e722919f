package nwfilter

// What the composer's forms offer: every protocol element libvirt 9.0 reads and, for each, exactly
// the attributes it reads, with the kind of value each takes. All of it is derived from libvirt's
// attribute tables in filterdef.go, so the forms cannot offer what the parser does not read.

// AttrKind is the kind of value an attribute takes.
type AttrKind string

// The kinds of attribute values.
const (
	KindMAC        AttrKind = "mac"        // 52:54:00:12:34:56
	KindMACMask    AttrKind = "macmask"    // ff:ff:ff:00:00:00, contiguous
	KindIPv4       AttrKind = "ipv4"       // 192.168.122.1 (inet_aton forms too)
	KindIPv4Mask   AttrKind = "ipv4mask"   // 24 or 255.255.255.0
	KindIPv6       AttrKind = "ipv6"       // 2001:db8::1
	KindIPv6Mask   AttrKind = "ipv6mask"   // 64 or ffff:ffff:ffff:ffff::
	KindUint8      AttrKind = "uint8"      // 0-255, decimal or 0x hex
	KindUint16     AttrKind = "uint16"     // 0-65535, decimal or 0x hex
	KindUint16Dec  AttrKind = "uint16dec"  // 0-65535, decimal only
	KindUint32     AttrKind = "uint32"     // 0-4294967295, decimal or 0x hex
	KindDSCP       AttrKind = "dscp"       // 0-63
	KindVLANID     AttrKind = "vlanid"     // 0-4095
	KindEthertype  AttrKind = "ethertype"  // 0x600-0xffff or arp, rarp, ipv4, ipv6, vlan
	KindVLANProto  AttrKind = "vlanproto"  // 0x3c-0xffff or a name as for ethertype
	KindARPOpcode  AttrKind = "arpopcode"  // a number or Request, Reply, ...
	KindIPProto    AttrKind = "ipproto"    // 0-255 or tcp, udp, udplite, esp, ah, icmp, igmp, sctp, icmpv6
	KindState      AttrKind = "state"      // NEW,ESTABLISHED,RELATED,INVALID or NONE
	KindTCPFlags   AttrKind = "tcpflags"   // MASK/FLAGS, e.g. SYN,ACK/SYN
	KindIPSet      AttrKind = "ipset"      // an ipset name
	KindIPSetFlags AttrKind = "ipsetflags" // src,dst,... up to 6
	KindComment    AttrKind = "comment"    // text, up to 256 bytes
	KindBool       AttrKind = "bool"       // true or false
)

// AttrInfo is one attribute a protocol element takes.
type AttrInfo struct {
	Name string
	Kind AttrKind
	Help string // what it matches
}

// ProtocolInfo is one protocol element of a rule.
type ProtocolInfo struct {
	Name  string
	Layer string // "ethernet" (ebtables), "ipv4" (iptables) or "ipv6" (ip6tables)
	Help  string
	Attrs []AttrInfo // in libvirt's order
}

// composerOrder is the order the composer offers the protocols in.
var composerOrder = []string{
	"mac", "vlan", "stp", "arp", "rarp", "ip", "ipv6",
	"tcp", "udp", "udplite", "sctp", "icmp", "igmp", "esp", "ah", "all",
	"tcp-ipv6", "udp-ipv6", "udplite-ipv6", "sctp-ipv6", "icmpv6", "esp-ipv6", "ah-ipv6", "all-ipv6",
}

var protocolHelp = map[string]string{
	"mac":          "Ethernet frames (ebtables), by MAC addresses and EtherType.",
	"vlan":         "802.1Q VLAN-tagged frames (ebtables).",
	"stp":          "Spanning Tree Protocol BPDUs (ebtables).",
	"arp":          "ARP packets (ebtables).",
	"rarp":         "RARP packets (ebtables).",
	"ip":           "IPv4 packets at the Ethernet level (ebtables).",
	"ipv6":         "IPv6 packets at the Ethernet level (ebtables).",
	"tcp":          "TCP over IPv4 (iptables).",
	"udp":          "UDP over IPv4 (iptables).",
	"udplite":      "UDP-Lite over IPv4 (iptables).",
	"sctp":         "SCTP over IPv4 (iptables).",
	"icmp":         "ICMP (iptables).",
	"igmp":         "IGMP (iptables).",
	"esp":          "IPsec ESP over IPv4 (iptables).",
	"ah":           "IPsec AH over IPv4 (iptables).",
	"all":          "Any IPv4 traffic (iptables).",
	"tcp-ipv6":     "TCP over IPv6 (ip6tables).",
	"udp-ipv6":     "UDP over IPv6 (ip6tables).",
	"udplite-ipv6": "UDP-Lite over IPv6 (ip6tables).",
	"sctp-ipv6":    "SCTP over IPv6 (ip6tables).",
	"icmpv6":       "ICMPv6 (ip6tables).",
	"esp-ipv6":     "IPsec ESP over IPv6 (ip6tables).",
	"ah-ipv6":      "IPsec AH over IPv6 (ip6tables).",
	"all-ipv6":     "Any IPv6 traffic (ip6tables).",
}

// attrHelp says what an attribute matches; protocol-specific meanings are keyed
// "protocol/attribute".
var attrHelp = map[string]string{
	"srcmacaddr":          "source MAC address",
	"srcmacmask":          "mask applied to the source MAC address",
	"dstmacaddr":          "destination MAC address",
	"dstmacmask":          "mask applied to the destination MAC address",
	"protocolid":          "EtherType of the layer 3 protocol",
	"vlanid":              "VLAN id",
	"encap-protocol":      "EtherType of the encapsulated protocol",
	"stp/type":            "BPDU type",
	"stp/flags":           "BPDU flags",
	"root-priority":       "root priority (start of a range)",
	"root-priority-hi":    "root priority (end of the range)",
	"root-address":        "root MAC address",
	"root-address-mask":   "mask of the root MAC address",
	"root-cost":           "root path cost (start of a range)",
	"root-cost-hi":        "root path cost (end of the range)",
	"sender-priority":     "sender priority (start of a range)",
	"sender-priority-hi":  "sender priority (end of the range)",
	"sender-address":      "BPDU sender MAC address",
	"sender-address-mask": "mask of the BPDU sender MAC address",
	"port":                "port identifier (start of a range)",
	"port-hi":             "port identifier (end of the range)",
	"age":                 "message age timer (start of a range)",
	"age-hi":              "message age timer (end of the range)",
	"max-age":             "maximum age timer (start of a range)",
	"max-age-hi":          "maximum age timer (end of the range)",
	"hello-time":          "hello time timer (start of a range)",
	"hello-time-hi":       "hello time timer (end of the range)",
	"forward-delay":       "forward delay (start of a range)",
	"forward-delay-hi":    "forward delay (end of the range)",
	"hwtype":              "hardware type",
	"protocoltype":        "protocol type",
	"opcode":              "opcode (Request, Reply, Request_Reverse, Reply_Reverse, DRARP_Request, DRARP_Reply, DRARP_Error, InARP_Request, ARP_NAK, or a number)",
	"arpsrcmacaddr":       "source MAC address in the ARP/RARP packet",
	"arpdstmacaddr":       "destination MAC address in the ARP/RARP packet",
	"arpsrcipaddr":        "source IP address in the ARP/RARP packet",
	"arpsrcipmask":        "mask of the ARP source IP address",
	"arpdstipaddr":        "destination IP address in the ARP/RARP packet",
	"arpdstipmask":        "mask of the ARP destination IP address",
	"gratuitous":          "gratuitous ARP packets only",
	"srcipaddr":           "source IP address",
	"srcipmask":           "mask (prefix length or dotted) applied to the source IP address",
	"dstipaddr":           "destination IP address",
	"dstipmask":           "mask (prefix length or dotted) applied to the destination IP address",
	"srcipfrom":           "start of a range of source IP addresses",
	"srcipto":             "end of the range of source IP addresses",
	"dstipfrom":           "start of a range of destination IP addresses",
	"dstipto":             "end of the range of destination IP addresses",
	"protocol":            "layer 4 protocol (tcp, udp, udplite, esp, ah, icmp, igmp, sctp, icmpv6, or a number)",
	"srcportstart":        "start of a range of source ports",
	"srcportend":          "end of the range of source ports",
	"dstportstart":        "start of a range of destination ports",
	"dstportend":          "end of the range of destination ports",
	"dscp":                "Differentiated Services Code Point",
	"connlimit-above":     "match when the number of connections is above this",
	"state":               "connection state: NEW, ESTABLISHED, RELATED, INVALID (comma separated) or NONE",
	"ipset":               "name of an ipset managed outside libvirt",
	"ipsetflags":          "flags for the ipset: src or dst, comma separated, up to 6",
	"option":              "TCP option number",
	"flags":               "TCP flags: MASK/FLAGS, each SYN, ACK, URG, PSH, FIN, RST, ALL or NONE, comma separated (e.g. SYN,ACK/SYN)",
	"type":                "ICMP type",
	"code":                "ICMP code",
	"ipv6/type":           "ICMPv6 type (start of a range; needs protocol icmpv6)",
	"ipv6/typeend":        "ICMPv6 type (end of the range)",
	"ipv6/code":           "ICMPv6 code (start of a range)",
	"ipv6/codeend":        "ICMPv6 code (end of the range)",
	"comment":             "text up to 256 characters, shown in the firewall rule",
}

// kindHelp says how a value of each kind is written.
var kindHelp = map[AttrKind]string{
	KindMAC:        "MAC address, e.g. 52:54:00:12:34:56",
	KindMACMask:    "MAC mask, e.g. ff:ff:ff:00:00:00 (ones then zeros)",
	KindIPv4:       "IPv4 address, e.g. 192.168.122.1",
	KindIPv4Mask:   "prefix length 0-32 or a dotted mask like 255.255.255.0",
	KindIPv6:       "IPv6 address, e.g. 2001:db8::1",
	KindIPv6Mask:   "prefix length 0-128 or a mask like ffff:ffff::",
	KindUint8:      "0-255, decimal or hex (0xff)",
	KindUint16:     "0-65535, decimal or hex (0xffff)",
	KindUint16Dec:  "0-65535, decimal",
	KindUint32:     "0-4294967295, decimal or hex (0xffffffff)",
	KindDSCP:       "0-63, decimal or hex",
	KindVLANID:     "0-4095, decimal or hex",
	KindEthertype:  "arp, rarp, ipv4, ipv6, vlan, or a number from 0x600 (1536) to 0xffff",
	KindVLANProto:  "arp, rarp, ipv4, ipv6, vlan, or a number from 0x3c (60) to 0xffff",
	KindARPOpcode:  "Request, Reply, Request_Reverse, Reply_Reverse, DRARP_Request, DRARP_Reply, DRARP_Error, InARP_Request, ARP_NAK, or 0-65535",
	KindIPProto:    "tcp, udp, udplite, esp, ah, icmp, igmp, sctp, icmpv6, or 0-255",
	KindState:      "NEW, ESTABLISHED, RELATED, INVALID (comma separated) or NONE",
	KindTCPFlags:   "MASK/FLAGS from SYN, ACK, URG, PSH, FIN, RST, ALL, NONE, e.g. SYN,ACK/SYN",
	KindIPSet:      "an ipset name: up to 31 of letters, digits, _ . : - + and space",
	KindIPSetFlags: "src or dst, comma separated, 1 to 6 of them",
	KindComment:    "text, up to 256 bytes",
	KindBool:       "true or false",
}

// kindExample is a short example of each kind of value.
var kindExample = map[AttrKind]string{
	KindMAC: "e.g. 52:54:00:12:34:56", KindMACMask: "e.g. ff:ff:ff:00:00:00", KindIPv4: "e.g. 192.168.122.1",
	KindIPv4Mask: "0-32 or 255.255.255.0", KindIPv6: "e.g. 2001:db8::1", KindIPv6Mask: "0-128", KindUint8: "0-255",
	KindUint16: "0-65535", KindUint16Dec: "0-65535", KindUint32: "0-4294967295", KindDSCP: "0-63",
	KindVLANID: "0-4095", KindEthertype: "e.g. ipv4", KindVLANProto: "e.g. ipv4", KindARPOpcode: "e.g. Request",
	KindIPProto: "e.g. tcp", KindState: "e.g. NEW,ESTABLISHED", KindTCPFlags: "e.g. SYN,ACK/SYN", KindIPSet: "ipset name",
	KindIPSetFlags: "e.g. src,dst", KindComment: "text", KindBool: "true or false",
}

// KindExample is a short example of a value of kind k.
func KindExample(k AttrKind) string { return kindExample[k] }

// KindHelp says how a value of kind k is written.
func KindHelp(k AttrKind) string { return kindHelp[k] }

func kindOf(d attrDef) AttrKind {
	switch d.check {
	case vMacProto:
		return KindEthertype
	case vVlanProto:
		return KindVLANProto
	case vVlanID:
		return KindVLANID
	case vArpOpcode:
		return KindARPOpcode
	case vIPProto:
		return KindIPProto
	case vDSCP:
		return KindDSCP
	case vState:
		return KindState
	case vTCPFlags:
		return KindTCPFlags
	case vIPSet:
		return KindIPSet
	case vIPSetFlags:
		return KindIPSetFlags
	}
	switch {
	case d.types&dtMAC != 0:
		return KindMAC
	case d.types&dtMACMask != 0:
		return KindMACMask
	case d.types&dtIPMask != 0:
		return KindIPv4Mask
	case d.types&dtIPv6Mask != 0:
		return KindIPv6Mask
	case d.types&dtIP != 0:
		return KindIPv4
	case d.types&dtIPv6 != 0:
		return KindIPv6
	case d.types&dtUint32 != 0:
		return KindUint32
	case d.types == dtUint16:
		return KindUint16Dec
	case d.types&dtUint16 != 0:
		return KindUint16
	case d.types&dtUint8 != 0:
		return KindUint8
	case d.types&dtStringCopy != 0:
		return KindComment
	case d.types&dtBool != 0:
		return KindBool
	}
	return KindComment
}

func layerOf(k protoKind) string {
	switch {
	case k.ethernet():
		return "ethernet"
	case k.ipv6():
		return "ipv6"
	}
	return "ipv4"
}

// Protocols lists every protocol element libvirt 9.0 reads in a rule, each with exactly the
// attributes libvirt reads for it, in libvirt's order.
func Protocols() []ProtocolInfo {
	out := make([]ProtocolInfo, 0, len(composerOrder))
	for _, name := range composerOrder {
		if p, ok := ProtocolByName(name); ok {
			out = append(out, p)
		}
	}
	return out
}

// ProtocolByName describes one protocol element.
func ProtocolByName(name string) (ProtocolInfo, bool) {
	p, ok := protoByName(name)
	if !ok {
		return ProtocolInfo{}, false
	}
	info := ProtocolInfo{Name: p.name, Layer: layerOf(p.kind), Help: protocolHelp[p.name]}
	for _, d := range p.attrs {
		h, ok := attrHelp[p.name+"/"+d.name]
		if !ok {
			h = attrHelp[d.name]
		}
		if d.name == "dstipto" && p.kind.ipv6() {
			h += " (libvirt 9.0 reads it as an IPv4 address even here)"
		}
		info.Attrs = append(info.Attrs, AttrInfo{Name: d.name, Kind: kindOf(d), Help: h})
	}
	return info, true
}
