package libvirtx

import (
	"errors"
	"fmt"
	"strings"

	"github.com/digitalocean/go-libvirt"
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

// ErrHostTables is wrapped by ReadHostTables' errors: a save tool is missing, not permitted or
// failed. The message says which and why.
var ErrHostTables = errors.New("cannot read the host's firewall tables")

// mapError turns what go-libvirt returns into our errors. libvirt reuses broad codes for
// several of the cases callers must tell apart (VIR_ERR_OPERATION_FAILED covers both a UUID
// clash and an existing binding), so a few are told apart by libvirt's own message, as
// observed with libvirt 9.0. Anything that is not a libvirt reply means the connection failed.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var le libvirt.Error
	if !errors.As(err, &le) {
		if errors.Is(err, libvirt.ErrUnsupported) {
			return &Error{Kind: ErrOperationError, Msg: "libvirt: " + err.Error()}
		}
		return &Error{Kind: ErrUnreachable, Msg: "the connection to the libvirt daemon failed: " + err.Error()}
	}
	return &Error{Kind: kindOf(libvirt.ErrorNumber(le.Code), le.Message), Code: int(le.Code), Msg: le.Message}
}

func kindOf(code libvirt.ErrorNumber, msg string) error {
	switch code {
	case libvirt.ErrNoNwfilter:
		return ErrNoFilter
	case libvirt.ErrNoNwfilterBinding:
		return ErrNoBinding
	case libvirt.ErrNoDomain:
		return ErrNoDomain
	case libvirt.ErrXMLError, libvirt.ErrXMLDetail, libvirt.ErrInvalidNwfilter,
		libvirt.ErrInvalidNwfilterBinding:
		return ErrInvalidXML
	case libvirt.ErrOperationInvalid:
		// "Requested operation is not valid: nwfilter is in use"
		if strings.Contains(msg, "in use") {
			return ErrFilterInUse
		}
	case libvirt.ErrOperationFailed:
		switch {
		// "filter 'x' already exists with uuid ..." (redefined without or with another
		// UUID) and "filter with same UUID but different name ('x') already exists".
		case strings.Contains(msg, "already exists with uuid"),
			strings.Contains(msg, "same UUID but different name"):
			return ErrUUIDMismatch
		// "binding 'vnet0' already exists"
		case strings.Contains(msg, "binding") && strings.Contains(msg, "already exists"):
			return ErrBindingExists
		}
	case libvirt.ErrInternalError:
		// "referenced filter 'x' is missing", when a binding names an unknown filter.
		if strings.Contains(msg, "referenced filter") && strings.Contains(msg, "missing") {
			return ErrNoFilter
		}
	case libvirt.ErrNoConnect, libvirt.ErrRPC:
		return ErrUnreachable
	}
	return ErrOperationError
}

// unreachable is the error for calls made while there is no connection, or that timed out.
func unreachable(format string, args ...any) error {
	return &Error{Kind: ErrUnreachable, Msg: fmt.Sprintf(format, args...)}
}
