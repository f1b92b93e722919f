package nwfilter

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// WithUUID returns filterXML with <uuid>uuid</uuid> as the filter's first child when it has no
// <uuid> of its own, and filterXML unchanged otherwise. libvirt redefines an existing filter in
// place only when the XML carries its UUID (without one it generates a new UUID and refuses the
// clash), so an editor that lets people leave the UUID out fills it in. The text is changed by
// insertion only: nothing else is re-serialised, so no attribute (priority='0' among them) can be
// lost on the way.
func WithUUID(filterXML, uuid string) (string, error) {
	dec := xml.NewDecoder(strings.NewReader(filterXML))
	depth := 0
	var rootEnd int64 = -1
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("filter XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != "filter" {
					return "", fmt.Errorf("filter XML: the root element is <%s>, not <filter>", t.Name.Local)
				}
				rootEnd = dec.InputOffset()
			} else if depth == 1 && t.Name.Local == "uuid" {
				return filterXML, nil
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if rootEnd < 0 {
		return "", errors.New("filter XML: no <filter> element")
	}
	head, tail := filterXML[:rootEnd], filterXML[rootEnd:]
	elem := "<uuid>" + uuid + "</uuid>"
	if strings.HasSuffix(head, "/>") {
		// <filter name='x'/>: open it up.
		return strings.TrimRight(strings.TrimSuffix(head, "/>"), " \t\r\n") + ">" + elem + "</filter>" + tail, nil
	}
	return head + elem + tail, nil
}
