package nwfilter

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// shippedFS holds the filters libvirt 9.0 ships (Debian 12's libvirt-daemon-config-nwfilter),
// as virsh nwfilter-dumpxml prints them, without their <uuid>.
//
//go:embed shipped/*.xml
var shippedFS embed.FS

// Shipped resolves the filters libvirt ships (clean-traffic, allow-dhcp, ...).
var Shipped Resolver = ResolverFunc(shippedFilter)

func shippedFilter(name string) (string, error) {
	if !validFilterFileName(name) {
		return "", fmt.Errorf("%w: %s", ErrFilterNotFound, name)
	}
	b, err := shippedFS.ReadFile("shipped/" + name + ".xml")
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s", ErrFilterNotFound, name)
	}
	return string(b), err
}

// ShippedNames lists the filters libvirt ships, sorted.
func ShippedNames() []string {
	ents, _ := shippedFS.ReadDir("shipped")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".xml"))
	}
	sort.Strings(names)
	return names
}

// DirResolver resolves a filter NAME to the file DIR/NAME.xml and, when there is none, to the
// filters libvirt ships.
type DirResolver struct {
	Dir string
}

// Filter returns the XML of filter name.
func (d DirResolver) Filter(name string) (string, error) {
	if d.Dir != "" && validFilterFileName(name) {
		b, err := os.ReadFile(filepath.Join(d.Dir, name+".xml"))
		if err == nil {
			return string(b), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return shippedFilter(name)
}

// Chain tries each resolver in turn and returns the first filter found.
func Chain(rs ...Resolver) Resolver {
	return ResolverFunc(func(name string) (string, error) {
		for _, r := range rs {
			x, err := r.Filter(name)
			if errors.Is(err, ErrFilterNotFound) {
				continue
			}
			return x, err
		}
		return "", fmt.Errorf("%w: %s", ErrFilterNotFound, name)
	})
}

// validFilterFileName refuses names that would leave the directory.
func validFilterFileName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00")
}

// Cached remembers what r answers, failures too, so that a filter is looked up once however
// often a tree names it. It is meant for one preview (or one request), not for long: it never
// forgets.
func Cached(r Resolver) Resolver {
	type answer struct {
		xml string
		err error
	}
	seen := map[string]answer{}
	var mu sync.Mutex
	return ResolverFunc(func(name string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if a, ok := seen[name]; ok {
			return a.xml, a.err
		}
		x, err := r.Filter(name)
		seen[name] = answer{x, err}
		return x, err
	})
}
