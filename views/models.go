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
	Flash      string                   // what the last change did, shown once
	FlashError bool
	Warn       string // what the user should know about it, shown once
	User       string // who is logged in ("" on the login and first-run pages)
	Role       string // their role: viewer, operator or admin
	Insecure   bool   // bound to a network address without TLS: show the warning banner
}

// FilterRow is one line of the filter list.
type FilterRow struct {
	Name     string
	UUID     string
	Chain    string
	Priority int
	Rules    int // its own rules
	Refs     int // how many filterrefs it has
	Includes []string
	UsedBy   []Use
}

// Use is one place a filter is in effect: a domain NIC or a binding, directly or via another
// filter; or a filter that references it.
type Use struct {
	Kind    string // "nic", "binding" or "filter"
	Label   string // "kvmdom 52:54:00:..", the binding's port device, or the filter's name
	Domain  string // the NIC's domain
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
	// Drift is the port's predicted chains compared with the actual ones (nil without a port).
	Drift *PortDrift
	// Preview is, for a filter in effect on no port, its preview on a port of the user's choice.
	Preview *PreviewPanel
	// XML is the filter's XML, which the preview posts.
	XML string
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
	Error string // why it was not defined, shown beside the text
	// ErrorTitle heads Error with who refused: our own checks, libvirt, or no answer at all.
	ErrorTitle string
	Field      string
	// Base and Digest are the version the edit started from (hidden fields); a save over a
	// filter changed since is refused with Conflict, a diff from Base to the current XML.
	Base     string
	Digest   string
	Conflict string
	// Preview shows the chains of the XML being typed.
	Preview PreviewPanel
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
	// Form is the parameters part of the NIC's form (the variables of the filter's tree).
	Form ParamsBlock
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
	// Domain is the VM whose NIC's port this is ("" for a binding made by hand);
	// DomainRunning whether it runs.
	Domain        string
	DomainRunning bool
}

// BindingDelete confirms deleting a binding; for a VM's port it warns that the VM loses its
// filter.
type BindingDelete struct {
	Meta    Meta
	Binding BindingRow
}

// DomainStop confirms stopping (destroying) a VM.
type DomainStop struct {
	Meta   Meta
	Domain DomainRow
}

// BindingForm is the create-binding form with what the user typed.
type BindingForm struct {
	PortDev string
	MAC     string
	Filter  string
	Params  string // NAME=VALUE per line
	Error   string
	Field   string
	// Typed are the parameters submitted (kept on a refusal).
	Typed []Param
	// Block is the parameters part of the form (the variables of the filter's tree).
	Block ParamsBlock
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
