// Package nwfilter is nwfilter-web's pure domain core: the filter model, validation, variables
// and the generator that predicts the firewall state libvirt 9.0 instantiates for a port. It
// imports only the standard library and libvirt.org/go/libvirtxml: no HTTP, SQL or RPC.
package nwfilter
