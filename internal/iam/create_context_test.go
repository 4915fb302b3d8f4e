package iam

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sequence answers the n-th API request with steps[n-1] (the last step repeats).
func sequence(steps ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		steps[min(i, len(steps)-1)](w, r)
	}
}

// then reads the whole request, runs first (an interrupt, say) and answers with h.
func then(first func(), h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		first()
		h(w, r)
	}
}

func TestCreateContext(t *testing.T) {
	t.Parallel()
	created := func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 201, map[string]any{"clientId": "c1", "name": "n"})
	}
	slowlyCreated := func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // the API works on it while the interrupt comes
		created(w, r)
	}

	t.Run("an interrupt before anything is sent stops at once", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, created)
		parent, interrupt := context.WithCancel(context.Background())
		ctx, cancel := CreateContext(parent, time.Minute)
		defer cancel()
		interrupt()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			t.Fatal("the create context ignored an interrupt before any request was sent")
		}
		_, err := f.client(t).CreateClient(ctx, ClientRequest{Name: "n"})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) || f.apiCalls.Load() != 0 {
			t.Fatalf("want a plain context.Canceled and no request, got %v (%d requests)", err, f.apiCalls.Load())
		}
	})

	t.Run("an interrupt after sending lets the create and what follows finish", func(t *testing.T) {
		t.Parallel()
		parent, interrupt := context.WithCancel(context.Background())
		f := newFake(t, sequence(then(interrupt, slowlyCreated), created))
		ctx, cancel := CreateContext(parent, time.Minute)
		defer cancel()
		c := f.client(t)
		got, err := c.CreateClient(ctx, ClientRequest{Name: "n"})
		if err != nil || got.ClientID != "c1" {
			t.Fatalf("the interrupt aborted a create the API had received: %+v, %v", got, err)
		}
		// The caller records what it made, reading it back: the interrupt must not stop that.
		if _, err := c.GetClient(ctx, "c1"); err != nil {
			t.Fatalf("the read after a create that succeeded was interrupted: %v", err)
		}
	})

	t.Run("an interrupt during the wait after a 429 stops at once", func(t *testing.T) {
		t.Parallel()
		parent, interrupt := context.WithCancel(context.Background())
		f := newFake(t, then(interrupt, status(429, "Retry-After", "30")))
		ctx, cancel := CreateContext(parent, time.Minute)
		defer cancel()
		start := time.Now()
		_, err := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute }).CreateClient(ctx, ClientRequest{Name: "n"})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("want a plain context.Canceled (the 429 says nothing was created), got %v", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("the interrupt took %s to stop a create waiting out a 429", d)
		}
		if n := f.apiCalls.Load(); n != 1 {
			t.Fatalf("%d requests, want 1", n)
		}
	})

	t.Run("a refusal that came after the interrupt is handed back, and no create follows", func(t *testing.T) {
		t.Parallel()
		parent, interrupt := context.WithCancel(context.Background())
		f := newFake(t, then(interrupt, func(w http.ResponseWriter, _ *http.Request) {
			problem(w, http.StatusConflict, "client already exists", nil)
		}))
		ctx, cancel := CreateContext(parent, time.Minute)
		defer cancel()
		c := f.client(t)
		_, err := c.CreateClient(ctx, ClientRequest{Name: "n"})
		if !errors.Is(err, ErrConflict) || errors.Is(err, context.Canceled) {
			t.Fatalf("want the API's 409, which says more than the interrupt, got %v", err)
		}
		_, err = c.CreateClient(ctx, ClientRequest{Name: "n"})
		if !errors.Is(err, context.Canceled) || f.apiCalls.Load() != 1 {
			t.Fatalf("a create after the interrupt: %v (%d requests, want 1)", err, f.apiCalls.Load())
		}
	})

	t.Run("a policy create that may have been applied stops at an interrupt, its outcome unknown", func(t *testing.T) {
		t.Parallel()
		parent, interrupt := context.WithCancel(context.Background())
		f := newFake(t, sequence(
			status(502), // a gateway lost the answer: the grant may exist
			then(interrupt, status(429, "Retry-After", "10")),
			func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 200, map[string]any{"subject": "client-c1", "scope": "/", "action": "owner", "tenant": "t"})
			}))
		ctx, cancel := CreateContext(parent, time.Minute)
		defer cancel()
		start := time.Now()
		// Its triple finds the grant afterwards, so it need not hold the interrupt off for retries,
		// which a rate-limited API may turn away for minutes.
		_, err := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute }).CreatePolicy(ctx, Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
		if !errors.Is(err, ErrOutcomeUnknown) || time.Since(start) > 5*time.Second {
			t.Fatalf("want an unknown outcome at once, got %v after %s", err, time.Since(start))
		}
		if n := f.apiCalls.Load(); n != 2 {
			t.Fatalf("%d requests, want 2", n)
		}
	})

	t.Run("an interrupt during the wait after a policy create's 503 stops at once", func(t *testing.T) {
		t.Parallel()
		parent, interrupt := context.WithCancel(context.Background())
		f := newFake(t, then(interrupt, status(503, "Retry-After", "30")))
		ctx, cancel := CreateContext(parent, time.Minute)
		defer cancel()
		start := time.Now()
		_, err := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute }).
			CreatePolicy(ctx, Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) || time.Since(start) > 2*time.Second {
			t.Fatalf("want a plain context.Canceled at once (a 503 says nothing was done), got %v after %s", err, time.Since(start))
		}
	})

	t.Run("a parent cancelled before the first request stops every create", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, created)
		c := f.client(t)
		for range 100 {
			parent, interrupt := context.WithCancel(context.Background())
			interrupt()
			ctx, cancel := CreateContext(parent, time.Minute)
			_, err := c.CreateClient(ctx, ClientRequest{Name: "n"})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("want context.Canceled, got %v", err)
			}
		}
		if n := f.apiCalls.Load(); n != 0 {
			t.Fatalf("%d creates went out after the interrupt", n)
		}
	})

	t.Run("an interrupt while the request is being written never loses a create", func(t *testing.T) {
		t.Parallel()
		var made atomic.Int64
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if b, err := io.ReadAll(r.Body); err == nil && len(b) > 0 {
				made.Add(1) // the API got the whole request: it acts
			}
			created(w, r)
		})
		for range 20 {
			parent, interrupt := context.WithCancel(context.Background())
			rt := &interruptWhileWriting{next: &http.Transport{}, interrupt: interrupt}
			c := f.client(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: rt} })
			ctx, cancel := CreateContext(parent, time.Minute)
			before := made.Load()
			_, err := c.CreateClient(ctx, ClientRequest{Name: "n"})
			cancel()
			if made.Load() > before && err != nil {
				t.Fatalf("the API created the client, and the caller was told: %v", err)
			}
		}
	})

	t.Run("the timeout still bounds it", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, slow)
		ctx, cancel := CreateContext(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := f.client(t, func(c *Config) { c.RequestTimeout = 10 * time.Second }).CreateClient(ctx, ClientRequest{Name: "n"})
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrOutcomeUnknown) {
			t.Fatalf("want a deadline error with outcome unknown, got %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("the timeout of 100ms ended the create after %s", d)
		}
	})
}

