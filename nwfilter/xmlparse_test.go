package nwfilter

import (
	"strings"
	"testing"
)

func TestParseXMLTreeAttributeValues(t *testing.T) {
	for _, tt := range []struct {
		name, value, want string
	}{
		{"plain", "abc", "abc"},
		{"literal tab becomes a space", "a\tb", "a b"},
		{"literal newline becomes a space", "a\nb", "a b"},
		{"CR LF becomes one space", "a\r\nb", "a b"},
		{"lone CR becomes a space", "a\rb", "a b"},
		{"character references stay", "a&#9;b&#10;c&#13;d&#x9;e", "a\tb\nc\rd\te"},
		{"predefined entities", "&lt;&gt;&amp;&apos;&quot;", `<>&'"`},
		{"no collapsing of spaces", "  a  b  ", "  a  b  "},
		{"UTF-8", "ünïcödé", "ünïcödé"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseXMLTree("<filter name=\"" + tt.value + "\"/>")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := n.attr("name"); got != tt.want {
				t.Errorf("value %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseXMLTreeStructure(t *testing.T) {
	x := `<?xml version="1.0"?>
<!DOCTYPE filter [ <!ELEMENT filter ANY> ]>
<!-- a comment -->
<f:filter xmlns:f="urn:x" name='n' f:chain='ipv4'>
  <rule action="accept" direction='in'><![CDATA[ <ignored> ]]><?pi x?>
    <tcp dstportstart='22'/>
  </rule>
  text &amp; more
</f:filter>
`
	n, err := parseXMLTree(x)
	if err != nil {
		t.Fatal(err)
	}
	if n.name != "filter" || len(n.children) != 1 || n.children[0].name != "rule" || len(n.children[0].children) != 1 {
		t.Fatalf("tree: %+v", n)
	}
	if c, _ := n.attr("chain"); c != "ipv4" {
		t.Errorf("prefixed attribute read as %q", c)
	}
	if _, ok := n.attr("xmlns:f"); ok {
		t.Error("namespace declaration kept as an attribute")
	}
}

func TestParseXMLTreeErrors(t *testing.T) {
	for _, tt := range []struct {
		name, xml, want string
	}{
		{"empty", "", "no root element"},
		{"text only", "hello", "start tag expected"},
		{"unclosed", "<filter name='x'>\n<rule>", "line 2: premature end of data: rule is not closed"},
		{"mismatch", "<filter>\n</rule>", "line 2: opening and ending tag mismatch: filter and rule"},
		{"two roots", "<a/><b/>", "extra content at the end of the document"},
		{"text after root", "<a/>x", "extra content"},
		{"unquoted", "<a b=c/>", "value must be quoted"},
		{"no value", "<a b/>", "mandates value for attribute b"},
		{"duplicate attribute", "<a b='1' b='2'/>", "attribute b redefined"},
		{"lt in value", "<a b='<'/>", "unescaped '<'"},
		{"unknown entity", "<a b='&nbsp;'/>", "entity 'nbsp' not defined"},
		{"bad char ref", "<a b='&#0;'/>", "invalid character reference"},
		{"bare ampersand", "<a b='x & y'/>", "must start a reference"},
		{"bare ampersand in text", "<a>x & y</a>", "must start a reference"},
		{"no space between attributes", "<a b='1'c='2'/>", "separated by white space"},
		{"double hyphen", "<a><!-- x -- y --></a>", "double hyphen"},
		{"bad UTF-8", "<a b='\xff'/>", "not proper UTF-8"},
		{"unterminated value", "<a b='x/>", "not terminated"},
		{"late XML declaration", "<a/><?xml version='1.0'?>", "XML declaration allowed only at the start"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseXMLTree(tt.xml)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
