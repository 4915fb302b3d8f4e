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
