// Package libvirtx is the thin adapter between nwfilter-web and a libvirt daemon, spoken to over
// RPC with github.com/digitalocean/go-libvirt. It dials, notices a lost connection and redials,
// and maps libvirt's error codes to the sentinel errors in errors.go. It keeps no records and
// knows nothing of HTTP.
package libvirtx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/digitalocean/go-libvirt"
)

// Default bounds. go-libvirt's calls take no context and wait forever for a reply, so every
// call runs under callTimeout: a daemon that is stopped or wedged must turn into
// ErrUnreachable within seconds, not a hung page.
const (
	defaultDialTimeout = 3 * time.Second
	defaultCallTimeout = 10 * time.Second
	defaultMinBackoff  = 200 * time.Millisecond
	defaultMaxBackoff  = 2 * time.Second
)

// Option tunes a connection; the defaults suit a web server.
type Option func(*options)

type options struct {
	dialTimeout time.Duration
	callTimeout time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration
}

// WithDialTimeout bounds connecting and the RPC handshake (default 3s).
func WithDialTimeout(d time.Duration) Option { return func(o *options) { o.dialTimeout = d } }

// WithCallTimeout bounds each RPC call (default 10s). A call that runs out of time fails with
// ErrUnreachable and the connection is dropped and redialled, since a daemon that does not
// answer one call is not going to answer the next.
func WithCallTimeout(d time.Duration) Option { return func(o *options) { o.callTimeout = d } }

// WithBackoff sets the first and the longest pause between redial attempts (default 200ms, 2s).
func WithBackoff(first, longest time.Duration) Option {
	return func(o *options) { o.minBackoff, o.maxBackoff = first, longest }
}

// Conn is a connection to one libvirt daemon, safe for concurrent use. When the daemon goes
// away, calls fail with ErrUnreachable (promptly, never hanging) and the connection is
// re-established in the background; the next call after the daemon is back succeeds.
type Conn struct {
	uri  string
	ep   endpoint
	opts options

	mu      sync.Mutex
	sess    *session // nil while disconnected
	lastErr error    // why we are disconnected

	// mutate serialises this connection's changes to nwfilter state (filters, bindings, NIC
	// filterrefs, domain start/stop): a read-modify-write such as SetFilterRef must not
	// interleave with another, and libvirt's nwfilter driver re-instantiates every affected
	// port on each change, which it does not do well concurrently. Changes are rare; reads
	// are not serialised. A channel rather than a mutex, so that waiting honours the context.
	mutate chan struct{}

	closed    chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Dial connects to uri (qemu:///system over the unix socket, qemu+tcp://host/system over TCP,
// qemu+unix:///system?socket=PATH). It fails with ErrUnreachable when the daemon does not answer.
func Dial(ctx context.Context, uri string, opts ...Option) (*Conn, error) {
	c, err := newConn(uri, opts)
	if err != nil {
		return nil, err
	}
	s, err := c.connect(ctx)
	if err != nil {
		return nil, err
	}
	c.sess = s
	go c.redial(s)
	return c, nil
}

// Open is Dial for a server that must start while the daemon is down: it only checks the URI
// and connects in the background. Until the daemon answers, calls fail with ErrUnreachable.
func Open(uri string, opts ...Option) (*Conn, error) {
	c, err := newConn(uri, opts)
	if err != nil {
		return nil, err
	}
	c.lastErr = unreachable("not connected to the libvirt daemon at %s yet", uri)
	go c.redial(nil)
	return c, nil
}

func newConn(uri string, opts []Option) (*Conn, error) {
	ep, err := parseURI(uri)
	if err != nil {
		return nil, err
	}
	o := options{
		dialTimeout: defaultDialTimeout,
		callTimeout: defaultCallTimeout,
		minBackoff:  defaultMinBackoff,
		maxBackoff:  defaultMaxBackoff,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return &Conn{
		uri:    uri,
		ep:     ep,
		opts:   o,
		mutate: make(chan struct{}, 1),
		closed: make(chan struct{}),
		done:   make(chan struct{}),
	}, nil
}

// URI is the libvirt URI this connection was dialled with.
func (c *Conn) URI() string { return c.uri }

// Close ends the connection and stops reconnecting.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	<-c.done
	return nil
}

// Local reports whether the daemon runs on this host, so that its firewall can be read here.
func (c *Conn) Local() bool { return isLocalHost(c.ep.host) }

// Connected reports whether there is a live connection right now (for a status indicator;
// a call may still find it gone).
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess != nil
}

// Version is the daemon's libvirt version as "9.0.0".
func (c *Conn) Version(ctx context.Context) (string, error) {
	var v uint64
	err := c.Call(ctx, func(l *libvirt.Libvirt) (err error) {
		v, err = l.ConnectGetLibVersion()
		return err
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000), nil
}

// Call runs fn against the current RPC connection under the same rules as every method of
// Conn: it fails fast with ErrUnreachable while disconnected, is bounded by the call timeout
// and ctx, and its error is mapped to our sentinel errors. It is the way to reach RPCs this
// package does not wrap (tests define and start domains with it). fn may be left running
// after Call returns on a timeout; it must only talk to l.
func (c *Conn) Call(ctx context.Context, fn func(l *libvirt.Libvirt) error) error {
	c.mu.Lock()
	s, lastErr := c.sess, c.lastErr
	c.mu.Unlock()
	if s == nil {
		return lastErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- fn(s.l) }()
	timer := time.NewTimer(c.opts.callTimeout)
	defer timer.Stop()
	select {
	case err := <-errc:
		return mapError(err)
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		// The daemon took the call and went silent (stopped, wedged). Drop the connection:
		// pending calls fail now and the redial loop finds out when it is back.
		s.abort()
		return unreachable("libvirt daemon at %s did not answer within %s", c.uri, c.opts.callTimeout)
	}
}

// lockMutations waits for this connection's other changes to finish; unlock when done.
func (c *Conn) lockMutations(ctx context.Context) (unlock func(), err error) {
	select {
	case c.mutate <- struct{}{}:
		return func() { <-c.mutate }, nil
	case <-ctx.Done():
		return nil, unreachable("libvirt daemon at %s: still busy with an earlier change: %v", c.uri, ctx.Err())
	}
}

// connect dials and performs the RPC handshake, bounded by the dial timeout and ctx.
func (c *Conn) connect(ctx context.Context) (*session, error) {
	d := &dialer{network: c.ep.network, address: c.ep.address, timeout: c.opts.dialTimeout, dead: make(chan struct{})}
	l := libvirt.NewWithDialer(d)
	errc := make(chan error, 1)
	go func() { errc <- l.ConnectToURI(libvirt.ConnectURI(c.ep.name)) }()
	timer := time.NewTimer(c.opts.dialTimeout)
	defer timer.Stop()
	select {
	case err := <-errc:
		if err != nil {
			d.abort()
			return nil, unreachable("cannot connect to the libvirt daemon at %s: %v", c.uri, err)
		}
		return &session{l: l, d: d}, nil
	case <-ctx.Done():
		d.abort()
		return nil, unreachable("cannot connect to the libvirt daemon at %s: %v", c.uri, ctx.Err())
	case <-timer.C:
		d.abort()
		return nil, unreachable("libvirt daemon at %s did not answer within %s", c.uri, c.opts.dialTimeout)
	}
}

// redial owns the session from here on: it waits for the current one to die, then dials
// again with backoff until it succeeds or the Conn is closed.
func (c *Conn) redial(s *session) {
	defer close(c.done)
	backoff := c.opts.minBackoff
	for {
		if s != nil {
			select {
			case <-s.dead():
			case <-c.closed:
				s.close()
				c.setSession(nil, unreachable("libvirt connection to %s is closed", c.uri))
				return
			}
			s.close()
			c.setSession(nil, unreachable("lost the connection to the libvirt daemon at %s; reconnecting", c.uri))
			backoff = c.opts.minBackoff
		}
		// Stop dialling promptly on Close, even in the middle of a slow dial.
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-c.closed:
				cancel()
			case <-ctx.Done():
			}
		}()
		next, err := c.connect(ctx)
		cancel()
		if err == nil {
			s = next
			c.setSession(s, nil)
			continue
		}
		s = nil
		c.setSession(nil, err)
		select {
		case <-time.After(backoff):
		case <-c.closed:
			c.setSession(nil, unreachable("libvirt connection to %s is closed", c.uri))
			return
		}
		backoff = min(2*backoff, c.opts.maxBackoff)
	}
}

