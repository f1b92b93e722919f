package web

import (
	"context"
	"slices"
	"sync"

	"github.com/nwfilter-web/nwfilter-web/libvirtx"
)

// coalescingLibvirt shares one answer among concurrent identical list calls (Version, Filters,
// Domains, Bindings). A page reads the whole inventory, a few dozen RPCs in a row, and libvirtd
// runs at most five calls of one connection at a time: under load, pages would queue behind
// each other's identical reads. A caller only joins a call that started after the last change
// this server made, so nobody gets an answer older than their own change; there is no cache
// beyond the call in flight.
type coalescingLibvirt struct {
	Libvirt

	mu       sync.Mutex
	gen      uint64 // bumped before and after every mutation
	inflight map[string]*flight
}

type flight struct {
	gen  uint64
	done chan struct{}
	val  any
	err  error
}

func coalesce(lv Libvirt) *coalescingLibvirt {
	return &coalescingLibvirt{Libvirt: lv, inflight: map[string]*flight{}}
}

// share runs fn once for every concurrent caller of key in the same generation. fn runs
// without the first caller's cancellation (the others still wait for it); libvirtx bounds
// every call by its own timeout.
func share[T any](co *coalescingLibvirt, ctx context.Context, key string, fn func(context.Context) (T, error)) (T, error) {
	co.mu.Lock()
	f, ok := co.inflight[key]
	if !ok || f.gen != co.gen {
		f = &flight{gen: co.gen, done: make(chan struct{})}
		co.inflight[key] = f
		go func() {
			f.val, f.err = fn(context.WithoutCancel(ctx))
			co.mu.Lock()
			if co.inflight[key] == f {
				delete(co.inflight, key)
			}
			co.mu.Unlock()
			close(f.done)
		}()
	}
	co.mu.Unlock()
	var zero T
	select {
	case <-f.done:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	if f.err != nil {
		return zero, f.err
	}
	return f.val.(T), nil
}

// mutating marks a change: calls in flight from before it are not joined any more.
func (co *coalescingLibvirt) mutating() func() {
	co.bump()
	return co.bump
}

func (co *coalescingLibvirt) bump() {
	co.mu.Lock()
	co.gen++
	co.mu.Unlock()
}

func (co *coalescingLibvirt) Version(ctx context.Context) (string, error) {
	return share(co, ctx, "version", co.Libvirt.Version)
}

func (co *coalescingLibvirt) Filters(ctx context.Context) ([]libvirtx.Filter, error) {
	fs, err := share(co, ctx, "filters", co.Libvirt.Filters)
	return slices.Clone(fs), err
}

func (co *coalescingLibvirt) Domains(ctx context.Context) ([]libvirtx.Domain, error) {
	ds, err := share(co, ctx, "domains", co.Libvirt.Domains)
	return slices.Clone(ds), err
}

func (co *coalescingLibvirt) Bindings(ctx context.Context) ([]libvirtx.Binding, error) {
	bs, err := share(co, ctx, "bindings", co.Libvirt.Bindings)
	return slices.Clone(bs), err
}

func (co *coalescingLibvirt) DefineFilter(ctx context.Context, xml string) (string, error) {
	defer co.mutating()()
	return co.Libvirt.DefineFilter(ctx, xml)
}

func (co *coalescingLibvirt) UndefineFilter(ctx context.Context, name string) error {
	defer co.mutating()()
	return co.Libvirt.UndefineFilter(ctx, name)
}

func (co *coalescingLibvirt) SetFilterRef(ctx context.Context, domain, mac string, ref *libvirtx.FilterRef) (string, string, error) {
	defer co.mutating()()
	return co.Libvirt.SetFilterRef(ctx, domain, mac, ref)
}

func (co *coalescingLibvirt) StartDomain(ctx context.Context, name string) error {
	defer co.mutating()()
	return co.Libvirt.StartDomain(ctx, name)
}

func (co *coalescingLibvirt) StopDomain(ctx context.Context, name string) error {
	defer co.mutating()()
	return co.Libvirt.StopDomain(ctx, name)
}

func (co *coalescingLibvirt) CreateBinding(ctx context.Context, b libvirtx.Binding) (string, error) {
	defer co.mutating()()
	return co.Libvirt.CreateBinding(ctx, b)
}

func (co *coalescingLibvirt) DeleteBinding(ctx context.Context, portdev string) error {
	defer co.mutating()()
	return co.Libvirt.DeleteBinding(ctx, portdev)
}
