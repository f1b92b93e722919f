package libvirtx

// Filter is one network filter as libvirt lists it.
type Filter struct {
	Name string
	UUID string
	XML  string // as NwfilterGetXMLDesc returns it
}

// Param is one filterref parameter; repeated names form a list, in order.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FilterRef is a NIC's or a binding's <filterref>.
type FilterRef struct {
	Filter     string  `json:"filter"`
	Parameters []Param `json:"parameters"`
}

// Interface is one NIC of a domain.
type Interface struct {
	MAC       string
	TargetDev string // empty while the domain is not running
	Type      string // network, bridge, ethernet, ...
	Source    string // network or bridge name, or "" for ethernet
	Model     string
	FilterRef *FilterRef // nil when the NIC has no filter
}

// Domain is one virtual machine with its NICs (from the live XML when it runs, else the
// persistent one).
type Domain struct {
	Name       string
	UUID       string
	State      string // running, shut off, paused, ...
	Active     bool
	Persistent bool
	Interfaces []Interface
}

// Binding is one nwfilter binding (a port with a filter), as libvirt lists them.
type Binding struct {
	PortDev   string    `json:"portdev"`
	MAC       string    `json:"mac"`
	Owner     string    `json:"owner"` // owner name (domain name for VM ports)
	OwnerUUID string    `json:"owner_uuid"`
	FilterRef FilterRef `json:"filterref"`
	XML       string    `json:"-"`
}
