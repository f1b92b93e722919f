package nwfilter

import "testing"

func TestWithUUID(t *testing.T) {
	const u = "0e6bb1b4-3b1e-4b5f-9b43-55b6c1d2f0a1"
	tests := []struct{ in, want string }{
		{"<filter name='a' chain='root'><rule action='drop' direction='in' priority='0'><all/></rule></filter>",
			"<filter name='a' chain='root'><uuid>" + u + "</uuid><rule action='drop' direction='in' priority='0'><all/></rule></filter>"},
		{"<filter name='a'/>", "<filter name='a'><uuid>" + u + "</uuid></filter>"},
		{"<?xml version='1.0'?>\n<filter name='a' >\n</filter>\n", "<?xml version='1.0'?>\n<filter name='a' ><uuid>" + u + "</uuid>\n</filter>\n"},
		{"<filter name='a'><uuid>x</uuid></filter>", "<filter name='a'><uuid>x</uuid></filter>"},
		// A <uuid> deeper down is not the filter's.
		{"<filter name='a'><rule><uuid/></rule></filter>", "<filter name='a'><uuid>" + u + "</uuid><rule><uuid/></rule></filter>"},
	}
	for _, tt := range tests {
		got, err := WithUUID(tt.in, u)
		if err != nil || got != tt.want {
			t.Errorf("WithUUID(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "<filter name='a'>", "<domain/>", "not xml"} {
		if _, err := WithUUID(bad, u); err == nil {
			t.Errorf("WithUUID(%q): no error", bad)
		}
	}
}

func TestSetUUID(t *testing.T) {
	const u = "11111111-2222-4333-8444-555555555555"
	tests := []struct{ name, in, want string }{
		{"replaced", "<filter name='a' chain='root'>\n  <uuid>6ef5b9a0-0000-4c55-9e9a-000000000001</uuid>\n  <rule action='accept' direction='in' priority='0'/>\n</filter>",
			"<filter name='a' chain='root'>\n  <uuid>" + u + "</uuid>\n  <rule action='accept' direction='in' priority='0'/>\n</filter>"},
		{"inserted", "<filter name='a'><rule action='drop' direction='out' priority='0'/></filter>",
			"<filter name='a'><uuid>" + u + "</uuid><rule action='drop' direction='out' priority='0'/></filter>"},
		{"empty", "<filter name='a'><uuid></uuid></filter>", "<filter name='a'><uuid>" + u + "</uuid></filter>"},
		{"self-closing", "<filter name='a'><uuid/></filter>", "<filter name='a'><uuid>" + u + "</uuid></filter>"},
		{"nested uuid untouched", "<filter name='a'><rule action='drop' direction='out'><uuid>x</uuid></rule></filter>",
			"<filter name='a'><uuid>" + u + "</uuid><rule action='drop' direction='out'><uuid>x</uuid></rule></filter>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetUUID(tt.in, u)
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
	if _, err := SetUUID("<rule/>", u); err == nil {
		t.Error("a non-filter was accepted")
	}
}
