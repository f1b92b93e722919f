package libvirtx

import "context"

// HostTables is what the host's three save tools print (iptables-save -t filter,
// ip6tables-save -t filter, ebtables-save), the state libvirt's nwfilter driver leaves behind.
type HostTables struct {
	IPTables  string `json:"iptables"`
	IP6Tables string `json:"ip6tables"`
	EBTables  string `json:"ebtables"`
}

// ReadHostTables runs the three save tools on this host. It fails with a clear error when a
// tool is missing or not permitted (not root).
func ReadHostTables(ctx context.Context) (HostTables, error) {
	return HostTables{}, errNotImplemented
}
