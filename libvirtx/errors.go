package libvirtx

import (
	"errors"
)

// Sentinel errors that callers match with errors.Is. The libvirt message itself travels in *Error.
var (
	ErrNoFilter       = errors.New("no such network filter")
	ErrFilterInUse    = errors.New("network filter is in use")
	ErrInvalidXML     = errors.New("invalid XML")
	ErrUUIDMismatch   = errors.New("filter UUID does not match")
	ErrBindingExists  = errors.New("filter binding already exists")
	ErrNoBinding      = errors.New("no such filter binding")
	ErrNoDomain       = errors.New("no such domain")
	ErrNoInterface    = errors.New("no such interface")
	ErrUnreachable    = errors.New("libvirt daemon unreachable")
	ErrOperationError = errors.New("libvirt operation failed")
)

// Error is a libvirt failure: Kind is one of the sentinel errors above, Msg is libvirt's own
// message (what virsh would print), Code the libvirt error number when there is one.
type Error struct {
	Kind error
	Code int
	Msg  string
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return e.Kind.Error()
	}
	return e.Msg
}

// Unwrap lets errors.Is(err, ErrNoFilter) and friends work.
func (e *Error) Unwrap() error { return e.Kind }
