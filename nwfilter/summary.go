package nwfilter

import (
	"encoding/xml"
	"fmt"
	"strconv"
)

// Summary is what a filter list shows of a filter without interpreting its rules.
type Summary struct {
	Name     string
	UUID     string
	Chain    string // "root" when the XML names none, as libvirt defaults it
	Priority int    // as written; libvirt's dumpxml omits it when 0
	Rules    int
	Refs     []string // filters referenced by <filterref>, in order
}

type summaryXML struct {
	XMLName  xml.Name   `xml:"filter"`
	Name     string     `xml:"name,attr"`
	Chain    string     `xml:"chain,attr"`
	Priority string     `xml:"priority,attr"`
	UUID     string     `xml:"uuid"`
	Rules    []struct{} `xml:"rule"`
	Refs     []struct {
		Filter string `xml:"filter,attr"`
	} `xml:"filterref"`
}

// Summarize reads a filter's name, UUID, chain, priority, rule count and references.
func Summarize(filterXML string) (Summary, error) {
	var x summaryXML
	if err := xml.Unmarshal([]byte(filterXML), &x); err != nil {
		return Summary{}, fmt.Errorf("filter XML: %w", err)
	}
	s := Summary{Name: x.Name, UUID: x.UUID, Chain: x.Chain, Rules: len(x.Rules)}
	if s.Chain == "" {
		s.Chain = "root"
	}
	if x.Priority != "" {
		p, err := strconv.Atoi(x.Priority)
		if err != nil {
			return Summary{}, fmt.Errorf("filter priority %q: not a number", x.Priority)
		}
		s.Priority = p
	}
	for _, r := range x.Refs {
		s.Refs = append(s.Refs, r.Filter)
	}
	return s, nil
}

// Closure returns the names of every filter reachable from root through filterrefs, root first,
// each once (cycles, which libvirt refuses anyway, do not loop).
func Closure(root string, refs map[string][]string) []string {
	seen := map[string]bool{}
	var out []string
	var walk func(string)
	walk = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		out = append(out, n)
		for _, r := range refs[n] {
			walk(r)
		}
	}
	walk(root)
	return out
}
