package iam

import (
	"net/http"
	"sync"
	"time"
)

// serverClock follows the API server's clock through the Date headers of its answers.
type serverClock struct {
	mu     sync.Mutex
	offset time.Duration // the least of the server's clock minus ours seen so far
	known  bool
}

// note takes the Date header of an answer with status code received at now. A 5xx may come from a
// gateway, whose clock is not the API's. The least offset is kept: a Date header is cut to the
// second and a moment old when it arrives, so every reading is at most the true offset, and the
// least errs furthest towards "earlier" (for which ServerTime is used).
func (s *serverClock) note(code int, h http.Header, now time.Time) {
	if code >= 500 {
		return
	}
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	offset := t.Sub(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.known || offset < s.offset {
		s.offset, s.known = offset, true
	}
}

// ServerTime is t, an instant of this machine's clock, on the API server's clock as its answers'
// Date headers tell it; ok is false until an answer had one. A Date header is cut to the second
// and is a moment old when it arrives, so the result is never later than the server's own
// reading, and at most a second or two earlier. It places the server's timestamps (a secret's
// created) against this machine's events.
func (c *Client) ServerTime(t time.Time) (time.Time, bool) {
	c.clock.mu.Lock()
	defer c.clock.mu.Unlock()
	if !c.clock.known {
		return time.Time{}, false
	}
	return t.Add(c.clock.offset), true
}
