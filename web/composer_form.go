package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// The composer's form carries the whole filter: the filter's fields, then for entry i the fields
// e<i>.kind, .action, .direction, .priority, .statematch, .proto, .a.<attribute> and
// .n.<attribute> (match='no') of a rule, or .filter, .pn and .pv (parameter names and values, in
// order) of a filter reference. What the forms do not show (attributes libvirt ignores, other
// elements, attributes present but empty) travels in the hidden keep fields, so that switching
// between forms and XML, or any other round trip through the page, loses nothing.

// composerState is the filter being composed, as a request carries it.
type composerState struct {
	orig string // the existing filter edited, "" for a new one
	from string // the filter a new one was cloned from
	// digest is the version of the existing filter the composing started from: a filter
	// changed since is not saved over (see edit_conflict.go).
	digest string
	// tried: the user has tried to define it, so a missing name is refused, not hinted at.
	tried bool
	mode  string // "form" or "xml"
	f     *nwfilter.Filter
	// text is the XML view's text as typed; textErr why it cannot be read (f is then nil).
	text, textErr string
	// dropped are the attributes a change of protocol left behind, in words.
	dropped []string
	// reshaped: a rule's protocol is not the one its form was shown for, so the form must be
	// shown again (with the new protocol's fields).
	reshaped bool
	notice   string
}

// filterKeep is what a filter's forms do not show.
type filterKeep struct {
	Other []nwfilter.XMLAttr `json:"other,omitempty"`
	Extra []string           `json:"extra,omitempty"`
}

// entryKeep is what an entry's forms do not show.
type entryKeep struct {
	Other   []nwfilter.XMLAttr `json:"other,omitempty"`
	Extra   []string           `json:"extra,omitempty"`
	Unknown []nwfilter.Attr    `json:"unknown,omitempty"` // attributes the protocol does not have
	Empty   []string           `json:"empty,omitempty"`   // attributes present with an empty value
}

func encodeKeep(v any) string {
	b, _ := json.Marshal(v) // plain structs of strings: cannot fail
	if string(b) == "{}" {
		return ""
	}
	return string(b)
}

func decodeKeep(s string, v any) error {
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return badField("keep", "the form's hidden fields are damaged: reload the page")
	}
	return nil
}

// composerForm reads the composer's form from the request: the filter being composed, and the
// form itself for what else the handler needs of it.
func composerForm(c echo.Context) (*composerState, url.Values, error) {
	form, err := c.FormParams()
	if err != nil {
		return nil, nil, badField("form", "reading the form: %v", err)
	}
	st, err := parseComposerForm(form)
	return st, form, err
}

// parseComposerForm reads the composer's form.
func parseComposerForm(form url.Values) (*composerState, error) {
	st := &composerState{orig: form.Get("orig"), from: form.Get("from"), mode: form.Get("mode"), digest: form.Get("digest"),
		tried: form.Get("tried") != ""}
	if st.mode == "xml" {
		st.text = form.Get("xml")
		f, err := nwfilter.ParseFilter(st.text)
		if err != nil {
			st.textErr = err.Error()
		} else {
			st.f = f
		}
		return st, nil
	}
	st.mode = "form"
	f := &nwfilter.Filter{Name: form.Get("name"), Chain: form.Get("chain"), Priority: form.Get("priority"), UUID: form.Get("uuid")}
	var fk filterKeep
	if err := decodeKeep(form.Get("keep"), &fk); err != nil {
		return nil, err
	}
	f.Other, f.Extra = fk.Other, fk.Extra
	n, _ := strconv.Atoi(form.Get("n"))
	if n < 0 || n > 10000 {
		return nil, badField("n", "the form says it has %d entries", n)
	}
	for i := 0; i < n; i++ {
		get := func(name string) string { return form.Get(views.EntryField(i, name)) }
		var k entryKeep
		if err := decodeKeep(get("keep"), &k); err != nil {
			return nil, err
		}
		if get("kind") == "ref" {
			ref := &nwfilter.Ref{Filter: get("filter"), Other: k.Other, Extra: k.Extra}
			names, values := form[views.EntryField(i, "pn")], form[views.EntryField(i, "pv")]
			for j := 0; j < len(names) || j < len(values); j++ {
				p := nwfilter.Param{Name: at(names, j), Value: at(values, j)}
				if p.Name != "" || p.Value != "" {
					ref.Params = append(ref.Params, p)
				}
			}
			f.Entries = append(f.Entries, nwfilter.Entry{Ref: ref})
			continue
		}
		r := &nwfilter.Rule{Action: get("action"), Direction: get("direction"), Priority: get("priority"),
			StateMatch: get("statematch"), Protocol: get("proto"), Other: k.Other, Extra: k.Extra}
		if shown, ok := form[views.EntryField(i, "shown")]; ok && len(shown) > 0 && shown[0] != r.Protocol {
			st.reshaped = true
		}
		info, _ := nwfilter.ProtocolByName(r.Protocol)
		known := map[string]bool{}
		for _, a := range info.Attrs {
			known[a.Name] = true
			v := get("a." + a.Name)
			if v != "" || contains(k.Empty, a.Name) {
				r.Attrs = append(r.Attrs, nwfilter.Attr{Name: a.Name, Value: v, Neg: get("n."+a.Name) == "no"})
			}
		}
		r.Attrs = append(r.Attrs, k.Unknown...)
		// Values typed for a protocol the rule no longer has.
		prefix := views.EntryField(i, "a.")
		for key, vs := range form {
			if name, ok := strings.CutPrefix(key, prefix); ok && !known[name] && len(vs) > 0 && vs[0] != "" {
				st.dropped = append(st.dropped, fmt.Sprintf("rule %d: %s='%s' (%s has no %s)", i+1, name, vs[0], orNoProtocol(r.Protocol), name))
			}
		}
		f.Entries = append(f.Entries, nwfilter.Entry{Rule: r})
	}
	st.f = f
	return st, nil
}

