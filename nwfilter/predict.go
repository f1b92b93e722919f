package nwfilter

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Param is one parameter of a port's filter binding (<parameter name= value=/>). A name given
// more than once makes a list, in the order given.
type Param struct {
	Name, Value string
}

// Port is the context libvirt instantiates a filter in: the tap device, the VM's MAC address
// (the value of $MAC) and the binding's parameters.
type Port struct {
	Dev    string
	MAC    string
	Params []Param
	// Existing says which of libvirt's shared iptables chains (libvirt-in, libvirt-out,
	// libvirt-in-post, libvirt-host-in and their jumps from INPUT and FORWARD) the host already
	// has. libvirt creates them for a layer the first time a port needs it and never removes
	// them, so whether ip6tables-save shows them for a filter without IPv6 rules depends on
	// the host's history, not on the filter. The zero value is a host no port has used yet.
	Existing SharedChains
}

// SharedChains names the layers for which libvirt's shared chains exist.
type SharedChains struct {
	IPv4, IPv6 bool
}

// Resolver finds the XML of a filter a <filterref> names. It returns an error wrapping
// ErrFilterNotFound when there is no such filter.
type Resolver interface {
	Filter(name string) (xml string, err error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(name string) (string, error)

// Filter calls f.
func (f ResolverFunc) Filter(name string) (string, error) { return f(name) }

// ErrFilterNotFound is what a Resolver returns (wrapped) for a filter it does not know.
var ErrFilterNotFound = errors.New("nwfilter: filter not found")

// Tables is the firewall state libvirt leaves after instantiating a filter on a port: the text
// of iptables-save -t filter, ip6tables-save -t filter and ebtables-save, without the tools'
// "#" comment lines (they carry a timestamp).
type Tables struct {
	IPTables  string
	IP6Tables string
	EBTables  string
	// Learning is true when the only value missing is $IP and CTRL_IP_LEARNING lets libvirt
	// learn it from the VM's traffic: libvirt then applies none of the filter yet, only its
	// basic rules (ebtables: the VM's MAC, IPv4 and ARP) or, for CTRL_IP_LEARNING=dhcp, rules
	// that let DHCP through (from $DHCPSERVER when given), and the tables show those. It applies
	// them from a thread it starts for the port, so for a moment after the binding is made the
	// port has no chains at all. Once it has seen the address it applies the filter with it,
	// which no prediction can know.
	Learning bool
	// Ties are the runs of lines whose order libvirt leaves to chance: see Tie.
	Ties []Tie
}

// Tie is a run of consecutive lines in one chain whose order libvirt 9.0 does not decide
// itself. The jumps from libvirt-I-<dev> and libvirt-O-<dev> to sub-chains of equal priority
// come in the order libvirt's hash table of chain names iterates them, and that table hashes
// with a seed libvirtd draws at random when it starts (src/util/virhash.c): on a host the lines
// come in any order, the same for every port until the daemon restarts. Predict prints them in
// the order the filter tree names the chains; Align reorders them as a host has them.
type Tie struct {
	Table    string   // "ebtables"
	Chain    string   // the chain the lines append to, e.g. libvirt-I-vnet0
	Priority int      // the sub-chains' priority
	Lines    []string // the lines, as Predict prints them
}

// RefusalError is libvirt refusing a filter (Op "define", as virsh nwfilter-define would) or
// refusing to instantiate it on the port (Op "instantiate", as virsh nwfilter-binding-create
// would). Msg is libvirt's message as virsh prints it after "error: ".
type RefusalError struct {
	Op     string
	Filter string // the filter refused, for Op "define"
	Msg    string
	// Vars are the variables named by a refusal for unresolvable variables. libvirt lists them
	// in the order of a hash table seeded at random per daemon, so Msg names them in one order
	// of many: compare with Matches.
	Vars []string
}

func (e *RefusalError) Error() string { return e.Msg }

// Matches reports whether msg, a refusal as libvirt printed it, is this refusal: the same text,
// with the names of unresolvable variables in any order.
func (e *RefusalError) Matches(msg string) bool {
	if msg == e.Msg {
		return true
	}
	if len(e.Vars) < 2 {
		return false
	}
	prefix := strings.TrimSuffix(e.Msg, strings.Join(e.Vars, ", "))
	rest, ok := strings.CutPrefix(msg, prefix)
	if !ok || len(prefix) == len(e.Msg) {
		return false
	}
	got := strings.Split(rest, ", ")
	if len(got) != len(e.Vars) {
		return false
	}
	want := append([]string(nil), e.Vars...)
	sort.Strings(got)
	sort.Strings(want)
	return slices.Equal(got, want)
}

func instRefusal(format string, a ...any) error {
	return &RefusalError{Op: "instantiate", Msg: fmt.Sprintf(format, a...)}
}

// ruleInst is a rule with the context it is instantiated in (libvirt's virNWFilterRuleInst).
type ruleInst struct {
	r             *ruleDef
	chain         string
	chainPriority int
	priority      int
	vars          varTable
}

type predictor struct {
	res     Resolver
	filters map[string]*filterDef
	dev     string
	ipt     iptSaver
	scratch ruleScratch
	ctx     ruleCtx
}

func (p *predictor) filter(name string) (*filterDef, error) {
	if f, ok := p.filters[name]; ok {
		if f == nil {
			return nil, instRefusal("internal error: referenced filter '%s' is missing", name)
		}
		return f, nil
	}
	if p.res == nil {
		p.filters[name] = nil
		return nil, instRefusal("internal error: referenced filter '%s' is missing", name)
	}
	x, err := p.res.Filter(name)
	if errors.Is(err, ErrFilterNotFound) {
		p.filters[name] = nil
		return nil, instRefusal("internal error: referenced filter '%s' is missing", name)
	}
	if err != nil {
		return nil, err
	}
	f, err := parseFilter(x)
	if err != nil {
		var re *RefusalError
		if errors.As(err, &re) {
			re.Filter = name
		}
		return nil, err
	}
	p.filters[name] = f
	return f, nil
}

// Predict returns the tables libvirt 9.0 (Debian 12, iptables/ebtables 1.8.9 nf_tables) leaves
// after instantiating filterXML on port p, resolving <filterref>s through r. It never touches
// the host. When libvirt would refuse the filter or the binding, the error is a *RefusalError
// with libvirt's message.
func Predict(filterXML string, r Resolver, p Port) (Tables, error) {
	if p.Dev == "" {
		return Tables{}, errors.New("nwfilter: port has no device name")
	}
	mac, ok := parseMAC(p.MAC)
	if !ok {
		return Tables{}, fmt.Errorf("nwfilter: invalid MAC address %q", p.MAC)
	}
	root, err := parseFilter(filterXML)
	if err != nil {
		var re *RefusalError
		if errors.As(err, &re) {
			re.Filter = root.nameOr(filterXML)
		}
		return Tables{}, err
	}
	pr := &predictor{res: r, filters: map[string]*filterDef{root.name: root}, dev: p.Dev}
	if err := pr.loopCheck(root, nil); err != nil {
		return Tables{}, err
	}
	vars := varTable{"MAC": {formatMAC(mac)}}
	for name, vals := range groupParams(p.Params) {
		vars[name] = vals
	}

	// libvirt first looks for variables without a value, in the whole tree.
	var missing []string
	seen := map[string]bool{}
	if err := pr.missingVars(root, vars, &missing, seen); err != nil {
		return Tables{}, err
	}
	learning := "any"
	if l, ok := vars["CTRL_IP_LEARNING"]; ok && len(l) > 0 {
		learning = l[0]
	}
	if len(missing) == 1 && missing[0] == "IP" {
		switch {
		case strings.EqualFold(learning, "none"):
			return Tables{}, unresolvable(missing, true)
		case strings.EqualFold(learning, "dhcp"), strings.EqualFold(learning, "any"):
			return learningTables(p, formatMAC(mac), strings.EqualFold(learning, "dhcp"), vars["DHCPSERVER"]), nil
		default:
			return Tables{}, instRefusal("filter '%s' learning value '%s' invalid.", root.name, learning)
		}
	} else if len(missing) > 0 {
		return Tables{}, unresolvable(missing, false)
	}

	var insts []*ruleInst
	if err := pr.toInst(root, vars, &insts); err != nil {
		return Tables{}, err
	}
	return pr.apply(p, insts)
}

func (f *filterDef) nameOr(string) string {
	if f == nil {
		return ""
	}
	return f.name
}

func groupParams(ps []Param) map[string][]string {
	m := map[string][]string{}
	for _, p := range ps {
		if !validVarName(p.Name) || p.Name == "" || !validVarValue(p.Value) {
			continue
		}
		m[p.Name] = append(m[p.Name], p.Value)
	}
	return m
}

// unresolvable is libvirt's refusal of variables without a value. libvirt collects the names
// in a hash table and prints them in its order, which depends on the daemon's random hash seed;
// they are given here in the order the filter tree uses them.
func unresolvable(missing []string, reportIP bool) error {
	var names []string
	for _, n := range missing {
		if (n == "IP" && !reportIP) || n == "MAC" {
			continue
		}
		names = append(names, n)
	}
	e := instRefusal("internal error: Cannot instantiate filter due to unresolvable variables or unavailable list elements: %s", strings.Join(names, ", "))
	e.(*RefusalError).Vars = names
	return e
}

// beforeLearning is the port's state in the moment between the binding's creation and the
// learning thread's first rules: nothing of the port.
func beforeLearning(p Port) Tables { return assemble(p, nil, nil, nil, false, false, nil) }

// learningTables is the state libvirt leaves while it learns the port's IP address: for
// CTRL_IP_LEARNING=any its basic rules (ebtablesApplyBasicRules), for dhcp the rules that let
// only DHCP through (ebtablesApplyDHCPOnlyRules), with one pair of replies per DHCP server.
func learningTables(p Port, mac string, dhcp bool, servers []string) Tables {
	in, out := "libvirt-I-"+p.Dev, "libvirt-O-"+p.Dev
	eb := map[string][]string{in: nil}
	add := func(chain string, a ...string) {
		if line, err := ebtSave(chain, a); err == nil {
			eb[chain] = append(eb[chain], line)
		}
	}
	if !dhcp {
		add(in, "-s", "!", mac, "-j", "DROP")
		add(in, "-p", "IPv4", "-j", "ACCEPT")
		add(in, "-p", "ARP", "-j", "ACCEPT")
		add(in, "-j", "DROP")
		t := assemble(p, eb, nil, nil, true, false, nil)
		t.Learning = true
		return t
	}
	eb[out] = nil
	add(in, "-s", mac, "-p", "ipv4", "--ip-protocol", "udp", "--ip-sport", "68", "--ip-dport", "67", "-j", "ACCEPT")
	add(in, "-j", "DROP")
	for i := 0; i == 0 || i < len(servers); i++ {
		for _, dst := range []string{mac, "ff:ff:ff:ff:ff:ff"} {
			a := []string{"-d", dst, "-p", "ipv4", "--ip-protocol", "udp"}
			if i < len(servers) {
				a = append(a, "--ip-src", servers[i])
			}
			add(out, append(a, "--ip-sport", "67", "--ip-dport", "68", "-j", "ACCEPT")...)
		}
	}
	add(out, "-j", "DROP")
	t := assemble(p, eb, nil, nil, true, true, nil)
	t.Learning = true
	return t
}

// loopCheck is libvirt's check at define time that a filter does not (indirectly) refer to
// itself; filters that do not exist are skipped there.
func (p *predictor) loopCheck(f *filterDef, path []string) error {
	for _, n := range path {
		if n == f.name {
			return &RefusalError{Op: "define", Filter: path[0], Msg: "operation failed: filter would introduce a loop"}
		}
	}
	path = append(path, f.name)
	for _, e := range f.entries {
		if e.ref == nil {
			continue
		}
		child, err := p.filter(e.ref.filter)
		if err != nil {
			var re *RefusalError
			if errors.As(err, &re) && re.Op == "instantiate" {
				continue
			}
			return err
		}
		if err := p.loopCheck(child, path); err != nil {
			return err
		}
	}
	return nil
}

// refVars is virNWFilterCreateVarsFrom(inc->params, vars): the reference's parameters,
// overridden by the values the referencing level already has.
func refVars(ref *refDef, vars varTable) varTable {
	nv := varTable{}
	for name, vals := range groupParams(ref.params) {
		nv[name] = vals
	}
	for k, v := range vars {
		nv[k] = v
	}
	return nv
}

func (p *predictor) missingVars(f *filterDef, vars varTable, out *[]string, seen map[string]bool) error {
	for _, e := range f.entries {
		if e.rule != nil {
			for _, va := range e.rule.vars {
				if !vars.available(va) {
					k := va.String()
					if !seen[k] {
						seen[k] = true
						*out = append(*out, k)
					}
				}
			}
			continue
		}
		child, err := p.filter(e.ref.filter)
		if err != nil {
			return err
		}
		if err := p.missingVars(child, refVars(e.ref, vars), out, seen); err != nil {
			return err
		}
	}
	return nil
}

func (p *predictor) toInst(f *filterDef, vars varTable, out *[]*ruleInst) error {
	for _, e := range f.entries {
		if e.rule != nil {
			*out = append(*out, &ruleInst{r: e.rule, chain: f.chain, chainPriority: f.chainPriority, priority: e.rule.priority, vars: vars})
			continue
		}
		child, err := p.filter(e.ref.filter)
		if err != nil {
			return err
		}
		if err := p.toInst(child, refVars(e.ref, vars), out); err != nil {
			return err
		}
	}
	return nil
}

type subChain struct {
	name     string
	priority int
	incoming bool
	proto    int // index in l3Protocols
}

// l3Protocols is libvirt's l3_protocols table: a chain's name prefix decides what its jump
// rule matches.
var l3Protocols = []struct {
	prefix string
	jump   []string
}{
	{"ipv4", []string{"-p", "0x0800"}},
	{"ipv6", []string{"-p", "0x86dd"}},
	{"arp", []string{"-p", "0x0806"}},
	{"rarp", []string{"-p", "0x8035"}},
	{"mac", nil},
	{"vlan", []string{"-p", "0x8100"}},
	{"stp", []string{"-d", "01:80:c2:00:00:00"}},
}

func protoIdx(chain string) int {
	for i, l := range l3Protocols {
		if strings.HasPrefix(chain, l.prefix) {
			return i
		}
	}
	return -1
}

// chainSet records the chains libvirt's hash table holds and the priority last stored for
// each. keys keeps them in the order the sorted rules first name them: libvirt iterates its
// table in an order it leaves to a random hash seed (see Tie), and this is the one printed.
type chainSet struct {
	keys []string
	prio map[string]int
}

func (s *chainSet) update(name string, prio int) {
	if s.prio == nil {
		s.prio = map[string]int{}
	}
	if _, ok := s.prio[name]; !ok {
		s.keys = append(s.keys, name)
	}
	s.prio[name] = prio
}

func (s *chainSet) subChains(incoming bool) []subChain {
	var out []subChain
	for _, k := range s.keys {
		idx := protoIdx(k)
		if idx < 0 {
			continue
		}
		out = append(out, subChain{name: k, priority: s.prio[k], incoming: incoming, proto: idx})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].priority < out[j].priority })
	return out
}

