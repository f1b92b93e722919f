package nwfilter

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
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
			for _, a := range t.attrs {
				oldValues[existing[a.valStart:a.valEnd]] = true
			}
		}
		for _, t := range doc.tags {
			for _, a := range t.attrs {
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

// tagDoc is the start tags of a document with where their attributes are.
type tagDoc struct {
	tags []*tagEl // in document order; tags[0] is the root
}

type tagEl struct {
	name     string
	depth    int
	attrs    []tagAttr
	children []*tagEl
}

// tagAttr is where one attribute is: start is the whitespace before its name, end is after its
// closing quote, the value is between valStart and valEnd (raw, unescaped).
type tagAttr struct {
	name             string
	value            string // decoded
	start, end       int
	valStart, valEnd int
}

func (d *tagDoc) root() *tagEl {
	if len(d.tags) == 0 || d.tags[0].name != "filter" {
		return nil
	}
	return d.tags[0]
}

func (d *tagDoc) rules() []*tagEl {
	root := d.root()
	if root == nil {
		return nil
	}
	var out []*tagEl
	for _, c := range root.children {
		if c.name == "rule" {
			out = append(out, c)
		}
	}
	return out
}

func (t *tagEl) attr(name string) (tagAttr, bool) {
	for _, a := range t.attrs {
		if a.name == name {
			return a, true
		}
	}
	return tagAttr{}, false
}

// scanTags reads a well-formed document's start tags and where each attribute is in the text.
func scanTags(s string) (*tagDoc, error) {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	doc := &tagDoc{}
	var stack []*tagEl
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := &tagEl{name: t.Name.Local, depth: len(stack)}
			el.attrs = tagAttrs(s, off, int(d.InputOffset()))
			for i := range el.attrs {
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == el.attrs[i].name {
						el.attrs[i].value = a.Value
					}
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, el)
			}
			doc.tags = append(doc.tags, el)
			stack = append(stack, el)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return doc, nil
}

// tagAttrs finds the attributes of the start tag s[from:to], which the decoder has found
// well-formed.
func tagAttrs(s string, from, to int) []tagAttr {
	i := from + 1
	for i < to && !isTagSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	var out []tagAttr
	for i < to {
		start := i
		for i < to && isTagSpace(s[i]) {
			i++
		}
		if i >= to || s[i] == '/' || s[i] == '>' {
			break
		}
		n := i
		for i < to && s[i] != '=' && !isTagSpace(s[i]) {
			i++
		}
		name := s[n:i]
		for i < to && s[i] != '\'' && s[i] != '"' {
			i++
		}
		if i >= to {
			break
		}
		q := s[i]
		i++
		vs := i
		for i < to && s[i] != q {
			i++
		}
		a := tagAttr{name: name, start: start, valStart: vs, valEnd: i}
		i++
		a.end = i
		if j := strings.IndexByte(name, ':'); j < 0 {
			out = append(out, a)
		}
	}
	return out
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
