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
	dec, rootEnd, err := findUUID(filterXML)
	if err != nil {
		return "", err
	}
	if dec != nil {
		return filterXML, nil
	}
	return insertUUID(filterXML, rootEnd, uuid), nil
}

// SetUUID returns filterXML with uuid as the filter's <uuid>: the text of its own <uuid> is
// replaced, or one is inserted as WithUUID does when it has none. Restoring an old version of a
// filter that was undefined and re-created since needs this: libvirt redefines a filter in place
// only under its current UUID. Only the UUID's text changes; nothing else is re-serialised.
func SetUUID(filterXML, uuid string) (string, error) {
	dec, rootEnd, err := findUUID(filterXML)
	if err != nil {
		return "", err
	}
	if dec != nil {
		return replaceText(dec, filterXML, uuid)
	}
	return insertUUID(filterXML, rootEnd, uuid), nil
}

// findUUID reads filterXML up to the start tag of the filter's own <uuid> and returns the
// decoder there, or reads it all and returns nil when the filter has none. rootEnd is where the
// <filter ...> start tag ends.
func findUUID(filterXML string) (dec *xml.Decoder, rootEnd int64, err error) {
	dec = xml.NewDecoder(strings.NewReader(filterXML))
	depth := 0
	rootEnd = -1
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("filter XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != "filter" {
					return nil, 0, fmt.Errorf("filter XML: the root element is <%s>, not <filter>", t.Name.Local)
				}
				rootEnd = dec.InputOffset()
			} else if depth == 1 && t.Name.Local == "uuid" {
				return dec, rootEnd, nil
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if rootEnd < 0 {
		return nil, 0, errors.New("filter XML: no <filter> element")
	}
	return nil, rootEnd, nil
}

// insertUUID puts <uuid>uuid</uuid> right after the <filter ...> start tag, which ends at rootEnd.
func insertUUID(filterXML string, rootEnd int64, uuid string) string {
	head, tail := filterXML[:rootEnd], filterXML[rootEnd:]
	elem := "<uuid>" + uuid + "</uuid>"
	if strings.HasSuffix(head, "/>") {
		// <filter name='x'/>: open it up.
		return strings.TrimRight(strings.TrimSuffix(head, "/>"), " \t\r\n") + ">" + elem + "</filter>" + tail
	}
	return head + elem + tail
}

// replaceText replaces the text of the element whose start tag dec has just read.
func replaceText(dec *xml.Decoder, text, with string) (string, error) {
	start := dec.InputOffset()
	if strings.HasSuffix(text[:start], "/>") {
		// <uuid/>: the decoder reports an end element that is not in the text.
		open := strings.LastIndex(text[:start], "<")
		return text[:open] + "<uuid>" + with + "</uuid>" + text[start:], nil
	}
	end := start
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("filter XML: %w", err)
		}
		switch tok.(type) {
		case xml.CharData:
			end = dec.InputOffset()
			continue
		case xml.EndElement:
			return text[:start] + with + text[end:], nil
		default:
			return "", errors.New("filter XML: <uuid> holds more than text")
		}
	}
}
