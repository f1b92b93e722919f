package nwfilter

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads filter XML into a small element tree the way libvirt's libxml2 reads it where
// that changes what a rule means: attribute values are normalised as XML requires (a literal
// tab, newline or carriage return becomes a space, CR LF one space, while &#9; &#10; &#13; stay
// what they are), and attributes are looked up by their name without a prefix. Go's
// encoding/xml does not normalise attribute values, and it is slow on big filters, so the
// generator has its own reader: elements, attributes, character and the five predefined entity
// references, comments, processing instructions, CDATA and a DOCTYPE (skipped). Well-formedness
// errors name the line; their wording is ours, not libxml2's.

type xmlAttr struct {
	name, value string
}

type xmlNode struct {
	name     string
	attrs    []xmlAttr
	children []*xmlNode
}

// attr returns the value of the attribute called name.
func (n *xmlNode) attr(name string) (string, bool) {
	for i := range n.attrs {
		if n.attrs[i].name == name {
			return n.attrs[i].value, true
		}
	}
	return "", false
}

type xmlReader struct {
	s   string
	pos int
	// nodes and attributes come from slabs: a big filter has thousands
	nodes []xmlNode
	attrs []xmlAttr
}

func (r *xmlReader) newNode(name string) *xmlNode {
	if len(r.nodes) == cap(r.nodes) {
		r.nodes = make([]xmlNode, 0, 64)
	}
	r.nodes = append(r.nodes, xmlNode{name: name})
	return &r.nodes[len(r.nodes)-1]
}

type xmlSyntaxError struct {
	line int
	msg  string
}

func (e *xmlSyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func (r *xmlReader) fail(at int, format string, a ...any) error {
	return &xmlSyntaxError{line: 1 + strings.Count(r.s[:min(at, len(r.s))], "\n"), msg: fmt.Sprintf(format, a...)}
}

func parseXMLTree(s string) (*xmlNode, error) {
	if !utf8.ValidString(s) {
		return nil, &xmlSyntaxError{line: 1, msg: "input is not proper UTF-8"}
	}
	r := &xmlReader{s: strings.TrimPrefix(s, "\ufeff")}
	var root *xmlNode
	type open struct {
		n   *xmlNode
		raw string // the name as written, prefix and all
	}
	var stack []open
	for {
		i := strings.IndexByte(r.s[r.pos:], '<')
		text := r.s[r.pos:]
		if i >= 0 {
			text = text[:i]
		}
		if err := r.checkText(text, len(stack) > 0, root != nil); err != nil {
			return nil, err
		}
		if i < 0 {
			break
		}
		r.pos += i
		start := r.pos
		rest := r.s[r.pos:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "--")
			if end < 0 {
				return nil, r.fail(start, "comment not terminated")
			}
			if !strings.HasPrefix(rest[4+end:], "-->") {
				return nil, r.fail(start+4+end, "double hyphen within comment")
			}
			r.pos += 4 + end + 3
		case strings.HasPrefix(rest, "<![CDATA["):
			if len(stack) == 0 {
				return nil, r.fail(start, "CDATA section outside the root element")
			}
			end := strings.Index(rest, "]]>")
			if end < 0 {
				return nil, r.fail(start, "CDATA section not terminated")
			}
			r.pos += end + 3
		case strings.HasPrefix(rest, "<!DOCTYPE"):
			if root != nil || len(stack) > 0 {
				return nil, r.fail(start, "DOCTYPE after the root element started")
			}
			if err := r.skipDoctype(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(rest, "<?"):
			end := strings.Index(rest, "?>")
			if end < 0 {
				return nil, r.fail(start, "processing instruction not terminated")
			}
			if target := rest[2:end]; strings.EqualFold(firstWord(target), "xml") && start != 0 {
				return nil, r.fail(start, "XML declaration allowed only at the start of the document")
			}
			r.pos += end + 2
		case strings.HasPrefix(rest, "</"):
			r.pos += 2
			name := r.name()
			if name == "" {
				return nil, r.fail(r.pos, "end tag without a name")
			}
			r.space()
			if !r.eat('>') {
				return nil, r.fail(r.pos, "end tag %s not closed with '>'", name)
			}
			if len(stack) == 0 {
				return nil, r.fail(start, "end tag %s without a start tag", name)
			}
			top := stack[len(stack)-1]
			if name != top.raw {
				return nil, r.fail(start, "opening and ending tag mismatch: %s and %s", top.raw, name)
			}
			stack = stack[:len(stack)-1]
		default:
			if len(stack) == 0 && root != nil {
				return nil, r.fail(start, "extra content at the end of the document")
			}
			n, raw, closed, err := r.startTag()
			if err != nil {
				return nil, err
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1].n
				p.children = append(p.children, n)
			} else {
				root = n
			}
			if !closed {
				stack = append(stack, open{n, raw})
			}
		}
	}
	if len(stack) > 0 {
		return nil, r.fail(len(r.s), "premature end of data: %s is not closed", stack[len(stack)-1].raw)
	}
	if root == nil {
		return nil, r.fail(len(r.s), "no root element")
	}
	return root, nil
}

