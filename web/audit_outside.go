package web

// No gaps in the history: changes made outside nwfilter-web (virsh, virt-manager, another tool)
// are noticed when a filter's or a NIC's XML differs from the last version the history knows
// (store.LastKnown), and recorded as "changed outside" entries with both versions. Pages and
// the API notice them whenever they read the filters (and the VM page its NICs), by comparing
// in memory with what the store knows and writing only when something differs; CheckOutside
// does the same for everything, and serve runs it periodically.
//
// A difference is only recorded when it holds up to a second look taken while no change of our
// own is under way: a page may have read libvirt just before one of our changes finished, and
// its old reading must not come back as a change "made outside" that undoes ours.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
	"github.com/nwfilter-web/nwfilter-web/store"
)

// actorOutside is who the history says made a change noticed afterwards.
const actorOutside = "outside"

// auditState is the server's bookkeeping for the history: changes under way, checks for
// changes made outside, and the chain's last verification.
type auditState struct {
	// gen moves at the start and the end of every change; inflight counts changes under way.
	// A check's second look counts only when inflight was 0 and gen did not move around it.
	gen      atomic.Int64
	inflight atomic.Int64
	// checking serialises the second looks, so two pages never record one difference twice.
	checking sync.Mutex

	chain chainState
}

func (a *auditState) changeStarted() {
	a.inflight.Add(1)
	a.gen.Add(1)
}

func (a *auditState) changeEnded() {
	a.gen.Add(1)
	a.inflight.Add(-1)
}

// Kinds of target in the history. Checks compare filters and NICs; bindings are only restored.
const (
	kindFilter  = "filter"
	kindNIC     = "nic"
	kindBinding = "binding"
)

// targetKind tells a filter's XML from a NIC's (bindings are not compared: libvirt makes and
// removes the bindings of VM ports by itself at every start and stop).
func targetKind(xml string) string {
	x := strings.TrimSpace(xml)
	switch {
	case strings.HasPrefix(x, "<filter ") || strings.HasPrefix(x, "<filter>"):
		return kindFilter
	case strings.HasPrefix(x, "<interface"):
		return kindNIC
	}
	return ""
}

// sameVersion compares two versions of a target as the history should: NICs without what libvirt
// changes by itself while a domain runs.
func sameVersion(kind, a, b string) bool {
	if a == b {
		return true
	}
	if kind == kindNIC && a != "" && b != "" {
		return libvirtx.NormalizeInterfaceXML(a) == libvirtx.NormalizeInterfaceXML(b)
	}
	return false
}

// seen is one reading of libvirt's targets for a check: complete kinds list every target of
// that kind, so that a known target missing from them was removed.
type seen struct {
	xml      map[string]string
	complete map[string]bool
	how      string // the note: how the change was noticed
}

func filtersSeen(fs []libvirtx.Filter, how string) seen {
	v := seen{xml: map[string]string{}, complete: map[string]bool{kindFilter: true}, how: how}
	for _, f := range fs {
		v.xml[f.Name] = f.XML
	}
	return v
}

// noticeFilters checks a complete listing of the filters, as pages read it. It never fails the
// page: what cannot be checked now is checked next time.
func (s *Server) noticeFilters(ctx context.Context, fs []libvirtx.Filter, how string) {
	if err := s.noticeOutside(ctx, filtersSeen(fs, how)); err != nil {
		s.logCheck(ctx, "checking for filters changed outside nwfilter-web", err)
	}
}

// noticeNICs reads every NIC and checks them, for the VM page and the API's domain list.
func (s *Server) noticeNICs(ctx context.Context, how string) {
	nics, err := s.lv.InterfacesXML(ctx)
	if err == nil {
		err = s.noticeOutside(ctx, seen{xml: nics, complete: map[string]bool{kindNIC: true}, how: how})
	}
	if err != nil {
		s.logCheck(ctx, "checking for NICs changed outside nwfilter-web", err)
	}
}

// logCheck logs a check that could not be made: a warning, unless the page's client went away
// meanwhile (the check is made again next time).
func (s *Server) logCheck(ctx context.Context, msg string, err error) {
	if clientGone(ctx, err) {
		s.log.Debug(msg, "err", err)
		return
	}
	s.log.Warn(msg, "err", err)
}

// CheckOutside reads every filter and NIC from libvirt and records those changed outside
// nwfilter-web since the history last saw them. serve calls it every --check-interval.
func (s *Server) CheckOutside(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 4*s.timeout)
	defer cancel()
	fs, err := s.lv.Filters(ctx)
	if err != nil {
		return err
	}
	nics, err := s.lv.InterfacesXML(ctx)
	if err != nil {
		return err
	}
	v := filtersSeen(fs, "noticed by the periodic check")
	v.complete[kindNIC] = true
	for t, x := range nics {
		v.xml[t] = x
	}
	return s.noticeOutside(ctx, v)
}

