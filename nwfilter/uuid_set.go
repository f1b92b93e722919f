package nwfilter

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// SetUUID returns filterXML with uuid as the filter's <uuid>: the text of its own <uuid> is
// replaced, or one is inserted (WithUUID) when it has none. Restoring an old version of a filter
// that was undefined and re-created since needs this: libvirt redefines a filter in place only
// under its current UUID. Only the UUID's text changes; nothing else is re-serialised.
func SetUUID(filterXML, uuid string) (string, error) {
	dec := xml.NewDecoder(strings.NewReader(filterXML))
	depth := 0
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
			if depth == 0 && t.Name.Local != "filter" {
				return "", fmt.Errorf("filter XML: the root element is <%s>, not <filter>", t.Name.Local)
			}
			if depth == 1 && t.Name.Local == "uuid" {
				return replaceText(dec, filterXML, uuid)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return WithUUID(filterXML, uuid)
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