func orNoProtocol(p string) string {
	if p == "" {
		return "a rule without protocol"
	}
	return p
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// composerEntries turns the filter's entries into the forms, with the message of every field.
func composerEntries(f *nwfilter.Filter, ps nwfilter.Problems) []views.ComposerEntry {
	out := make([]views.ComposerEntry, 0, len(f.Entries))
	for i, e := range f.Entries {
		ve := views.ComposerEntry{Index: i, Msgs: map[string]views.FieldMsg{}}
		slot := func(field string) { ve.Msgs[field] = fieldMsg(ps, i, field, entryLabel(e, i)) }
		// extra is said beside what the forms keep: what libvirt ignores, and the attributes
		// the protocol does not have (kept in the same list, they have no field of their own).
		extra := []string{"extra"}
		var k entryKeep
		switch {
		case e.Rule != nil:
			r := e.Rule
			ve.Rule = true
			ve.Action, ve.Direction, ve.Priority, ve.StateMatch, ve.Protocol = r.Action, r.Direction, r.Priority, r.StateMatch, r.Protocol
			for _, f := range []string{"action", "direction", "priority", "statematch", "protocol", "element"} {
				slot(f)
			}
			info, _ := nwfilter.ProtocolByName(r.Protocol)
			known := map[string]bool{}
			for _, a := range info.Attrs {
				known[a.Name] = true
				va := views.ComposerAttr{Name: a.Name, Help: a.Help, Format: nwfilter.KindHelp(a.Kind),
					Example: nwfilter.KindExample(a.Kind), Suggest: views.SuggestFor(string(a.Kind))}
				if v, ok := r.Attr(a.Name); ok {
					va.Value, va.Neg = v.Value, v.Neg
					if v.Value == "" {
						k.Empty = append(k.Empty, a.Name)
					}
				}
				ve.Attrs = append(ve.Attrs, va)
				slot("attr." + a.Name)
				if m := ve.Msgs["attr."+a.Name]; m.Text != "" && !m.Warning && !strings.HasPrefix(va.Value, "$") {
					m.Text += " (expected: " + va.Format + ")"
					ve.Msgs["attr."+a.Name] = m
				}
			}
			for _, a := range r.Attrs {
				if !known[a.Name] {
					k.Unknown = append(k.Unknown, a)
					neg := ""
					if a.Neg {
						neg = " (match='no')"
					}
					ve.Kept = append(ve.Kept, fmt.Sprintf("%s='%s'%s", a.Name, a.Value, neg))
					extra = append(extra, "attr."+a.Name)
				}
			}
			k.Other, k.Extra = r.Other, r.Extra
		case e.Ref != nil:
			ve.Filter = e.Ref.Filter
			for _, p := range e.Ref.Params {
				ve.Params = append(ve.Params, views.Param{Name: p.Name, Value: p.Value})
			}
			slot("filter")
			for j := range e.Ref.Params {
				slot("param." + strconv.Itoa(j))
			}
			k.Other, k.Extra = e.Ref.Other, e.Ref.Extra
		}
		for _, a := range k.Other {
			ve.Kept = append(ve.Kept, fmt.Sprintf("%s='%s'", a.Name, a.Value))
		}
		ve.Kept = append(ve.Kept, k.Extra...)
		ve.Msgs["extra"] = fieldMsg(ps, i, "extra", entryLabel(e, i), extra[1:]...)
		ve.Keep = encodeKeep(k)
		out = append(out, ve)
	}
	return out
}

func entryLabel(e nwfilter.Entry, i int) string {
	if e.Ref != nil {
		return fmt.Sprintf("Entry %d (filter reference)", i+1)
	}
	return fmt.Sprintf("Rule %d", i+1)
}

// fieldMsg is the message slot of one field: its problems (and those of the fields also
// said in this slot), an error if any of them is one.
func fieldMsg(ps nwfilter.Problems, entry int, field, label string, also ...string) views.FieldMsg {
	m := views.FieldMsg{ID: views.MsgID(entry, field), Label: label + " · " + fieldLabel(field)}
	var texts []string
	warning := true
	for _, f := range append([]string{field}, also...) {
		for _, p := range ps.For(entry, f) {
			warning = warning && p.Warning
			texts = append(texts, p.Msg)
		}
	}
	m.Text = strings.Join(texts, "; ")
	m.Warning = warning && len(texts) > 0
	return m
}

func fieldLabel(field string) string {
	if a, ok := strings.CutPrefix(field, "attr."); ok {
		return a
	}
	if field == "element" {
		return "protocol element"
	}
	if j, ok := strings.CutPrefix(field, "param."); ok {
		n, _ := strconv.Atoi(j)
		return fmt.Sprintf("parameter %d", n+1)
	}
	return field
}