type firewall struct {
	dev        string
	chainNames map[string]string
	ebChains   map[string][]string // chain -> rules (save lines)
	ipt        [2]map[string][]string
	err        error
}

// portChain is FI-, FO- or HI-<dev>, made once per preview.
func (fw *firewall) portChain(prefix string) string {
	if fw.chainNames == nil {
		fw.chainNames = map[string]string{}
	}
	c, ok := fw.chainNames[prefix]
	if !ok {
		c = prefix + "-" + fw.dev
		fw.chainNames[prefix] = c
	}
	return c
}

func (fw *firewall) fail(err error) {
	if fw.err == nil {
		fw.err = err
	}
}

func (fw *firewall) ebAppend(chain string, a args) {
	if fw.err != nil {
		return
	}
	if _, ok := fw.ebChains[chain]; !ok {
		fw.fail(instRefusal("internal error: Failed to apply firewall rules ebtables -t nat -A %s %s: ebtables v1.8.9 (nf_tables): Chain '%s' doesn't exist.", chain, strings.Join(a, " "), chain))
		return
	}
	line, err := ebtSave(chain, a)
	if err != nil {
		fw.fail(toolRefusal("ebtables -t nat -A "+chain, a, err))
		return
	}
	fw.ebChains[chain] = append(fw.ebChains[chain], line)
}

