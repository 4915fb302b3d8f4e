package iam

import (
	"net/http"
	"testing"
	"time"
)

// The API's clock is read from its answers' Date headers: never later than the server's reading,
// and at most a second or two earlier.
func TestServerTime(t *testing.T) {
	t.Parallel()
	ahead := time.Hour
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(ahead).UTC().Format(http.TimeFormat))
		okClient(w, r)
	})
	c := f.client(t)
	if _, ok := c.ServerTime(time.Now()); ok {
		t.Fatal("a server time before any answer")
	}
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	got, ok := c.ServerTime(now)
	if !ok {
		t.Fatal("no server time after an answer with a Date header")
	}
	if d := got.Sub(now.Add(ahead)); d > 0 || d < -2*time.Second {
		t.Errorf("server time %v off the server's clock by %v, want up to 2 s earlier", got, d)
	}
}

// A gateway's 5xx says nothing of the API's clock, and of several readings the least is kept.
func TestServerTime_leastOffsetOfTheAPIsAnswers(t *testing.T) {
	t.Parallel()
	var s serverClock
	now := time.Now()
	at := func(d time.Duration) http.Header {
		return http.Header{"Date": {now.Add(d).UTC().Format(http.TimeFormat)}}
	}
	s.note(http.StatusBadGateway, at(-time.Hour), now)
	if s.known {
		t.Fatal("a 502's Date was taken for the API's clock")
	}
	s.note(http.StatusOK, at(10*time.Second), now)
	s.note(http.StatusNotFound, at(5*time.Second), now)
	s.note(http.StatusOK, at(20*time.Second), now)
	if d := s.offset; d > 5*time.Second || d < 4*time.Second {
		t.Errorf("offset %v, want the least reading, about 5s", d)
	}
}
