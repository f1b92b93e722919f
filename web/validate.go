package web

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// Names are checked as libvirt 9.0 checks them, before anything is sent to it, and a little
// more strictly where libvirt's leniency only makes trouble:
//
//   - filter names: libvirt takes any string but one with '/' (the name becomes the file
//     /etc/libvirt/nwfilter/NAME.xml, so a '/' fails to save) or longer than 247 bytes (NAME.xml.new
//     must fit in 255). We also refuse control characters (libvirt stores a name with a newline
//     and then lists it as "\x0a"), invalid UTF-8, and "." and ".." (no URL can name them).
//   - domain names: virXMLCheckIllegalChars refuses '\n' and the qemu driver '/'; we refuse
//     every control character.
//   - port devices: the kernel's dev_valid_name (at most 15 bytes, no '/', ':' or white space,
//     not "." or "..").
//   - parameter names and values: nwfilter_params.c's VALID_VARNAME [a-zA-Z0-9_]+ and
//     VALID_VARVALUE [a-zA-Z0-9_.:]+; the values of IP and MAC, which libvirt interprets,
//     must be an IP address and a MAC address.
const (
	maxFilterName = 247
	maxDomainName = 1024
	maxParams     = 256
	maxParamLen   = 256
)

var (
	varNameRE  = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	varValueRE = regexp.MustCompile(`^[a-zA-Z0-9_.:]+$`)
)

// checkName is what filter and domain names share: present, UTF-8, no '/' or control characters.
func checkName(field, kind, name string, maxLen int) error {
	switch {
	case name == "":
		return badField(field, "the %s name is empty", kind)
	case len(name) > maxLen:
		return badField(field, "the %s name is longer than %d bytes", kind, maxLen)
	case !utf8.ValidString(name):
		return badField(field, "the %s name is not valid UTF-8", kind)
	case strings.Contains(name, "/"):
		return badField(field, "the %s name %q contains '/', which libvirt does not accept", kind, name)
	case name == "." || name == "..":
		// libvirt takes them, but no URL can name them: browsers resolve dot segments.
		return badField(field, "the %s name %q cannot be used", kind, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return badField(field, "the %s name %q contains a control character", kind, name)
		}
	}
	return nil
}

// validFilterName checks the name of a filter as libvirt would (see above).
func validFilterName(field, name string) error {
	return checkName(field, "filter", name, maxFilterName)
}

// validDomainName checks the name of a domain as libvirt would.
func validDomainName(name string) error { return checkName("domain", "domain", name, maxDomainName) }

// validParam checks one filterref parameter.
func validParam(name, value string) error {
	switch {
	case !varNameRE.MatchString(name) || len(name) > maxParamLen:
		return badField("params", "parameter name %q: only letters, digits and _ are allowed", name)
	case value == "":
		return badField("params", "parameter %s has no value", name)
	case !varValueRE.MatchString(value) || len(value) > maxParamLen:
		return badField("params", "parameter %s: the value %q has characters libvirt does not accept (letters, digits, _ . : only)", name, value)
	case name == "IP" && net.ParseIP(value) == nil:
		return badField("params", "parameter IP: %q is not an IP address", value)
	case name == "MAC":
		if hw, err := net.ParseMAC(value); err != nil || len(hw) != 6 {
			return badField("params", "parameter MAC: %q is not a MAC address", value)
		}
	}
	return nil
}

// checkRouteParams validates the names in the URL before any handler sees them: filter and
// domain names, MAC addresses and port devices, by the route parameter that carries them.
func checkRouteParams(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Path()
		for i, name := range c.ParamNames() {
			v := c.ParamValues()[i]
			var err error
			switch {
			case name == "name" && (strings.HasPrefix(p, "/filters/") || strings.HasPrefix(p, "/api/v1/filters/") || strings.HasPrefix(p, "/composer/")):
				err = validFilterName("filter", v)
			case name == "name" && (strings.HasPrefix(p, "/domains/") || strings.HasPrefix(p, "/api/v1/domains/")):
				err = validDomainName(v)
			case name == "mac":
				_, err = normalMAC("mac", v)
			case name == "dev":
				err = validPortDev(v)
			}
			if err != nil {
				return err
			}
		}
		return next(c)
	}
}

// Limits on filter XML, checked before it is parsed by us or sent to libvirt. Real filters are
// a few KiB and four levels deep (filter, rule, protocol; filterref, parameter).
const (
	maxFilterXML      = 256 << 10
	maxFilterDepth    = 16
	maxFilterElements = 10000
)

// checkFilterXML refuses filter XML that is too big, too deep, not well-formed, or that has a
// DOCTYPE: encoding/xml never expands entities, but libvirt's libxml2 would, so an internal
// subset (billion laughs) or an external entity must never reach the daemon.
func checkFilterXML(s string) error {
	if len(s) > maxFilterXML {
		return &fieldError{Field: "xml", Status: http.StatusRequestEntityTooLarge,
			Msg: fmt.Sprintf("the filter XML is %d bytes; at most %d are accepted", len(s), maxFilterXML)}
	}
	if !utf8.ValidString(s) {
		return badField("xml", "the filter XML is not valid UTF-8")
	}
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	depth, elements, roots := 0, 0, 0
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return notWellFormed(s, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if roots++; roots > 1 {
					return badField("xml", "the filter XML has more than one root element")
				}
			}
			depth++
			elements++
			if depth > maxFilterDepth {
				return badField("xml", "the filter XML nests deeper than %d elements", maxFilterDepth)
			}
			if elements > maxFilterElements {
				return badField("xml", "the filter XML has more than %d elements", maxFilterElements)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(strings.TrimSpace(string(t))) > 0 {
				return badField("xml", "the filter XML has text outside its root element")
			}
		case xml.Directive:
			return badField("xml", "the filter XML has a <!%s...> declaration: DOCTYPEs and entity declarations are not accepted", firstWord(t))
		case xml.ProcInst:
			if t.Target != "xml" {
				return badField("xml", "the filter XML has a processing instruction <?%s?>, which is not accepted", t.Target)
			}
		}
	}
	if depth != 0 {
		return notWellFormed(s, errors.New("unclosed elements"))
	}
	return nil
}

// notWellFormed words a syntax error as the editor's preview does, with its line, so that the
// page does not give two verdicts on one text; err is encoding/xml's, used when ours has none.
func notWellFormed(s string, err error) error {
	if werr := nwfilter.WellFormed(s); werr != nil {
		err = werr
	}
	return badField("xml", "the filter XML is not well-formed: %v", err)
}

func firstWord(b []byte) string {
	w, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if len(w) > 20 {
		w = w[:20]
	}
	return w
}