func toolRefusal(cmd string, a args, err error) error {
	return instRefusal("internal error: Failed to apply firewall rules %s %s: %s", cmd, strings.Join(a, " "), err.Error())
}

func (p *predictor) apply(port Port, insts []*ruleInst) (Tables, error) {
	sort.SliceStable(insts, func(i, j int) bool {
		ri, rj := insts[i].chain == "root", insts[j].chain == "root"
		if ri != rj {
			return ri
		}
		return insts[i].priority < insts[j].priority
	})
	for _, in := range insts {
		if in.chainPriority > in.priority && !strings.Contains("root", in.chain) {
			in.priority = in.chainPriority
		}
	}
	dev := port.Dev
	fw := &firewall{dev: dev, ebChains: map[string][]string{}}
	var haveEb, have4, have6 bool
	var inSet, outSet chainSet
	var ties []Tie
	for _, in := range insts {
		switch {
		case in.r.proto.ethernet():
			haveEb = true
			if in.r.direction != "in" {
				inSet.update(in.chain, in.chainPriority)
			}
			if in.r.direction != "out" {
				outSet.update(in.chain, in.chainPriority)
			}
		case in.r.proto.ipv4():
			have4 = true
		case in.r.proto.ipv6():
			have6 = true
		}
	}
	rootIn, rootOut := "libvirt-I-"+dev, "libvirt-O-"+dev
	if haveEb {
		var subs []subChain
		if len(inSet.keys) > 0 {
			fw.ebChains[rootIn] = nil
			subs = append(subs, inSet.subChains(true)...)
		}
		if len(outSet.keys) > 0 {
			fw.ebChains[rootOut] = nil
			subs = append(subs, outSet.subChains(false)...)
		}
		// glibc's qsort is a stable merge sort for arrays this small.
		sort.SliceStable(subs, func(i, j int) bool { return subs[i].priority < subs[j].priority })
		ties = subChainTies(subs, dev)
		j := 0
		makeSub := func(s subChain) {
			root, name, a := s.jump(dev)
			fw.ebChains[name] = nil
			fw.ebAppend(root, a)
		}
		for _, in := range insts {
			if !in.r.proto.ethernet() {
				continue
			}
			for j < len(subs) && subs[j].priority <= in.priority {
				makeSub(subs[j])
				j++
			}
			p.ebRule(fw, in)
		}
		for ; j < len(subs); j++ {
			makeSub(subs[j])
		}
	}
	for layer, have := range [2]bool{have4, have6} {
		if !have {
			continue
		}
		chains := map[string][]string{"FI-" + dev: nil, "FO-" + dev: nil, "HI-" + dev: nil}
		fw.ipt[layer] = chains
		for _, in := range insts {
			if (layer == 0 && !in.r.proto.ipv4()) || (layer == 1 && !in.r.proto.ipv6()) {
				continue
			}
			p.ipRule(fw, in, chains, layer == 1)
		}
	}
	if fw.err != nil {
		return Tables{}, fw.err
	}
	t := assemble(port, fw.ebChains, fw.ipt[0], fw.ipt[1], len(inSet.keys) > 0, len(outSet.keys) > 0, nil)
	t.Ties = ties
	return t, nil
}

