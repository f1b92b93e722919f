package libvirtx

import (
	"context"
	"errors"
	"fmt"

	"github.com/nwfilter-web/nwfilter-web/nwfilter"
)

// FilterGetter reads one filter's XML: Conn has it, and so does anything that stands in for it.
type FilterGetter interface {
	FilterXML(ctx context.Context, name string) (string, error)
}

// Resolver resolves the filters a <filterref> names through libvirt (the filters libvirt
// ships are among them). A filter libvirt does not know wraps nwfilter.ErrFilterNotFound, so
// that a prediction refuses it as libvirt would; any other failure (libvirt unreachable, say)
// is returned as it is. Each filter is asked for once.
func Resolver(ctx context.Context, g FilterGetter) nwfilter.Resolver {
	return nwfilter.Cached(nwfilter.ResolverFunc(func(name string) (string, error) {
		x, err := g.FilterXML(ctx, name)
		if errors.Is(err, ErrNoFilter) {
			return "", fmt.Errorf("%w: %s", nwfilter.ErrFilterNotFound, name)
		}
		return x, err
	}))
}
