package libvirtx

import "testing"

func TestParseURI(t *testing.T) {
	tests := []struct {
		uri     string
		network string
		address string
		name    string
		wantErr bool
	}{
		{"qemu:///system", "unix", defaultSocket, "qemu:///system", false},
		{"qemu+unix:///system?socket=/tmp/s", "unix", "/tmp/s", "qemu:///system", false},
		{"qemu+tcp://kvm1/system", "tcp", "kvm1:16509", "qemu:///system", false},
		{"qemu+tcp://kvm1:1234/system", "tcp", "kvm1:1234", "qemu:///system", false},
		{"qemu+tcp:///system", "", "", "", true},
		{"qemu+ssh://root@kvm1/system", "", "", "", true},
		{"qemu://kvm1/system", "", "", "", true}, // TLS
		{"://", "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			ep, err := parseURI(tt.uri)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if ep.network != tt.network || ep.address != tt.address || ep.name != tt.name {
				t.Errorf("got %+v, want %s %s %s", ep, tt.network, tt.address, tt.name)
			}
		})
	}
}

func TestLocal(t *testing.T) {
	for uri, want := range map[string]bool{
		"qemu:///system":              true,
		"qemu+tcp://localhost/system": true,
		"qemu+tcp://127.0.0.1/system": true,
		"qemu+tcp://192.0.2.7/system": false,
	} {
		c, err := newConn(uri, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Local(); got != want {
			t.Errorf("%s: Local() = %v, want %v", uri, got, want)
		}
	}
}
