package nwfilter

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// The composer's model (compose.go) and the save path's corrections (keepstate.go) read filter
// XML with encoding/xml, as written: every attribute and element kept, with where it is in the
// text, so that what they leave alone stays byte for byte as it was.

// tagDoc is the elements of a document with where they and their attributes are in the text.
type tagDoc struct {
	tags []*tagEl // in document order; tags[0] is the root
}

type tagEl struct {
	name  string
	depth int
	// attrs are the attributes as encoding/xml decodes them, in order, namespaced ones left out;
	// spans are the same (bar names with a prefix) with where each is in the text.
	attrs      []XMLAttr
	spans      []tagAttr
	children   []*tagEl
	text       string // the character data directly inside
	start, end int    // the element in the text, start tag to end tag
}

// raw is the element as written.
func (t *tagEl) raw(src string) string { return src[t.start:t.end] }

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
	for _, a := range t.spans {
		if a.name == name {
			return a, true
		}
	}
	return tagAttr{}, false
}

// scanTags reads a well-formed document's elements, and where each element and attribute is in
// the text.
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
			el := &tagEl{name: t.Name.Local, depth: len(stack), start: off}
			for _, a := range t.Attr {
				if a.Name.Space == "" {
					el.attrs = append(el.attrs, XMLAttr{Name: a.Name.Local, Value: a.Value})
				}
			}
			el.spans = tagAttrs(s, off, int(d.InputOffset()))
			for i := range el.spans {
				for _, a := range el.attrs {
					if a.Name == el.spans[i].name {
						el.spans[i].value = a.Value
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
			stack[len(stack)-1].end = int(d.InputOffset())
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	return doc, nil
}

// tagAttrs finds the attributes of the start tag s[from:to], which the decoder has found
// well-formed.
func tagAttrs(s string, from, to int) []tagAttr {
	i := from + 1
	for i < to && !isXMLSpace(s[i]) && s[i] != '/' && s[i] != '>' {
		i++
	}
	var out []tagAttr
	for i < to {
		start := i
		for i < to && isXMLSpace(s[i]) {
			i++
		}
		if i >= to || s[i] == '/' || s[i] == '>' {
			break
		}
		n := i
		for i < to && s[i] != '=' && !isXMLSpace(s[i]) {
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