func (c *Conn) setSession(s *session, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sess, c.lastErr = s, err
}

// session is one RPC connection. A fresh go-libvirt client is made for every connection
// rather than reconnecting the old one, so no state of a dead connection can leak into the
// next.
type session struct {
	l *libvirt.Libvirt
	d *dialer
}

// dead is closed when the connection is gone, as seen either by go-libvirt or by our own
// socket wrapper (which also catches a loss during go-libvirt's connect bookkeeping).
func (s *session) dead() <-chan struct{} {
	out := make(chan struct{})
	go func() {
		select {
		case <-s.l.Disconnected():
		case <-s.d.dead:
		}
		close(out)
	}()
	return out
}

// abort drops the socket; go-libvirt then fails every pending call.
func (s *session) abort() { s.d.abort() }

// close says goodbye to the daemon when it still listens, and drops the socket regardless.
func (s *session) close() {
	done := make(chan struct{})
	go func() {
		_ = s.l.Disconnect()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	s.d.abort()
}

// dialer is go-libvirt's socket.Dialer. It keeps the net.Conn it made so that a stuck
// handshake or call can be cut off, and reports the connection's death on its own.
type dialer struct {
	network, address string
	timeout          time.Duration

	mu      sync.Mutex
	conn    net.Conn
	aborted bool
	dead    chan struct{}
	once    sync.Once
}

// Dial implements socket.Dialer.
func (d *dialer) Dial() (net.Conn, error) {
	nc, err := net.DialTimeout(d.network, d.address, d.timeout)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.aborted {
		nc.Close()
		return nil, errors.New("connection attempt abandoned")
	}
	d.conn = nc
	return &watchedConn{Conn: nc, d: d}, nil
}

func (d *dialer) abort() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.aborted = true
	if d.conn != nil {
		d.conn.Close()
	}
	d.markDead()
}

func (d *dialer) markDead() { d.once.Do(func() { close(d.dead) }) }

// watchedConn marks its dialer dead on the first read error: go-libvirt's reader stops at
// that point, so the connection is unusable from then on.
type watchedConn struct {
	net.Conn
	d *dialer
}

func (w *watchedConn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if err != nil {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			w.d.markDead()
		}
	}
	return n, err
}
