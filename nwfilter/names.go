package nwfilter

import "strings"

// Names the tools print, as on Debian 12 (netbase /etc/protocols and /etc/ethertypes, and the
// ICMPv6 names of ebtables' ip6 extension). The firewall tools look numbers up in these.

// protocolNames maps an IP protocol number to its first name in /etc/protocols.
var protocolNames = map[int]string{
	0:   "ip",
	1:   "icmp",
	2:   "igmp",
	3:   "ggp",
	4:   "ipencap",
	5:   "st",
	6:   "tcp",
	8:   "egp",
	9:   "igp",
	12:  "pup",
	17:  "udp",
	20:  "hmp",
	22:  "xns-idp",
	27:  "rdp",
	29:  "iso-tp4",
	33:  "dccp",
	36:  "xtp",
	37:  "ddp",
	38:  "idpr-cmtp",
	41:  "ipv6",
	43:  "ipv6-route",
	44:  "ipv6-frag",
	45:  "idrp",
	46:  "rsvp",
	47:  "gre",
	50:  "esp",
	51:  "ah",
	57:  "skip",
	58:  "ipv6-icmp",
	59:  "ipv6-nonxt",
	60:  "ipv6-opts",
	73:  "rspf",
	81:  "vmtp",
	88:  "eigrp",
	89:  "ospf",
	93:  "ax.25",
	94:  "ipip",
	97:  "etherip",
	98:  "encap",
	103: "pim",
	108: "ipcomp",
	112: "vrrp",
	115: "l2tp",
	124: "isis",
	132: "sctp",
	133: "fc",
	135: "mobility-header",
	136: "udplite",
	137: "mpls-in-ip",
	138: "manet",
	139: "hip",
	140: "shim6",
	141: "wesp",
	142: "rohc",
	143: "ethernet",
	262: "mptcp",
}

// protocolAliases maps every name and alias in /etc/protocols to its number.
var protocolAliases = map[string]int{
	"ip":              0,
	"IP":              0,
	"hopopt":          0,
	"HOPOPT":          0,
	"icmp":            1,
	"ICMP":            1,
	"igmp":            2,
	"IGMP":            2,
	"ggp":             3,
	"GGP":             3,
	"ipencap":         4,
	"IP-ENCAP":        4,
	"st":              5,
	"ST":              5,
	"tcp":             6,
	"TCP":             6,
	"egp":             8,
	"EGP":             8,
	"igp":             9,
	"IGP":             9,
	"pup":             12,
	"PUP":             12,
	"udp":             17,
	"UDP":             17,
	"hmp":             20,
	"HMP":             20,
	"xns-idp":         22,
	"XNS-IDP":         22,
	"rdp":             27,
	"RDP":             27,
	"iso-tp4":         29,
	"ISO-TP4":         29,
	"dccp":            33,
	"DCCP":            33,
	"xtp":             36,
	"XTP":             36,
	"ddp":             37,
	"DDP":             37,
	"idpr-cmtp":       38,
	"IDPR-CMTP":       38,
	"ipv6":            41,
	"IPv6":            41,
	"ipv6-route":      43,
	"IPv6-Route":      43,
	"ipv6-frag":       44,
	"IPv6-Frag":       44,
	"idrp":            45,
	"IDRP":            45,
	"rsvp":            46,
	"RSVP":            46,
	"gre":             47,
	"GRE":             47,
	"esp":             50,
	"IPSEC-ESP":       50,
	"ah":              51,
	"IPSEC-AH":        51,
	"skip":            57,
	"SKIP":            57,
	"ipv6-icmp":       58,
	"IPv6-ICMP":       58,
	"ipv6-nonxt":      59,
	"IPv6-NoNxt":      59,
	"ipv6-opts":       60,
	"IPv6-Opts":       60,
	"rspf":            73,
	"RSPF":            73,
	"CPHB":            73,
	"vmtp":            81,
	"VMTP":            81,
	"eigrp":           88,
	"EIGRP":           88,
	"ospf":            89,
	"OSPFIGP":         89,
	"ax.25":           93,
	"AX.25":           93,
	"ipip":            94,
	"IPIP":            94,
	"etherip":         97,
	"ETHERIP":         97,
	"encap":           98,
	"ENCAP":           98,
	"pim":             103,
	"PIM":             103,
	"ipcomp":          108,
	"IPCOMP":          108,
	"vrrp":            112,
	"VRRP":            112,
	"l2tp":            115,
	"L2TP":            115,
	"isis":            124,
	"ISIS":            124,
	"sctp":            132,
	"SCTP":            132,
	"fc":              133,
	"FC":              133,
	"mobility-header": 135,
	"Mobility-Header": 135,
	"udplite":         136,
	"UDPLite":         136,
	"mpls-in-ip":      137,
	"MPLS-in-IP":      137,
	"manet":           138,
	"hip":             139,
	"HIP":             139,
	"shim6":           140,
	"Shim6":           140,
	"wesp":            141,
	"WESP":            141,
	"rohc":            142,
	"ROHC":            142,
	"ethernet":        143,
	"Ethernet":        143,
	"mptcp":           262,
	"MPTCP":           262,
}

