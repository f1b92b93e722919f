package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLastKnown(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.LastKnown(ctx, "f"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("never seen: %v, want ErrNotFound", err)
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"baseline", func() error { return s.SetLastKnown(ctx, "f", "<v1/>") }, "<v1/>"},
		{"ok change follows", func() error { return change(ctx, s, "f", ResultOK, "<v2/>") }, "<v2/>"},
		{"failed change does not", func() error { return change(ctx, s, "f", ResultError, "") }, "<v2/>"},
		{"undefine: known absent", func() error { return change(ctx, s, "f", ResultOK, "") }, ""},
		{"seen outside", func() error { return s.SetLastKnown(ctx, "f", "<v3/>") }, "<v3/>"},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := s.LastKnown(ctx, "f")
		if err != nil || got != st.want {
			t.Errorf("%s: LastKnown = %q, %v; want %q", st.name, got, err, st.want)
		}
	}
	all, err := s.LastKnownAll(ctx)
	if err != nil || len(all) != 1 || all["f"] != "<v3/>" {
		t.Errorf("LastKnownAll = %v, %v", all, err)
	}
}

// change records one audited change of target.
func change(ctx context.Context, s *Store, target, result, after string) error {
	id, err := s.BeginAudit(ctx, AuditEntry{Action: "filter.define", Target: target})
	if err != nil {
		return err
	}
	return s.FinishAudit(ctx, id, result, after, "", time.Millisecond)
}

// A VM or a binding may share its name with a filter: their changes leave the filter's last
// known version alone (it once became "state: running", a change made outside next look).
func TestLastKnownOnlyForFiltersAndNICs(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := change(ctx, s, "web", ResultOK, "<filter name='web'/>"); err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"domain.start", "domain.stop", "binding.create", "binding.delete", "binding.rollback"} {
		id, err := s.BeginAudit(ctx, AuditEntry{Action: action, Target: "web"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.FinishAudit(ctx, id, ResultOK, "state: running", "", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.LastKnown(ctx, "web"); got != "<filter name='web'/>" {
			t.Errorf("after %s: the filter's last known XML is %q", action, got)
		}
	}
	id, err := s.BeginAudit(ctx, AuditEntry{Action: "nic.filterref.set", Target: "vm/52:54:00:00:00:01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAudit(ctx, id, ResultOK, "<interface/>", "", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LastKnown(ctx, "vm/52:54:00:00:00:01"); err != nil || got != "<interface/>" {
		t.Errorf("a NIC's last known XML: %q %v", got, err)
	}
}
