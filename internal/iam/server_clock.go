package iam

import (
	"net/http"
	"sync/atomic"
	"time"
)

// serverClock follows the API server's clock through the Date headers of its answers.
type serverClock struct {
	offset atomic.Int64 // the server's clock minus ours, in nanoseconds, as last seen
	known  atomic.Bool
}

// note takes the Date header of an answer received at now.
func (s *serverClock) note(h http.Header, now time.Time) {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return
	}
	s.offset.Store(int64(t.Sub(now)))
	s.known.Store(true)
}

// ServerTime is t, an instant of this machine's clock, on the API server's clock as its answers'
// Date headers tell it; ok is false until an answer had one. A Date header is cut to the second
// and is a moment old when it arrives, so the result is never later than the server's own
// reading, and at most a second or two earlier. It places the server's timestamps (a secret's
// created) against this machine's events.
func (c *Client) ServerTime(t time.Time) (time.Time, bool) {
	if !c.clock.known.Load() {
		return time.Time{}, false
	}
	return t.Add(time.Duration(c.clock.offset.Load())), true
}