// ethertypes is /etc/ethertypes: number, name, aliases.
var ethertypes = []struct {
	num   int
	names []string
}{
	{0x0800, []string{"IPv4", "ip", "ip4"}},
	{0x0805, []string{"X25"}},
	{0x0806, []string{"ARP", "ether-arp"}},
	{0x0808, []string{"FR_ARP"}},
	{0x08FF, []string{"BPQ"}},
	{0x22F3, []string{"TRILL"}},
	{0x22F4, []string{"L2-IS-IS"}},
	{0x6558, []string{"TEB"}},
	{0x6559, []string{"RAW_FR"}},
	{0x8035, []string{"RARP"}},
	{0x809B, []string{"ATALK"}},
	{0x80F3, []string{"AARP"}},
	{0x8100, []string{"802_1Q", "8021q", "1q", "802.1q", "dot1q"}},
	{0x8137, []string{"IPX"}},
	{0x8191, []string{"NetBEUI"}},
	{0x86DD, []string{"IPv6", "ip6"}},
	{0x880B, []string{"PPP"}},
	{0x8847, []string{"MPLS"}},
	{0x8848, []string{"MPLS_MULTI"}},
	{0x884C, []string{"ATMMPOA"}},
	{0x8863, []string{"PPP_DISC"}},
	{0x8864, []string{"PPP_SES"}},
	{0x8884, []string{"ATMFATE"}},
	{0x888E, []string{"EAPOL"}},
	{0x88A8, []string{"S-TAG"}},
	{0x88C7, []string{"EAP_PREAUTH"}},
	{0x88CC, []string{"LLDP"}},
	{0x88E5, []string{"MACSEC"}},
	{0x88E7, []string{"PBB", "macinmac"}},
	{0x88F5, []string{"MVRP"}},
	{0x88F7, []string{"PTP"}},
	{0x8906, []string{"FCOE"}},
	{0x8914, []string{"FIP"}},
	{0x8915, []string{"ROCE"}},
	{0xA0ED, []string{"LoWPAN"}},
}

func protoName(n int) string { return protocolNames[n] }

func protoNumber(s string) (int, bool) {
	n, ok := protocolAliases[s]
	return n, ok
}

func ethertypeName(n int) string {
	for _, e := range ethertypes {
		if e.num == n {
			return e.names[0]
		}
	}
	return ""
}

func ethertypeByName(s string) (int, bool) {
	for _, e := range ethertypes {
		for _, n := range e.names {
			if strings.EqualFold(n, s) {
				return e.num, true
			}
		}
	}
	return 0, false
}

// icmpv6Names is the table ebtables prints ICMPv6 types and codes with.
var icmpv6Names = []struct {
	name            string
	typ, cmin, cmax int
}{
	{"destination-unreachable", 1, 0, 0xFF},
	{"no-route", 1, 0, 0},
	{"communication-prohibited", 1, 1, 1},
	{"beyond-scope", 1, 2, 2},
	{"address-unreachable", 1, 3, 3},
	{"port-unreachable", 1, 4, 4},
	{"failed-policy", 1, 5, 5},
	{"reject-route", 1, 6, 6},
	{"packet-too-big", 2, 0, 0xFF},
	{"time-exceeded", 3, 0, 0xFF},
	{"ttl-exceeded", 3, 0, 0xFF},
	{"ttl-zero-during-transit", 3, 0, 0},
	{"ttl-zero-during-reassembly", 3, 1, 1},
	{"parameter-problem", 4, 0, 0xFF},
	{"bad-header", 4, 0, 0},
	{"unknown-header-type", 4, 1, 1},
	{"unknown-option", 4, 2, 2},
	{"echo-request", 128, 0, 0xFF},
	{"ping", 128, 0, 0xFF},
	{"echo-reply", 129, 0, 0xFF},
	{"pong", 129, 0, 0xFF},
	{"router-solicitation", 133, 0, 0xFF},
	{"router-advertisement", 134, 0, 0xFF},
	{"neighbour-solicitation", 135, 0, 0xFF},
	{"neighbor-solicitation", 135, 0, 0xFF},
	{"neighbour-advertisement", 136, 0, 0xFF},
	{"neighbor-advertisement", 136, 0, 0xFF},
	{"redirect", 137, 0, 0xFF},
}

func icmpv6Name(typ, cmin, cmax int) string {
	for _, n := range icmpv6Names {
		if n.typ == typ && n.cmin == cmin && n.cmax == cmax {
			return n.name
		}
	}
	return ""
}