// jump is the sub-chain's name and the rule that jumps to it from its root chain.
func (s subChain) jump(dev string) (root, name string, a args) {
	prefix, root := "O", "libvirt-O-"+dev
	if s.incoming {
		prefix, root = "I", "libvirt-I-"+dev
	}
	name = prefix + "-" + dev + "-" + s.name
	a = append(args{}, l3Protocols[s.proto].jump...)
	return root, name, append(a, "-j", name)
}

// subChainTies finds the sub-chains of one direction with equal priority in subs (sorted by
// priority, incoming before outgoing for equal priorities): their jumps are consecutive lines
// of the root chain, in an order libvirt leaves to its hash seed.
func subChainTies(subs []subChain, dev string) []Tie {
	var ties []Tie
	for i := 0; i < len(subs); {
		j := i + 1
		for j < len(subs) && subs[j].priority == subs[i].priority && subs[j].incoming == subs[i].incoming {
			j++
		}
		if j-i > 1 {
			tie := Tie{Table: "ebtables", Priority: subs[i].priority}
			for _, s := range subs[i:j] {
				root, _, a := s.jump(dev)
				line, err := ebtSave(root, a)
				if err != nil {
					break
				}
				tie.Chain = root
				tie.Lines = append(tie.Lines, line)
			}
			if len(tie.Lines) == j-i {
				ties = append(ties, tie)
			}
		}
		i = j
	}
	return ties
}

