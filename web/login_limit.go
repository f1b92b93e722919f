package web

import (
	"sync"
	"time"
)

// Login rate limits: a user name gets loginFailures failed attempts within loginWindow, a client
// address four times as many (several people may share one address); then logins for it are
// refused until the oldest failure leaves the window. Checking a password costs ~64 MiB for a
// moment (argon2id), so at most hashSlots run at once.
const (
	loginFailures = 5
	loginWindow   = 15 * time.Minute
	hashSlots     = 4
	maxLimitKeys  = 100000
)

// loginLimiter counts recent failed logins per key ("user:NAME", "ip:ADDR").
type loginLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time
	slots  chan struct{}

	mu   sync.Mutex
	fail map[string][]time.Time
}

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, now: time.Now, slots: make(chan struct{}, hashSlots),
		fail: map[string][]time.Time{}}
}

// limit is how many failures key may have.
func (l *loginLimiter) limit(key string) int {
	if len(key) > 3 && key[:3] == "ip:" {
		return 4 * l.max
	}
	return l.max
}

// wait is how long until keys may try again (0: now).
func (l *loginLimiter) wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		ts := l.recent(k, now)
		if len(ts) >= l.limit(k) {
			longest = max(longest, ts[len(ts)-l.limit(k)].Add(l.window).Sub(now))
		}
	}
	return longest
}

// failed records a failed attempt for keys.
func (l *loginLimiter) failed(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.fail) > maxLimitKeys {
		for k := range l.fail {
			if len(l.recent(k, now)) == 0 {
				delete(l.fail, k)
			}
		}
	}
	for _, k := range keys {
		ts := append(l.recent(k, now), now)
		if n := l.limit(k); len(ts) > n {
			ts = ts[len(ts)-n:]
		}
		l.fail[k] = ts
	}
}

// succeeded forgets key's failures.
func (l *loginLimiter) succeeded(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fail, key)
}

// recent drops key's failures older than the window; l.mu is held.
func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.fail[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	if i == len(ts) {
		delete(l.fail, key)
		return nil
	}
	ts = ts[i:]
	l.fail[key] = ts
	return ts
}