// baselineMarker is the last_known entry saying that a complete reading of a kind was taken:
// after it, a target never seen before was created outside. Domain names cannot contain '/',
// and "kind" is no MAC address, so the marker is no NIC's target; its empty XML is never
// compared.
func baselineMarker(kind string) string { return "(baseline)/" + kind }

// noticeOutside compares a reading with the last known versions. The first complete reading of
// a kind is the baseline; after it, differences and new targets get a second look and, if they
// hold, a "changed outside" entry.
func (s *Server) noticeOutside(ctx context.Context, v seen) error {
	known, err := s.st.LastKnownAll(ctx)
	if err != nil {
		return err
	}
	first := map[string]string{}
	differ := map[string]string{} // target -> kind
	for t, x := range v.xml {
		kind := targetKind(x)
		k, ok := known[t]
		switch {
		case !ok && !hasKey(known, baselineMarker(kind)):
			first[t] = x
		case !ok || !sameVersion(kind, k, x):
			differ[t] = kind
		}
	}
	for t, k := range known {
		if _, there := v.xml[t]; !there && k != "" && v.complete[targetKind(k)] {
			differ[t] = targetKind(k) // removed outside
		}
	}
	for kind := range v.complete {
		if !hasKey(known, baselineMarker(kind)) {
			first[baselineMarker(kind)] = ""
		}
	}
	if err := s.st.BaselineLastKnown(ctx, first); err != nil {
		return err
	}
	if len(differ) == 0 {
		return nil
	}
	s.audit.checking.Lock()
	defer s.audit.checking.Unlock()
	for t, kind := range differ {
		if err := s.secondLook(ctx, kind, t, v.how); err != nil {
			return err
		}
	}
	return nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// secondLook reads the target and its last known version again, with no change of ours under
// way, and records the difference if there still is one.
func (s *Server) secondLook(ctx context.Context, kind, target, how string) error {
	g := s.audit.gen.Load()
	if s.audit.inflight.Load() > 0 {
		return nil // a change of ours is under way: look again next time
	}
	known, err := s.st.LastKnown(ctx, target)
	if errors.Is(err, store.ErrNotFound) {
		known, err = "", nil // created outside
	}
	if err != nil {
		return err
	}
	var now string
	if kind == kindNIC {
		domain, mac, _ := strings.Cut(target, "/")
		now, err = s.lv.InterfaceXML(ctx, domain, mac)
	} else {
		now, err = s.lv.FilterXML(ctx, target)
	}
	if isGone(err) {
		now, err = "", nil
	}
	if err != nil {
		return err
	}
	if s.audit.gen.Load() != g || sameVersion(kind, known, now) {
		return nil
	}
	action := actFilterOutside
	if kind == kindNIC {
		action = actNICOutside
	}
	_, err = s.st.RecordOutsideChange(ctx, store.AuditEntry{Time: time.Now().UTC(), Actor: actorOutside, URI: s.lv.URI(),
		Action: action, Target: target, Before: known, After: now, Result: store.ResultOK,
		Note: how + "; made at an unknown time after the previous entry"})
	if errors.Is(err, store.ErrLastKnownChanged) {
		return nil // recorded meanwhile
	}
	return err
}

// noticeBefore records a change made outside that a change of ours is about to build on: the
// target's XML before it differs from the last version the history knows. Without it, our
// change would record the outside version as its "before" and the change made outside would
// never get an entry of its own. Only while ours is the one change under way (apply has
// counted it), so that a concurrent change of the same target is not taken for one made outside.
func (s *Server) noticeBefore(ctx context.Context, target, before string) {
	g := s.audit.gen.Load()
	if s.audit.inflight.Load() != 1 {
		return
	}
	known, err := s.st.LastKnown(ctx, target)
	if err != nil {
		return // a first sighting, or unreadable: the change itself is recorded either way
	}
	kind := targetKind(known)
	if kind == "" {
		kind = targetKind(before)
	}
	if kind == "" || sameVersion(kind, known, before) || s.audit.gen.Load() != g {
		return
	}
	s.audit.checking.Lock()
	defer s.audit.checking.Unlock()
	action := actFilterOutside
	if kind == kindNIC {
		action = actNICOutside
	}
	_, err = s.st.RecordOutsideChange(ctx, store.AuditEntry{Time: time.Now().UTC(), Actor: actorOutside, URI: s.lv.URI(),
		Action: action, Target: target, Before: known, After: before, Result: store.ResultOK,
		Note: "noticed when it was about to be changed here; made at an unknown time after the previous entry"})
	if err != nil && !errors.Is(err, store.ErrLastKnownChanged) {
		s.log.Warn("recording a change made outside nwfilter-web", "target", target, "err", err)
	}
}

// isGone reports libvirt saying the target does not exist (any more).
func isGone(err error) bool {
	return errors.Is(err, libvirtx.ErrNoFilter) || errors.Is(err, libvirtx.ErrNoBinding) ||
		errors.Is(err, libvirtx.ErrNoDomain) || errors.Is(err, libvirtx.ErrNoInterface)
}
