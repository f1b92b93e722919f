package web

import (
	"context"
	"strings"

	"github.com/nwfilter-web/nwfilter-web/store"
)

// InterfacesXML is every fake NIC's XML, as InterfaceXML gives each.
func (f *fakeLibvirt) InterfacesXML(context.Context) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.err(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, d := range f.domains {
		for _, n := range d.Interfaces {
			out[d.Name+"/"+strings.ToLower(n.MAC)] = nicXML(n)
		}
	}
	return out, nil
}

// setFilterOutside changes a filter behind the server's back, as virsh nwfilter-define would.
func (f *fakeLibvirt) setFilterOutside(name, xml string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if xml == "" {
		delete(f.filters, name)
		return
	}
	f.filters[name] = xml
}

// ownRows drops the entries of changes made outside: on a libvirtd shared with other tests,
// their filters come and go while a test runs, and the history records that.
func ownRows(es []store.AuditEntry) []store.AuditEntry {
	var out []store.AuditEntry
	for _, e := range es {
		if e.Actor != actorOutside {
			out = append(out, e)
		}
	}
	return out
}