// localNames leaves the element and its attributes with their local names, as libvirt looks
// them up (xmlGetProp ignores namespaces), and drops namespace declarations. The first of two
// attributes with the same local name wins, as in xmlGetProp.
func localNames(n *xmlNode) {
	if i := strings.IndexByte(n.name, ':'); i >= 0 {
		n.name = n.name[i+1:]
	}
	kept := n.attrs[:0]
	for _, a := range n.attrs {
		if a.name == "xmlns" || strings.HasPrefix(a.name, "xmlns:") {
			continue
		}
		if i := strings.IndexByte(a.name, ':'); i >= 0 {
			a.name = a.name[i+1:]
			if _, dup := (&xmlNode{attrs: kept}).attr(a.name); dup {
				continue
			}
		}
		kept = append(kept, a)
	}
	n.attrs = kept
}

func firstWord(s string) string {
	for i := 0; i < len(s); i++ {
		if isXMLSpace(s[i]) {
			return s[:i]
		}
	}
	return s
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (r *xmlReader) space() bool {
	start := r.pos
	for r.pos < len(r.s) && isXMLSpace(r.s[r.pos]) {
		r.pos++
	}
	return r.pos > start
}

func (r *xmlReader) eat(c byte) bool {
	if r.pos < len(r.s) && r.s[r.pos] == c {
		r.pos++
		return true
	}
	return false
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.'
}

func (r *xmlReader) name() string {
	start := r.pos
	if r.pos >= len(r.s) || !isNameStart(r.s[r.pos]) {
		return ""
	}
	for r.pos < len(r.s) && isNameByte(r.s[r.pos]) {
		r.pos++
	}
	return r.s[start:r.pos]
}

// startTag reads <name attr='value' ...> or <name .../>; raw is the name as written.
func (r *xmlReader) startTag() (n *xmlNode, raw string, closed bool, err error) {
	start := r.pos
	r.pos++ // '<'
	name := r.name()
	if name == "" {
		return nil, "", false, r.fail(start, "start tag expected, '<' not followed by a name")
	}
	n = r.newNode(name)
	if cap(r.attrs)-len(r.attrs) < 16 {
		r.attrs = make([]xmlAttr, 0, 256)
	}
	first := len(r.attrs)
	prefixed := strings.IndexByte(name, ':') >= 0
	done := func() {
		n.attrs = r.attrs[first:len(r.attrs):len(r.attrs)]
		if prefixed {
			localNames(n)
		}
	}
	for {
		sp := r.space()
		switch {
		case r.eat('>'):
			done()
			return n, name, false, nil
		case strings.HasPrefix(r.s[r.pos:], "/>"):
			r.pos += 2
			done()
			return n, name, true, nil
		case r.pos >= len(r.s):
			return nil, "", false, r.fail(start, "couldn't find end of start tag %s", name)
		}
		if !sp {
			return nil, "", false, r.fail(r.pos, "attributes of %s must be separated by white space", name)
		}
		at := r.pos
		an := r.name()
		if an == "" {
			return nil, "", false, r.fail(at, "attribute name expected in start tag %s", name)
		}
		r.space()
		if !r.eat('=') {
			return nil, "", false, r.fail(r.pos, "specification mandates value for attribute %s", an)
		}
		r.space()
		v, err := r.attrValue(an)
		if err != nil {
			return nil, "", false, err
		}
		for _, a := range r.attrs[first:] {
			if a.name == an {
				return nil, "", false, r.fail(at, "attribute %s redefined", an)
			}
		}
		if strings.IndexByte(an, ':') >= 0 || an == "xmlns" {
			prefixed = true
		}
		if len(r.attrs) == cap(r.attrs) {
			// a tag with very many attributes: move its own to a bigger slab
			r.attrs = append(make([]xmlAttr, 0, 2*cap(r.attrs)), r.attrs[first:]...)
			first = 0
		}
		r.attrs = append(r.attrs, xmlAttr{an, v})
	}
}

// attrValue reads a quoted attribute value, resolving references and normalising literal
// white space as XML 1.0 section 3.3.3 requires of a CDATA attribute.
func (r *xmlReader) attrValue(name string) (string, error) {
	if r.pos >= len(r.s) || r.s[r.pos] != '\'' && r.s[r.pos] != '"' {
		return "", r.fail(r.pos, "attribute %s: value must be quoted", name)
	}
	q := r.s[r.pos]
	r.pos++
	start := r.pos
	end := strings.IndexByte(r.s[start:], q)
	if end < 0 {
		return "", r.fail(start, "attribute %s: value not terminated", name)
	}
	raw := r.s[start : start+end]
	r.pos = start + end + 1
	if strings.IndexByte(raw, '<') >= 0 {
		return "", r.fail(start, "unescaped '<' not allowed in the value of attribute %s", name)
	}
	if strings.IndexByte(raw, '&') < 0 {
		return normalizeSpace(raw), nil
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; ; {
		j := strings.IndexByte(raw[i:], '&')
		if j < 0 {
			b.WriteString(normalizeSpace(raw[i:]))
			return b.String(), nil
		}
		b.WriteString(normalizeSpace(raw[i : i+j]))
		i += j
		semi := strings.IndexByte(raw[i:], ';')
		if semi < 0 {
			return "", r.fail(start+i, "attribute %s: '&' must start a reference ending in ';'", name)
		}
		s, err := resolveRef(raw[i+1 : i+semi])
		if err != nil {
			return "", r.fail(start+i, "attribute %s: %v", name, err)
		}
		b.WriteString(s)
		i += semi + 1
	}
}

var attrSpace = strings.NewReplacer("\r\n", " ", "\t", " ", "\n", " ", "\r", " ")

// normalizeSpace is what XML 1.0 (section 3.3.3) does to the literal white space of an attribute
// value as written, references unresolved: a tab, line feed, carriage return or CR LF becomes
// one space. A reference (&#10;) is not literal: it stays what it stands for.
func normalizeSpace(raw string) string {
	if !strings.ContainsAny(raw, "\t\n\r") {
		return raw
	}
	return attrSpace.Replace(raw)
}

var predefinedEntities = map[string]string{"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": "\""}

// resolveRef resolves the reference between '&' and ';'.
func resolveRef(ref string) (string, error) {
	if s, ok := predefinedEntities[ref]; ok {
		return s, nil
	}
	if num, ok := strings.CutPrefix(ref, "#"); ok {
		base := 10
		if h, ok := strings.CutPrefix(num, "x"); ok {
			num, base = h, 16
		}
		v, err := strconv.ParseUint(num, base, 32)
		if err != nil || num == "" || num[0] == '+' || !isXMLChar(rune(v)) {
			return "", fmt.Errorf("invalid character reference &%s;", ref)
		}
		return string(rune(v)), nil
	}
	return "", fmt.Errorf("entity '%s' not defined", ref)
}

func isXMLChar(c rune) bool {
	return c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD || c >= 0x10000 && c <= 0x10FFFF
}

// checkText checks character data: references must be well formed, "]]>" is not allowed, and
// outside the root element only white space may appear.
func (r *xmlReader) checkText(text string, inRoot, afterRoot bool) error {
	if !inRoot {
		for i := 0; i < len(text); i++ {
			if !isXMLSpace(text[i]) {
				if afterRoot {
					return r.fail(r.pos+i, "extra content at the end of the document")
				}
				return r.fail(r.pos+i, "start tag expected, '<' not found")
			}
		}
		return nil
	}
	if strings.Contains(text, "]]>") {
		return r.fail(r.pos+strings.Index(text, "]]>"), "sequence ']]>' not allowed in content")
	}
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '&')
		if j < 0 {
			break
		}
		i += j
		semi := strings.IndexByte(text[i:], ';')
		if semi < 0 {
			return r.fail(r.pos+i, "'&' must start a reference ending in ';'")
		}
		if _, err := resolveRef(text[i+1 : i+semi]); err != nil {
			return r.fail(r.pos+i, "%v", err)
		}
		i += semi + 1
	}
	return nil
}

// skipDoctype skips <!DOCTYPE ...>, with an internal subset in brackets and quoted strings.
func (r *xmlReader) skipDoctype() error {
	start := r.pos
	depth := 0
	for i := r.pos + len("<!DOCTYPE"); i < len(r.s); i++ {
		switch c := r.s[i]; c {
		case '\'', '"':
			end := strings.IndexByte(r.s[i+1:], c)
			if end < 0 {
				return r.fail(start, "DOCTYPE not terminated")
			}
			i += end + 1
		case '[':
			depth++
		case ']':
			depth--
		case '>':
			if depth <= 0 {
				r.pos = i + 1
				return nil
			}
		}
	}
	return r.fail(start, "DOCTYPE not terminated")
}

// WellFormed reports whether s is well-formed XML, as the preview reads it: nil, or the first
// syntax error with its line ("line 4: opening and ending tag mismatch: tcp and rule").
func WellFormed(s string) error {
	_, err := parseXMLTree(s)
	var se *xmlSyntaxError
	if errors.As(err, &se) {
		return se
	}
	return nil
}