// interruptWhileWriting interrupts (and tells the guard at once, as the AfterFunc would a moment
// later) while net/http writes the header fields of an API create: the moment at which cancelling
// the request is too late to keep it from the server.
type interruptWhileWriting struct {
	next      http.RoundTripper
	interrupt func()
}

func (t *interruptWhileWriting) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && strings.HasPrefix(req.URL.Path, "/v1/") {
		var once sync.Once
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteHeaderField: func(string, []string) {
				once.Do(func() {
					t.interrupt()
					guardFrom(req.Context()).interrupt()
				})
			},
		}))
	}
	return t.next.RoundTrip(req)
}

// A create answered with any 5xx that does not say "not processed" (501, 503, 505) may have been
// applied, whatever gateway sent it.
func TestCreate_gateway5xxIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, code := range []int{500, 502, 504, 520, 524, 599} {
		f := newFake(t, status(code))
		if _, err := f.client(t).CreateClient(ctxT(t), ClientRequest{Name: "n"}); !errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("%d: want ErrOutcomeUnknown, got %v", code, err)
		}
	}
	for _, code := range []int{501, 503, 505} {
		f := newFake(t, status(code))
		if _, err := f.client(t).CreateClient(ctxT(t), ClientRequest{Name: "n"}); err == nil || errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("%d: want a plain error, got %v", code, err)
		}
	}
}