func (p *predictor) forCombinations(fw *firewall, in *ruleInst, do func(c *ruleCtx) error) {
	if fw.err != nil {
		return
	}
	it := &p.scratch.iter
	if err := it.reset(in.vars, in.r.vars); err != nil {
		fw.fail(instRefusal("%s", err.Error()))
		return
	}
	c := &p.ctx
	*c = ruleCtx{r: in.r, iter: it, s: &p.scratch}
	for {
		if err := do(c); err != nil {
			fw.fail(err)
			return
		}
		if !it.next() {
			return
		}
	}
}

func (p *predictor) ebRule(fw *firewall, in *ruleInst) {
	chainName := func(prefix string) string {
		if in.chain == "root" {
			return "libvirt-" + prefix + "-" + fw.dev
		}
		return prefix + "-" + fw.dev + "-" + in.chain
	}
	p.forCombinations(fw, in, func(c *ruleCtx) error {
		dir := in.r.direction
		if dir == "out" || dir == "inout" {
			a, err := ebtablesArgs(c, dir == "inout")
			if err != nil {
				return instRefusal("%s", err.Error())
			}
			fw.ebAppend(chainName("I"), a)
		}
		if dir == "in" || dir == "inout" {
			a, err := ebtablesArgs(c, false)
			if err != nil {
				return instRefusal("%s", err.Error())
			}
			fw.ebAppend(chainName("O"), a)
		}
		return nil
	})
}

