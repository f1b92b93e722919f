package nwfilter

import (
	"fmt"
	"sort"
	"strings"
)

// KeepState adjusts filter XML about to be defined so that libvirt 9.0 stores what the text
// says, in the places where the text libvirt itself prints (virsh nwfilter-dumpxml) would
// otherwise change the filter when defined again. existing is the filter's current XML as
// libvirt prints it, "" for a new filter. It returns the text to send and one sentence for each
// change it made. The text is changed by small insertions and deletions only; nothing is
// re-serialised.
//
// The changes:
//   - dumpxml leaves a chain priority of 0 out, and without one libvirt gives the chain its
//     default (-800 for mac). When the text names the same chain as the existing filter, whose
//     priority is 0, and has no priority, priority='0' is written in.
//   - libvirt gives a rule's ipset the ipsetflags='src' and prints both, but drops both when
//     they are given together (except for the protocols all and all-ipv6). An ipsetflags='src'
//     beside an ipset is taken out, so that libvirt stores exactly ipset with ipsetflags='src'.
//   - dumpxml writes tabs and line breaks of attribute values (comments) raw, which XML reads
//     back as spaces. Where a value of the text is one of the existing filter's, they are
//     written as character references.
func KeepState(text, existing string) (string, []string, error) {
	doc, err := scanTags(text)
	if err != nil {
		return "", nil, fmt.Errorf("filter XML: %w", err)
	}
	var old *tagDoc
	if existing != "" {
		if old, err = scanTags(existing); err != nil {
			old = nil // libvirt's own text that we cannot read: keep the text as it is
		}
	}
	var eds []edit
	var notes []string

	// The chain priority.
	if root := doc.root(); root != nil && old != nil && old.root() != nil {
		chain, hasChain := root.attr("chain")
		_, hasPrio := root.attr("priority")
		oldChain, oldHasChain := old.root().attr("chain")
		_, oldHasPrio := old.root().attr("priority")
		if hasChain && !hasPrio && oldHasChain && !oldHasPrio && chain.value == oldChain.value &&
			chainDefault(chain.value) != 0 {
			eds = append(eds, edit{at: chain.end, insert: " priority='0'"})
			notes = append(notes, fmt.Sprintf("kept the chain priority 0 (dumpxml leaves it out; without it libvirt would give the %s chain its default %d)", chain.value, chainDefault(chain.value)))
		}
	}

	// ipset with its default flags.
	for _, rule := range doc.rules() {
		var proto string
		var set, flags *tagAttr
		for _, el := range rule.children {
			p, ok := protoByName(el.name)
			if !ok || (proto != "" && el.name != proto) {
				continue
			}
			if proto == "" && !dropsIPSetPair(p.kind) {
				break
			}
			proto = el.name
			if a, ok := el.attr("ipset"); ok {
				set = &a
			}
			if a, ok := el.attr("ipsetflags"); ok {
				flags = &a
			}
		}
		if set != nil && flags != nil && isDefaultIPSetFlags(text[flags.valStart:flags.valEnd]) {
			eds = append(eds, edit{at: flags.start, del: flags.end - flags.start})
			notes = append(notes, fmt.Sprintf("sent ipset='%s' without ipsetflags='src' (libvirt adds that itself, and drops both when given both)", text[set.valStart:set.valEnd]))
		}
	}

	// Raw tabs and line breaks in values libvirt printed.
	if old != nil {
		oldValues := map[string]bool{}
		for _, t := range old.tags {
			for _, a := range t.spans {
				oldValues[existing[a.valStart:a.valEnd]] = true
			}
		}
		for _, t := range doc.tags {
			for _, a := range t.spans {
				v := text[a.valStart:a.valEnd]
				if !strings.ContainsAny(v, "\t\n\r") || !oldValues[v] {
					continue
				}
				r := strings.NewReplacer("\t", "&#9;", "\n", "&#10;", "\r", "&#13;")
				eds = append(eds, edit{at: a.valStart, del: a.valEnd - a.valStart, insert: r.Replace(v)})
				notes = append(notes, fmt.Sprintf("kept the tabs and line breaks of %s (dumpxml writes them raw, which XML reads as spaces)", a.name))
			}
		}
	}
	return applyEdits(text, eds), notes, nil
}

type edit struct {
	at, del int
	insert  string
}

func applyEdits(s string, eds []edit) string {
	sort.SliceStable(eds, func(i, j int) bool { return eds[i].at > eds[j].at })
	for _, e := range eds {
		s = s[:e.at] + e.insert + s[e.at+e.del:]
	}
	return s
}
