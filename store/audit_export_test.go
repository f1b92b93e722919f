package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"
)

func TestAuditRows(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	seedHistory(t, s, time.Now(), exportPage*2+3)
	tests := []struct {
		name string
		q    AuditQuery
		want int
	}{
		{"all, across pages", AuditQuery{}, exportPage*2 + 3},
		{"capped", AuditQuery{Limit: exportPage + 1}, exportPage + 1},
		{"filtered", AuditQuery{Target: "f0"}, (exportPage*2 + 3 + 4) / 5},
		{"below a cursor", AuditQuery{BeforeID: 11}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, prev := 0, int64(1<<62)
			for e, err := range s.AuditRows(ctx, tt.q) {
				if err != nil {
					t.Fatal(err)
				}
				if e.ID >= prev {
					t.Fatalf("row %d after %d: not newest first", e.ID, prev)
				}
				prev = e.ID
				n++
			}
			if n != tt.want {
				t.Errorf("%d rows, want %d", n, tt.want)
			}
		})
	}
}

func TestExportCSVAndJSONL(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, err := s.BeginAudit(ctx, AuditEntry{Actor: "=HYPERLINK(\"x\")", Action: "filter.define", Target: "f",
		Before: "<filter name='f'>\n  <rule/>\n</filter>", URI: "qemu:///system"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishAudit(ctx, id, ResultError, "", "error: \"quoted\", comma", 1500*time.Microsecond); err != nil {
		t.Fatal(err)
	}
	seedHistory(t, s, time.Now(), 3)

	var buf bytes.Buffer
	n, err := s.ExportCSV(ctx, &buf, AuditQuery{Result: ResultError})
	if err != nil || n != 2 { // the row above and seed row 0
		t.Fatalf("ExportCSV = %d, %v", n, err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || len(recs[0]) != len(csvHeader) {
		t.Fatalf("CSV: %d records", len(recs))
	}
	last := recs[2]
	if last[2] != "'=HYPERLINK(\"x\")" || last[9] != "error: \"quoted\", comma" || last[10] != "1.5" ||
		last[11] != "<filter name='f'>\n  <rule/>\n</filter>" {
		t.Errorf("CSV row = %q", last)
	}

	buf.Reset()
	n, err = s.ExportJSONL(ctx, &buf, AuditQuery{})
	if err != nil || n != 4 {
		t.Fatalf("ExportJSONL = %d, %v", n, err)
	}
	sc := bufio.NewScanner(&buf)
	var lines []ExportedEntry
	for sc.Scan() {
		var e ExportedEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, e)
	}
	if len(lines) != 4 || lines[3].ID != id || lines[3].Actor != "=HYPERLINK(\"x\")" || lines[3].DurationNS != 1500000 {
		t.Errorf("JSON Lines = %+v", lines)
	}
}
