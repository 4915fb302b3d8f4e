package iam

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pacedFake answers the first /v1 request 429 with Retry-After: 1 and every other one 200, and
// records when each request arrived.
func pacedFake(t *testing.T) (*fake, func() []time.Time) {
	t.Helper()
	var (
		n  atomic.Int64
		mu sync.Mutex
		at []time.Time
	)
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, 200, map[string]any{"clientId": "c1"})
	})
	return f, func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Time(nil), at...)
	}
}

// A 429 closes the window for every call of the client: a call that starts while it is closed
// waits for it to open rather than being turned away too.
func TestPacer_heldBackWhileTheAPIAsksForAPause(t *testing.T) {
	t.Parallel()
	f, arrivals := pacedFake(t)
	c := f.client(t, func(c *Config) { c.RetryAfterMax = 3 * time.Second })
	ctx := ctxT(t)
	first := make(chan error, 1)
	go func() {
		_, err := c.GetClient(ctx, "c1")
		first <- err
	}()
	for len(arrivals()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the 429 is back
	if _, err := c.GetClient(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	at := arrivals()
	if len(at) != 3 {
		t.Fatalf("%d requests, want 3: the 429, its retry and the held call", len(at))
	}
	for i, a := range at[1:] {
		if d := a.Sub(at[0]); d < 950*time.Millisecond {
			t.Errorf("request %d went out %v after the 429, want at least its Retry-After of 1s", i+2, d)
		}
	}
	if got := f.apiCalls.Load(); got != 3 {
		t.Errorf("%d API requests, want 3", got)
	}
}

// A caller whose deadline comes before the window opens is not held: it gets the API's own answer
// (here the window has closed again, so the answer is 429) rather than a bare deadline error.
func TestPacer_deadlineBeforeTheWindowOpensGoesAhead(t *testing.T) {
	t.Parallel()
	f := newFake(t, status(429, "Retry-After", "30"))
	c := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute })
	short, cancel := context.WithTimeout(ctxT(t), 2*time.Second)
	defer cancel()
	if _, err := c.GetClient(short, "c1"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("first call: want ErrRateLimited, got %v", err)
	}
	start := time.Now()
	if _, err := c.GetClient(short, "c2"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("second call: want ErrRateLimited, got %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the second call took %v, want its answer at once", d)
	}
	if got := len(f.seen()); got != 2 {
		t.Errorf("%d requests, want 2", got)
	}
}

// Cancelling a held call ends it at once, and nothing goes out: a held create creates nothing.
func TestPacer_cancelWhileHeldSendsNothing(t *testing.T) {
	t.Parallel()
	f, arrivals := pacedFake(t)
	c := f.client(t, func(c *Config) { c.RetryAfterMax = 3 * time.Second })
	go func() { _, _ = c.GetClient(ctxT(t), "c1") }()
	for len(arrivals()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	// An interrupt (the parent's cancellation) reaches a create that has not gone out at once.
	parent, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	ctx, cancel := CreateContext(parent, 10*time.Second)
	defer cancel()
	time.AfterFunc(200*time.Millisecond, interrupt)
	start := time.Now()
	_, err := c.CreateClient(ctx, ClientRequest{Name: "held"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("a create that never went out reports an unknown outcome: %v", err)
	}
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("the held create ended %v after it started, want at the cancel (200ms)", d)
	}
	for _, s := range f.seen() {
		if s == "POST /v1/clients" {
			t.Errorf("the held create went out")
		}
	}
}

func TestPacer_onlyA429ClosesTheWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		header string
		closed bool
	}{
		{http.StatusTooManyRequests, "2", true},
		{http.StatusTooManyRequests, "", false},
		{http.StatusTooManyRequests, "soon", false},
		{http.StatusServiceUnavailable, "2", false},
		{http.StatusOK, "2", false},
	} {
		var p pacer
		resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		if tc.header != "" {
			resp.Header.Set("Retry-After", tc.header)
		}
		p.note(resp, time.Minute)
		p.note(nil, time.Minute)
		if got := !p.until.IsZero(); got != tc.closed {
			t.Errorf("%d Retry-After %q: window closed %v, want %v", tc.status, tc.header, got, tc.closed)
		}
	}
	// Capped, and a shorter pause never shortens a longer one.
	var p pacer
	long := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3600"}}}
	short := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}}
	p.note(long, 5*time.Second)
	until := p.until
	if d := time.Until(until); d > 5*time.Second || d < 4*time.Second {
		t.Errorf("window closed for %v, want the cap of 5s", d)
	}
	p.note(short, 5*time.Second)
	if !p.until.Equal(until) {
		t.Errorf("a 1s pause shortened the window of 5s to %v", time.Until(p.until))
	}
}

// The spread a held call adds to the window stays within its deadline, as backoff's does: a call
// whose deadline leaves time after the window opens gets its answer, never a bare "context
// deadline exceeded" after waiting out a spread longer than what was left.
func TestPacer_spreadStaysWithinTheDeadline(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		time.Sleep(150 * time.Millisecond) // an ordinary answer time
		okClient(w, r)
	})
	c := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute; c.MaxRetries = -1 })
	// Close the window with a call whose deadline is too short to wait out the Retry-After.
	short, cancel := context.WithTimeout(ctxT(t), 500*time.Millisecond)
	_, _ = c.GetClient(short, "c0")
	cancel()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			// The window opens in about 1 s; this deadline leaves about 0.45 s after that.
			ctx, cancel := context.WithTimeout(ctxT(t), 1450*time.Millisecond)
			defer cancel()
			if _, err := c.GetClient(ctx, "c1"); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		})
	}
	wg.Wait()
}
