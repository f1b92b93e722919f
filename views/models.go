// Package views holds nwfilter-web's templ components: exported pages, lowercase partials, and
// one view-model struct per page. Views receive view models; they never call store or libvirtx.
package views

// Meta is what every page's frame shows.
type Meta struct {
	Title      string
	Nav        string // filters, domains, bindings, audit
	URI        string // libvirt URI
	Version    string // libvirt version, "" when unknown
	Reachable  bool
	Asset      func(name string) string // content-hashed URL of a static file
	Flash      string
	FlashError bool
}

// FilterRow is one line of the filter list.
type FilterRow struct {
	Name     string
	UUID     string
	Chain    string
	Priority int
	Rules    int
	Refs     int
	UsedBy   []Use
}

// Use is one place a filter is in effect: a domain NIC or a binding, directly or via another filter.
type Use struct {
	Kind    string // "nic" or "binding"
	Label   string // "kvmdom 52:54:00:..", or the binding's port device
	PortDev string // the port device when known (running NIC or binding)
	Via     string // the filter that references it, "" when direct
}

// FilterList is the filter list page.
type FilterList struct {
	Meta    Meta
	Filters []FilterRow
	Error   string
}

// Port is a port device where a filter is in effect.
type Port struct {
	Dev   string
	Label string
}

// Chains is the side-by-side view of one port's chains.
type Chains struct {
	Filter   string
	Ports    []Port
	Dev      string
	Notice   string // why actual chains cannot be shown, when they cannot
	IPTables string
	IP6      string
	EB       string
}

// FilterPage is one filter: its XML beside its chains.
type FilterPage struct {
	Meta   Meta
	Name   string
	XML    string
	Row    FilterRow
	Chains Chains
}

// FilterEdit is the XML editor for a new or an existing filter.
type FilterEdit struct {
	Meta  Meta
	Name  string // "" for a new filter
	XML   string
	Error string // libvirt's refusal, shown beside the text
	Field string
}

// FilterDelete is the confirmation, or the refusal with the filter's users.
type FilterDelete struct {
	Meta   Meta
	Name   string
	UsedBy []Use
	Error  string
}

// Param is one name=value of a filterref.
type Param struct {
	Name  string
	Value string
}

// NIC is one domain interface on the VM page.
type NIC struct {
	Domain    string
	MAC       string
	TargetDev string
	Type      string
	Source    string
	Model     string
	Filter    string
	Params    []Param
	Error     string // a refused change, shown on the NIC's row
}

// DomainRow is one virtual machine.
type DomainRow struct {
	Name   string
	State  string
	Active bool
	NICs   []NIC
}

// DomainList is the virtual machines page.
type DomainList struct {
	Meta    Meta
	Domains []DomainRow
	Filters []string
	Error   string
}

// BindingRow is one nwfilter binding.
type BindingRow struct {
	PortDev string
	MAC     string
	Owner   string
	Filter  string
	Params  []Param
}

// BindingForm is the create-binding form with what the user typed.
type BindingForm struct {
	PortDev string
	MAC     string
	Filter  string
	Params  string // NAME=VALUE per line
	Error   string
	Field   string
}

// BindingList is the bindings page.
type BindingList struct {
	Meta     Meta
	Bindings []BindingRow
	Filters  []string
	Form     BindingForm
	Error    string
}

// ErrorPage is a full-page error.
type ErrorPage struct {
	Meta    Meta
	Status  int
	Message string
}
