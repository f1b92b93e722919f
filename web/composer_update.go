package web

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
	"github.com/nwfilter-web/nwfilter-web/views"
)

// updateComposer makes one structural change (op) to the filter being composed and shows the
// composer again: add, duplicate, move or delete an entry, add or remove a reference's
// parameter, change a rule's protocol, or switch between the forms and the XML.
func (s *Server) updateComposer(c echo.Context) error {
	st, form, err := composerForm(c)
	if err != nil {
		return err
	}
	op := form.Get("op")
	if st.f == nil && op != "view-form" {
		op = "" // the XML view's text is not a filter yet: nothing to change
	}
	if err := applyComposerOp(st, op); err != nil {
		return err
	}
	p := s.composerPage(c, st, !isFragment(c))
	if isFragment(c) {
		return s.render(c, views.ComposerFragment(p))
	}
	return s.render(c, views.ComposerView(p))
}

// applyComposerOp makes the change op names ("dup.3" duplicates entry 3).
func applyComposerOp(st *composerState, op string) error {
	name, args, _ := strings.Cut(op, ".")
	var idx []int
	for _, a := range strings.Split(args, ".") {
		if a == "" {
			continue
		}
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			return badField("op", "unknown change %q", op)
		}
		idx = append(idx, n)
	}
	if st.f != nil {
		if need := map[string]int{"up": 1, "down": 1, "dup": 1, "del": 1, "proto": 1, "addparam": 1, "delparam": 2}[name]; need > 0 {
			if len(idx) != need || idx[0] >= len(st.f.Entries) {
				return badField("op", "unknown change %q", op)
			}
		}
	}
	if name != "proto" {
		st.dropped = nil // only a change of protocol leaves values behind
	}
	switch name {
	case "", "proto":
	case "add-rule":
		st.f.Entries = append(st.f.Entries, nwfilter.Entry{Rule: &nwfilter.Rule{Action: "accept", Direction: "inout"}})
	case "add-ref":
		st.f.Entries = append(st.f.Entries, nwfilter.Entry{Ref: &nwfilter.Ref{}})
	case "dup":
		i := idx[0]
		es := st.f.Entries
		st.f.Entries = append(es[:i+1], append([]nwfilter.Entry{es[i].Clone()}, es[i+1:]...)...)
	case "del":
		i := idx[0]
		st.f.Entries = append(st.f.Entries[:i], st.f.Entries[i+1:]...)
	case "up", "down":
		i, j := idx[0], idx[0]-1
		if name == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(st.f.Entries) {
			st.f.Entries[i], st.f.Entries[j] = st.f.Entries[j], st.f.Entries[i]
		}
	case "addparam", "delparam":
		ref := st.f.Entries[idx[0]].Ref
		if ref == nil {
			return badField("op", "entry %d is not a filter reference", idx[0]+1)
		}
		if name == "addparam" {
			ref.Params = append(ref.Params, nwfilter.Param{})
		} else if j := idx[1]; j < len(ref.Params) {
			ref.Params = append(ref.Params[:j], ref.Params[j+1:]...)
		}
	case "view-xml":
		st.mode, st.text = "xml", st.f.XML()
	case "view-form":
		if st.f == nil {
			st.notice = "The XML cannot be shown as forms until it is well-formed: " + st.textErr
			return nil
		}
		st.mode = "form"
	default:
		return badField("op", "unknown change %q", op)
	}
	return nil
}