func (p *predictor) ipRule(fw *firewall, in *ruleInst, chains map[string][]string, v6 bool) {
	tool := "iptables"
	if v6 {
		tool = "ip6tables"
	}
	p.forCombinations(fw, in, func(c *ruleCtx) error {
		rules, err := iptablesRuleInstance(c)
		if err != nil {
			return instRefusal("%s", err.Error())
		}
		for i, r := range rules {
			chain := fw.portChain(r.chain)
			// HI- usually gets the very arguments FI- got: the line is then the same but
			// for the chain, and iptables need not be played again.
			if i > 0 && rules[0].chain == "FI" && r.chain == "HI" && slices.Equal(r.args, rules[0].args) {
				fi := chains[fw.portChain("FI")]
				prev := fi[len(fi)-1]
				chains[chain] = append(chains[chain], "-A "+chain+prev[len("-A ")+len(fw.portChain("FI")):])
				continue
			}
			line, err := p.ipt.save(chain, r.args, v6)
			if err != nil {
				return toolRefusal(tool+" -A "+chain, r.args, err)
			}
			chains[chain] = append(chains[chain], line)
		}
		return nil
	})
}

// assemble prints the three tables.
func assemble(port Port, eb, ip4, ip6 map[string][]string, linkIn, linkOut bool, _ []string) Tables {
	dev := port.Dev
	var t Tables
	for layer, chains := range [2]map[string][]string{ip4, ip6} {
		v6 := layer == 1
		shared := chains != nil || (!v6 && port.Existing.IPv4) || (v6 && port.Existing.IPv6)
		all := map[string][]string{}
		for k, v := range chains {
			all[k] = v
		}
		var builtin [3][]string
		if shared {
			for _, c := range []string{"libvirt-host-in", "libvirt-in", "libvirt-in-post", "libvirt-out"} {
				if _, ok := all[c]; !ok {
					all[c] = nil
				}
			}
			builtin[0] = []string{"-A INPUT -j libvirt-host-in"}
			builtin[1] = []string{"-A FORWARD -j libvirt-in", "-A FORWARD -j libvirt-out", "-A FORWARD -j libvirt-in-post"}
		}
		if chains != nil {
			link := func(chain string, a ...string) {
				line, err := iptSave(chain, a, v6)
				if err == nil {
					all[chain] = append(all[chain], line)
				}
			}
			link("libvirt-out", "-m", "physdev", "--physdev-is-bridged", "--physdev-out", dev, "-g", "FO-"+dev)
			link("libvirt-in", "-m", "physdev", "--physdev-in", dev, "-g", "FI-"+dev)
			link("libvirt-host-in", "-m", "physdev", "--physdev-in", dev, "-g", "HI-"+dev)
			link("libvirt-in-post", "-m", "physdev", "--physdev-in", dev, "-j", "ACCEPT")
		}
		var b strings.Builder
		b.Grow(textSize(all) + 200)
		b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n")
		names := sortedKeys(all)
		for _, n := range names {
			b.WriteByte(':')
			b.WriteString(n)
			b.WriteString(" - [0:0]\n")
		}
		for _, l := range builtin {
			for _, x := range l {
				b.WriteString(x)
				b.WriteByte('\n')
			}
		}
		for _, n := range names {
			for _, x := range all[n] {
				b.WriteString(x)
				b.WriteByte('\n')
			}
		}
		b.WriteString("COMMIT\n")
		if v6 {
			t.IP6Tables = b.String()
		} else {
			t.IPTables = b.String()
		}
	}
	var b strings.Builder
	b.Grow(textSize(eb) + 200)
	b.WriteString("*nat\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\n")
	names := sortedKeys(eb)
	for _, n := range names {
		b.WriteByte(':')
		b.WriteString(n)
		b.WriteString(" ACCEPT\n")
	}
	if linkIn {
		if l, err := ebtSave("PREROUTING", []string{"-i", dev, "-j", "libvirt-I-" + dev}); err == nil {
			b.WriteString(l + "\n")
		}
	}
	if linkOut {
		if l, err := ebtSave("POSTROUTING", []string{"-o", dev, "-j", "libvirt-O-" + dev}); err == nil {
			b.WriteString(l + "\n")
		}
	}
	for _, n := range names {
		for _, x := range eb[n] {
			b.WriteString(x)
			b.WriteByte('\n')
		}
	}
	t.EBTables = b.String()
	return t
}

// textSize is about the length of the table the chains print as.
func textSize(chains map[string][]string) int {
	n := 0
	for k, lines := range chains {
		n += len(k) + 10
		for _, l := range lines {
			n += len(l) + 1
		}
	}
	return n
}

func sortedKeys(m map[string][]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Model names what Predict models, for pages and tools to say.
const Model = "libvirt 9.0 (Debian 12), iptables/ebtables 1.8.9 nf_tables"
