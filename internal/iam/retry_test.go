package iam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// condition is how the fake answers the first attempt; later attempts succeed.
type condition struct {
	name  string
	first func(w http.ResponseWriter, r *http.Request)
}

func status(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

// resetAfterRead reads the whole request, then drops the connection without an answer: the
// server got the request and may have acted on it.
func resetAfterRead(w http.ResponseWriter, r *http.Request) {
	_, _ = r.Body.Read(make([]byte, 1024))
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// slow outlives the per-attempt timeout of the timeout test clients (300ms).
func slow(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does the server notice the client hanging up.
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-time.After(2 * time.Second):
	case <-r.Context().Done():
	}
}

// operation is one client method and its successful fake answer.
type operation struct {
	name    string
	run     func(ctx context.Context, c *Client) error
	success func(w http.ResponseWriter, r *http.Request)
}

var operations = []operation{
	{"GET", func(ctx context.Context, c *Client) error { _, err := c.GetClient(ctx, "c1"); return err },
		func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"clientId": "c1", "name": "n"})
		}},
	{"PUT", func(ctx context.Context, c *Client) error {
		_, err := c.UpdateClient(ctx, "c1", ClientRequest{Name: "n"})
		return err
	}, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"clientId": "c1", "name": "n"})
	}},
	{"DELETE", func(ctx context.Context, c *Client) error { return c.DeleteClient(ctx, "c1") },
		func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }},
	{"POST", func(ctx context.Context, c *Client) error {
		_, err := c.CreateClient(ctx, ClientRequest{Name: "n"})
		return err
	}, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 201, map[string]any{"clientId": "c1", "name": "n"})
	}},
	{"POST policy", func(ctx context.Context, c *Client) error {
		_, err := c.CreatePolicy(ctx, Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
		return err
	}, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"subject": "client-c1", "scope": "/", "action": "owner", "tenant": "t"})
	}},
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	type want struct {
		retried        bool
		outcomeUnknown bool
	}
	retried, once, unknown := want{retried: true}, want{}, want{outcomeUnknown: true}
	conditions := []struct {
		condition
		want map[string]want // by operation name
	}{
		{condition{"429", status(429, "Retry-After", "0")},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": retried, "POST policy": retried}},
		{condition{"429 without Retry-After", status(429)},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": retried, "POST policy": retried}},
		{condition{"500", status(500)},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": unknown, "POST policy": retried}},
		{condition{"502", status(502)},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": unknown, "POST policy": retried}},
		{condition{"503", status(503)},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": once, "POST policy": retried}},
		{condition{"503 with Retry-After", status(503, "Retry-After", "0")},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": retried, "POST policy": retried}},
		{condition{"504", status(504)},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": unknown, "POST policy": retried}},
		{condition{"501", status(501)},
			map[string]want{"GET": once, "PUT": once, "DELETE": once, "POST": once, "POST policy": once}},
		{condition{"400", status(400)},
			map[string]want{"GET": once, "PUT": once, "DELETE": once, "POST": once, "POST policy": once}},
		{condition{"403", status(403)},
			map[string]want{"GET": once, "PUT": once, "DELETE": once, "POST": once, "POST policy": once}},
		{condition{"409", status(409)},
			map[string]want{"GET": once, "PUT": once, "DELETE": once, "POST": once, "POST policy": once}},
		{condition{"connection reset after the request was read", resetAfterRead},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": unknown, "POST policy": retried}},
		{condition{"timeout", slow},
			map[string]want{"GET": retried, "PUT": retried, "DELETE": retried, "POST": unknown, "POST policy": retried}},
	}
	for _, cond := range conditions {
		for _, op := range operations {
			want := cond.want[op.name]
			t.Run(cond.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				var n atomic.Int64
				f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) == 1 {
						cond.first(w, r)
						return
					}
					op.success(w, r)
				})
				c := f.client(t)
				if cond.name == "timeout" {
					c = f.client(t, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond })
				}
				err := op.run(ctxT(t), c)
				attempts := n.Load()
				switch {
				case want.retried:
					if err != nil || attempts != 2 {
						t.Fatalf("want a retry and success; got %d attempts, err %v", attempts, err)
					}
				default:
					if err == nil || attempts != 1 {
						t.Fatalf("want one attempt and an error; got %d attempts, err %v", attempts, err)
					}
					if got := errors.Is(err, ErrOutcomeUnknown); got != want.outcomeUnknown {
						t.Fatalf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v: %v", got, want.outcomeUnknown, err)
					}
				}
				assertNoSecret(t, err)
			})
		}
	}
}

// refusingTransport fails the first dial like a refused connection: nothing reached the server.
type refusingTransport struct {
	next  http.RoundTripper
	calls atomic.Int64
}

func (r *refusingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasPrefix(req.URL.Path, "/v1/") && r.calls.Add(1) == 1 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	return r.next.RoundTrip(req)
}

func TestRetryPolicy_postRetriedWhenConnectionRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 201, map[string]any{"clientId": "c1", "name": "n"})
	})
	rt := &refusingTransport{next: http.DefaultTransport}
	c := f.client(t, func(c *Config) { c.HTTPClient = &http.Client{Transport: rt} })
	got, err := c.CreateClient(ctxT(t), ClientRequest{Name: "n"})
	if err != nil || got.ClientID != "c1" {
		t.Fatalf("CreateClient = %v, %v", got, err)
	}
	if rt.calls.Load() != 2 || f.apiCalls.Load() != 1 {
		t.Fatalf("transport calls %d, server calls %d; want 2 and 1", rt.calls.Load(), f.apiCalls.Load())
	}
}

func TestRetryPolicy_givesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		maxRetries int
		attempts   int64
	}{{0, 5}, {2, 3}, {-1, 1}} {
		f := newFake(t, status(503))
		c := f.client(t, func(c *Config) { c.MaxRetries = tc.maxRetries })
		_, err := c.GetClient(ctxT(t), "c1")
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("MaxRetries %d: want the last 503 as *APIError, got %v", tc.maxRetries, err)
		}
		if got := f.apiCalls.Load(); got != tc.attempts {
			t.Fatalf("MaxRetries %d: %d attempts, want %d", tc.maxRetries, got, tc.attempts)
		}
	}
}

// MaxRetries 0 in the provider (-1 here) turns off the retries of failures only: a 429 is not
// one (the server did not process the request), nor is the repeat with a new token after a 401.
func TestRetryPolicy_noRetriesStillWaitsOutRateLimitsAndReauthenticates(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"clientId": "c1", "name": "n"})
	})
	c := f.client(t, func(c *Config) { c.MaxRetries = -1 })
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil || f.apiCalls.Load() != 3 {
		t.Fatalf("want success after two 429s; got %d attempts, %v", f.apiCalls.Load(), err)
	}

	// The token is revoked: the next call gets a 401, fetches a new token and succeeds.
	f.reject("tok-1")
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil || f.tokenCalls.Load() != 2 {
		t.Fatalf("want success with a second token; got %d token calls, %v", f.tokenCalls.Load(), err)
	}
}

// 429s have their own budget (maxRateLimitRetries), so MaxRetries 1 does not stop a rate-limited
// call after one retry; the call still ends with ErrRateLimited once that budget is spent.
func TestRetryPolicy_rateLimitedErrorAfterRetries(t *testing.T) {
	t.Parallel()
	f := newFake(t, status(429, "Retry-After", "0"))
	_, err := f.client(t, func(c *Config) { c.MaxRetries = 1 }).GetClient(ctxT(t), "c1")
	if want := int64(1 + maxRateLimitRetries); !errors.Is(err, ErrRateLimited) || f.apiCalls.Load() != want {
		t.Fatalf("want ErrRateLimited after %d attempts; got %d attempts, %v", want, f.apiCalls.Load(), err)
	}
}

// The 429 budget is separate from MaxRetries both ways: 429s do not use up the retries of 5xx
// answers, and MaxRetries still bounds those.
func TestRetryPolicy_rateLimitSeparateBudget(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		switch k := n.Add(1); {
		case k <= 6:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	_, err := f.client(t, func(c *Config) { c.MaxRetries = 2 }).GetClient(ctxT(t), "c1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadGateway || f.apiCalls.Load() != 6+3 {
		t.Fatalf("want the 502 after 6 429s and 3 502s (MaxRetries 2); got %d attempts, %v", f.apiCalls.Load(), err)
	}
}

func TestRetryAfter_honoured(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, 200, map[string]any{"clientId": "c1"})
	})
	c := f.client(t, func(c *Config) { c.RetryAfterMax = 3 * time.Second })
	start := time.Now()
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("retried after %v, want about the 1s of Retry-After", d)
	}
}

func TestRetryAfter_cappedByRetryAfterMax(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(w, 200, map[string]any{"clientId": "c1"})
	})
	start := time.Now()
	if _, err := f.client(t).GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("waited %v; Retry-After must be capped by RetryAfterMax", d)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"99999999999999999999", 24 * time.Hour, true}, // beyond int64: the longest wait, not none
		{"-99999999999999999999", 0, false},
		{"", 0, false},
		{"soon", 0, false},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
	} {
		got, ok := retryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	minW, maxW := 100*time.Millisecond, time.Second
	for attempt := range 10 {
		ceiling := min(minW<<attempt, maxW)
		for range 50 {
			if d, demanded := backoff(minW, maxW, maxW, attempt, nil); d < 0 || d > ceiling || demanded {
				t.Fatalf("attempt %d: backoff %v (demanded %v) outside [0, %v] or called the server's", attempt, d, demanded, ceiling)
			}
		}
	}
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"30"}}}
	if d, demanded := backoff(minW, maxW, 2*maxW, 0, resp); d < 2*maxW || d > 3*maxW || !demanded {
		t.Fatalf("Retry-After 30 with a Retry-After cap of 2s: %v (demanded %v), want 2s to 3s, the server's", d, demanded)
	}
	// Callers turned away together come back spread out, never before Retry-After.
	resp.Header.Set("Retry-After", "1")
	seen := map[time.Duration]bool{}
	for range 50 {
		d, _ := backoff(minW, maxW, time.Minute, 0, resp)
		if d < time.Second || d > 1500*time.Millisecond {
			t.Fatalf("Retry-After 1: %v, want 1s to 1.5s", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("Retry-After 1: 50 waits took only %d values: callers come back in lockstep", len(seen))
	}
	// "Retry-After: 0", or a date already past, still waits the least wait (plus jitter): retries
	// back to back would spend the whole budget on a server that is overloaded.
	for _, v := range []string{"0", time.Now().Add(-2 * time.Second).UTC().Format(http.TimeFormat)} {
		resp.Header.Set("Retry-After", v)
		if d, _ := backoff(minW, maxW, maxW, 3, resp); d < minW || d > minW*3/2 {
			t.Fatalf("Retry-After %q: %v, want %v to %v", v, d, minW, minW*3/2)
		}
	}
	// A Retry-After on a 500 is not honoured: the wait is our own, which the deadline may shorten.
	resp.StatusCode = http.StatusInternalServerError
	resp.Header.Set("Retry-After", "30")
	if d, demanded := backoff(minW, maxW, time.Minute, 0, resp); d > minW || demanded {
		t.Fatalf("500 with Retry-After 30: %v (demanded %v), want our own first backoff", d, demanded)
	}
	if d, _ := backoff(minW, maxW, maxW, 70, nil); d > maxW {
		t.Fatalf("huge attempt overflowed: %v", d)
	}
}

func TestCreatePolicy_conflictAfterRetryIsSuccess(t *testing.T) {
	t.Parallel()
	var posts atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			if posts.Add(1) == 1 {
				w.WriteHeader(http.StatusBadGateway) // committed, answer lost
				return
			}
			problem(w, 409, "Conflict", nil)
		case http.MethodGet:
			q := r.URL.Query()
			if q.Get("subject") != "client-c1" || q.Get("scope") != "/x/1" || q.Get("action") != "owner" {
				t.Errorf("GetPolicy query = %v", q)
			}
			writeJSON(w, 200, map[string]any{"page": 1, "pageSize": 200, "count": 1, "total": 1, "totalPages": 1,
				"data": []any{map[string]any{"subject": "client-c1", "scope": "/x/1", "action": "owner", "tenant": "t1"}}})
		}
	})
	got, err := f.client(t).CreatePolicy(ctxT(t), Policy{Subject: "client-c1", Scope: "/x/1", Action: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	if *got != (Policy{Subject: "client-c1", Scope: "/x/1", Action: "owner", Tenant: "t1"}) {
		t.Fatalf("got %+v", got)
	}
}

// The 409 of a repeated create proves the grant exists; a read-back that fails must not turn it
// into a failed create (the grant would be left outside Terraform's state).
func TestCreatePolicy_conflictAfterRetryIsSuccessEvenIfTheReadFails(t *testing.T) {
	t.Parallel()
	var posts atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && posts.Add(1) == 1:
			w.WriteHeader(http.StatusInternalServerError) // may have committed
		case r.Method == http.MethodPost:
			problem(w, 409, "Conflict", nil)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	got, err := f.client(t, func(c *Config) { c.MaxRetries = 1 }).CreatePolicy(ctxT(t), Policy{Subject: "client-c1", Scope: "/x/1", Action: "owner"})
	if err != nil || *got != (Policy{Subject: "client-c1", Scope: "/x/1", Action: "owner"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// Once an attempt of a policy create may have been applied, the call's outcome is unknown
// whatever the last attempt answered: a 503 that ends the retries speaks only for itself.
func TestCreatePolicy_laterFailureAfterPossibleCommitIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	var posts atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if posts.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway) // committed, answer lost
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	_, err := f.client(t, func(c *Config) { c.MaxRetries = 2 }).CreatePolicy(ctxT(t), Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
	if !errors.Is(err, ErrOutcomeUnknown) || posts.Load() != 3 {
		t.Fatalf("want ErrOutcomeUnknown after 3 attempts; got %d, %v", posts.Load(), err)
	}
}

func TestCreatePolicy_conflictOnFirstAttemptIsConflict(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests) // not acted on: a following 409 is a real duplicate
			return
		}
		problem(w, 409, "Conflict", nil)
	})
	_, err := f.client(t).CreatePolicy(ctxT(t), Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("want ErrConflict, got %v", err)
	}
}

func TestDelete_notFoundAfterRetryIsSuccess(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		first func(http.ResponseWriter, *http.Request)
		want  error
	}{
		{"first attempt 404", nil, ErrNotFound},
		{"404 after a 500", status(500), nil},
		{"404 after a reset connection", resetAfterRead, nil},
		{"404 after a 429", status(429, "Retry-After", "0"), ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 && tc.first != nil {
					tc.first(w, r)
					return
				}
				problem(w, 404, "Not Found", nil)
			})
			err := f.client(t).DeleteClient(ctxT(t), "c1")
			if (tc.want == nil && err != nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if n.Load() != 2 && tc.first != nil {
				t.Fatalf("%d attempts, want 2", n.Load())
			}
		})
	}
}

func TestPolicyDelete_notFoundAfterRetryIsSuccess(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		problem(w, 404, "Not Found", nil)
	})
	if err := f.client(t).DeletePolicy(ctxT(t), "client-c1", "owner", "/"); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Fatalf("attempts %d", n.Load())
	}
}

// cancelOnArrival is a slow handler that cancels the caller's context once the request arrived,
// so the request has certainly been written when the cancellation hits.
func cancelOnArrival(cancel func()) http.HandlerFunc { return then(cancel, slow) }

func TestCancellationStopsInFlightRequest(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	f := newFake(t, cancelOnArrival(cancel))
	c := f.client(t, func(c *Config) { c.RequestTimeout = 10 * time.Second })
	start := time.Now()
	_, err := c.GetClient(ctx, "c1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("cancellation took %v", d)
	}
	if f.apiCalls.Load() != 1 {
		t.Fatalf("a cancelled call was retried: %d attempts", f.apiCalls.Load())
	}
}

func TestCancellationOfCreateAfterSendIsOutcomeUnknown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	f := newFake(t, cancelOnArrival(cancel))
	c := f.client(t, func(c *Config) { c.RequestTimeout = 10 * time.Second })
	_, err := c.CreateClient(ctx, ClientRequest{Name: "n"})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("want context.Canceled and ErrOutcomeUnknown, got %v", err)
	}
}

func TestCancellationBeforeSendIsNotOutcomeUnknown(t *testing.T) {
	t.Parallel()
	f := newFake(t, okClient)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.client(t).CreateClient(ctx, ClientRequest{Name: "n"})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOutcomeUnknown) || f.apiCalls.Load() != 0 {
		t.Fatalf("want a plain context.Canceled and no request, got %v (%d requests)", err, f.apiCalls.Load())
	}
}

// A Retry-After the deadline leaves room for is waited out, and its jitter never carries the wait
// (and the repeat) past the deadline: the caller gets the server's 429, not a bare "context
// deadline exceeded". Several calls, because the jitter is random.
func TestRetryAfter_jitterStaysWithinDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t, status(429, "Retry-After", "1"))
	var wg sync.WaitGroup
	for i := range 6 {
		// A client each: one client holds its later calls back until the window a 429 opened has
		// passed (pacer), and this is about the retry's own wait.
		c := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute })
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctxT(t), 1300*time.Millisecond)
			defer cancel()
			if _, err := c.GetClient(ctx, "c1"); !errors.Is(err, ErrRateLimited) {
				t.Errorf("call %d: want ErrRateLimited, got %v", i, err)
			}
		})
	}
	wg.Wait()
	if got := len(f.seen()); got != 12 {
		t.Errorf("%d requests, want 12 (each call waits out one Retry-After)", got)
	}
}

// Without a deadline of the caller's the jitter is whole, however short the per-attempt request
// timeout (whose end the attempt's own context carries): callers turned away together come back
// spread out.
func TestRetryAfter_jitterWithoutDeadline(t *testing.T) {
	t.Parallel()
	const calls = 8
	var answered atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if answered.Add(1) <= calls {
			status(429, "Retry-After", "1")(w, r)
			return
		}
		okClient(w, r)
	})
	var wg sync.WaitGroup
	took := make([]time.Duration, calls)
	for i := range calls {
		// A client each, as above: this is about the retries' spread, not the pacer's.
		c := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute; c.RequestTimeout = time.Second })
		wg.Go(func() {
			start := time.Now()
			if _, err := c.GetClient(context.Background(), "c1"); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
			took[i] = time.Since(start)
		})
	}
	wg.Wait()
	if slices.Max(took)-slices.Min(took) < 50*time.Millisecond {
		t.Errorf("the calls came back within %v of each other (%v): no jitter", slices.Max(took)-slices.Min(took), took)
	}
}

// A Retry-After beyond the caller's deadline is not waited for: the 429 comes back at once,
// not a "context deadline exceeded" after the wait.
func TestRetryAfter_beyondDeadlineAnswersNow(t *testing.T) {
	t.Parallel()
	f := newFake(t, status(429, "Retry-After", "30"))
	c := f.client(t, func(c *Config) { c.RetryAfterMax = time.Minute })
	ctx, cancel := context.WithTimeout(ctxT(t), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.GetClient(ctx, "c1")
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("want ErrRateLimited, got %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("answered after %v, want at once", d)
	}
	if got := len(f.seen()); got != 1 {
		t.Fatalf("%d requests, want 1", got)
	}
}

// A request Go refuses to send (a static token read from a file with its line break) fails at
// once: no retry can send it.
func TestRetry_unsendableRequestNotRetried(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) { hits.Add(1); writeJSON(w, 200, map[string]any{}) })
	c := f.client(t, func(c *Config) {
		c.ClientID, c.ClientSecret, c.AccessToken = "", "", "a-ready-token\n"
		c.RetryWaitMin, c.RetryWaitMax = time.Second, time.Second
	})
	start := time.Now()
	_, err := c.GetClient(ctxT(t), "x")
	if err == nil || !strings.Contains(err.Error(), "invalid header field") {
		t.Fatalf("err = %v, want Go's refusal of the header", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond || hits.Load() != 0 {
		t.Errorf("took %v and reached the server %d times; want at once, never", d, hits.Load())
	}
}

// A retry goes ahead only when the caller's deadline leaves the wait it takes, the least wait
// included: else the answer would turn into a bare "context deadline exceeded".
func TestWaitToRetry_withinDeadline(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if retry, err := waitToRetry(ctx, 250*time.Millisecond); retry || err != nil {
		t.Errorf("waitToRetry with 100 ms left for a 250 ms wait = %v, %v; want false, nil", retry, err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("gave up after %v, want at once", d)
	}
	if retry, err := waitToRetry(ctx, 10*time.Millisecond); !retry || err != nil {
		t.Errorf("waitToRetry of 10 ms with 100 ms left = %v, %v; want true, nil", retry, err)
	}
	if retry, err := waitToRetry(context.Background(), 0); !retry || err != nil {
		t.Errorf("waitToRetry without a deadline = %v, %v; want true, nil", retry, err)
	}
	interrupted, stop := context.WithCancel(context.Background())
	stop()
	if retry, err := waitToRetry(interrupted, time.Minute); retry || !errors.Is(err, context.Canceled) {
		t.Errorf("waitToRetry interrupted = %v, %v; want false, context.Canceled", retry, err)
	}
}

// A 5xx whose backoff would outlast the caller's deadline goes back as the server's answer, its
// problem detail included, not as a bare "context deadline exceeded".
func TestRetry_backoffPastDeadlineKeepsServerAnswer(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"title":"Internal Server Error","detail":"database unavailable","status":500}`))
	})
	c := f.client(t, func(c *Config) { c.RetryWaitMin, c.RetryWaitMax = 10*time.Second, 10*time.Second })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := c.GetClient(ctx, "x")
	if err == nil || !strings.Contains(err.Error(), "database unavailable") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v; want the server's last answer (500 database unavailable)", err)
	}
}

// cutBody answers status with a Content-Length the body never reaches and drops the connection
// halfway: a connection broken while the answer is read.
func cutBody(w http.ResponseWriter, status int, start string) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Content-Length", "400")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(start))
	w.(http.Flusher).Flush()
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		_ = conn.Close()
	}
}

// A connection that breaks while an answer's body is read fails the attempt, which is retried as
// a broken connection is: a read and a token request are repeated; a create, which was written,
// is not, and its outcome is unknown.
func TestRetry_bodyCutOff(t *testing.T) {
	t.Parallel()
	client := map[string]any{"clientId": "abc", "name": "n", "description": "",
		"allowedGrantTypes": []string{"client_credentials"}, "redirectUris": []string{}, "allowedScopes": []string{"api"}}

	t.Run("read", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int64
		f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
			if n.Add(1) == 1 {
				cutBody(w, http.StatusOK, `{"clientId":"abc","na`)
				return
			}
			writeJSON(w, http.StatusOK, client)
		})
		got, err := f.client(t).GetClient(ctxT(t), "abc")
		if err != nil || got.ClientID != "abc" || n.Load() != 2 {
			t.Fatalf("GetClient = %+v, %v after %d attempts; want the client after 2", got, err, n.Load())
		}
	})
	t.Run("provider token", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int64
		f := newFake(t, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, client) })
		f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
			if n.Add(1) == 1 {
				cutBody(w, http.StatusOK, `{"access_token":"to`)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
		}
		if _, err := f.client(t).GetClient(ctxT(t), "abc"); err != nil || n.Load() != 2 {
			t.Fatalf("GetClient: %v after %d token requests; want success after 2", err, n.Load())
		}
	})
	t.Run("exchange", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int64
		f := newFake(t, nil)
		f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
			if n.Add(1) == 1 {
				cutBody(w, http.StatusOK, `{"access_token":"to`)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
		}
		tok, err := ExchangeToken(ctxT(t), TokenRequest{TokenURL: f.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret})
		if err != nil || tok.AccessToken != "tok" || n.Load() != 2 {
			t.Fatalf("ExchangeToken = %v after %d requests; want the token after 2", err, n.Load())
		}
	})
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		var posts atomic.Int64
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				posts.Add(1)
				cutBody(w, http.StatusOK, `{"clientId":"ab`)
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"items": []any{}, "metadata": map[string]any{"totalCount": 0}})
		})
		_, err := f.client(t).CreateClient(ctxT(t), ClientRequest{Name: "n", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
		if !errors.Is(err, ErrOutcomeUnknown) || posts.Load() != 1 {
			t.Fatalf("CreateClient: %v after %d POSTs; want an unknown outcome after 1", err, posts.Load())
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Fatalf("error shows the secret: %v", err)
		}
	})
}

// A create answered 429 whose body breaks off was still not applied, as its status says: it is
// repeated, as any 429 is, and its second answer counts.
func TestRetry_refusalWithBodyCutOff(t *testing.T) {
	t.Parallel()
	var posts atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/problem+json")
			cutBody(w, http.StatusTooManyRequests, `{"title":"Too Many`)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"clientId": "c1", "name": "n"})
	})
	got, err := f.client(t).CreateClient(ctxT(t), ClientRequest{Name: "n", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
	if err != nil || got.ClientID != "c1" || posts.Load() != 2 {
		t.Fatalf("CreateClient = %+v, %v after %d POSTs; want c1 after 2", got, err, posts.Load())
	}
}

// A policy create's repeat cannot duplicate (a 409 resolves it), so an answer whose body broke
// off is a failed attempt, repeated, not an unknown outcome.
func TestRetry_policyCreateBodyCutOff(t *testing.T) {
	t.Parallel()
	var posts atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusOK, map[string]any{"data": []any{}, "total": 0, "totalPages": 0})
			return
		}
		if posts.Add(1) == 1 {
			cutBody(w, http.StatusOK, `{"subject":"client-c1","sco`)
			return
		}
		problem(w, http.StatusConflict, "policy already exists", nil)
	})
	got, err := f.client(t).CreatePolicy(ctxT(t), Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
	if err != nil || got.Subject != "client-c1" || posts.Load() != 2 {
		t.Fatalf("CreatePolicy = %+v, %v after %d POSTs; want the grant after 2", got, err, posts.Load())
	}
}

// The errors paging and GetClientSecret write themselves redact the client's credentials from the
// path and ids they name, as call's own errors do: a client secret given as a client id by mistake.
func TestPaging_errorsRedactCredentials(t *testing.T) {
	t.Parallel()
	ignoresPage := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"items": []map[string]any{{"clientSecretId": "a", "clientId": "x"}},
			"metadata": map[string]any{"page": 1, "pageSize": 100, "totalCount": 5}, "links": map[string]any{"next": "http://x/next"}})
	})
	var err error
	for _, e := range ignoresPage.client(t).ListClientSecrets(ctxT(t), testSecret) {
		err = e
	}
	if err == nil || strings.Contains(err.Error(), testSecret) || !strings.Contains(err.Error(), "repeats page 1") {
		t.Errorf("paging error = %v; want it without the client secret", err)
	}
	empty := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"items": []map[string]any{},
			"metadata": map[string]any{"page": 1, "pageSize": 100, "totalCount": 0}, "links": map[string]any{"next": nil}})
	})
	_, err = empty.client(t).GetClientSecret(ctxT(t), testSecret, "sid")
	if !errors.Is(err, ErrNotFound) || strings.Contains(err.Error(), testSecret) || !strings.Contains(err.Error(), `client secret "sid" of client`) {
		t.Errorf("GetClientSecret error = %v; want a not-found without the client secret", err)
	}
}

// A secret set in the wrong place ends up in a call's path (a secret's value as its client id,
// the client secret in the token URL): errors and log lines show the path without it.
func TestPaths_redactedInErrorsAndLogs(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logged []string
	logf := func(_ context.Context, _, msg string, fields map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprint(msg, fields))
	}
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) { problem(w, http.StatusNotFound, "client not found", nil) })
	const value = "Val^ue-of-the-secret"
	_, err := f.client(t, func(c *Config) { c.Log = logf }).CreateClientSecret(ctxT(t), value, SecretRequest{Value: value})
	c2 := f.client(t, func(c *Config) { c.Log = logf; c.TokenURL = f.URL + "/connect/" + testSecret; c.MaxRetries = -1 })
	_, err2 := c2.GetClient(ctxT(t), "x")
	// Escaped as the user wrote it: every byte, in lowercase hex.
	var encoded strings.Builder
	for _, b := range []byte(testSecret) {
		fmt.Fprintf(&encoded, "%%%02x", b)
	}
	c3 := f.client(t, func(c *Config) { c.Log = logf; c.TokenURL = f.URL + "/connect/" + encoded.String(); c.MaxRetries = -1 })
	_, err3 := c3.GetClient(ctxT(t), "x")
	for _, e := range []error{err, err2, err3} {
		if e != nil && strings.Contains(e.Error(), encoded.String()) {
			t.Errorf("err = %v; shows the secret escaped", e)
		}
		if e == nil || strings.Contains(e.Error(), "ue-of-the-secret") || strings.Contains(e.Error(), testSecret) {
			t.Errorf("err = %v; want an error without the secret", e)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, l := range logged {
		if strings.Contains(l, "ue-of-the-secret") || strings.Contains(l, testSecret) || strings.Contains(l, url.PathEscape(testSecret)) ||
			strings.Contains(l, encoded.String()) {
			t.Errorf("a log line shows a secret: %s", l)
		}
	}
	if len(logged) == 0 {
		t.Error("nothing was logged; the test proves nothing")
	}
}

// A backoff of our own drawn longer than the caller's deadline leaves would end the call at once
// with the last failure; it is cut to half of what is left instead, so the call keeps trying until
// less than twice the least wait remains. Several calls, because the waits are random; half of them
// get a Retry-After on the 500, which only 429 and 503 honour, so the wait is still our own.
func TestRetry_backoffFitsTheDeadline(t *testing.T) {
	t.Parallel()
	fakes := []*fake{newFake(t, status(500)), newFake(t, status(500, "Retry-After", "60"))}
	const deadline, minWait = 2 * time.Second, 100 * time.Millisecond
	var wg sync.WaitGroup
	for i := range 6 {
		c := fakes[i%2].client(t, func(c *Config) { c.MaxRetries, c.RetryWaitMin, c.RetryWaitMax = 30, minWait, time.Minute })
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctxT(t), deadline)
			defer cancel()
			start := time.Now()
			_, err := c.GetClient(ctx, "c1")
			if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "500") {
				t.Errorf("call %d: err = %v; want the server's 500", i, err)
			}
			if took := time.Since(start); took < deadline-2*minWait-50*time.Millisecond {
				t.Errorf("call %d gave up after %v, with more than twice the least wait of its %v left", i, took, deadline)
			}
		})
	}
	wg.Wait()
}

func TestFitBackoff(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if d := fitBackoff(ctx, time.Minute, time.Second); d > 5*time.Second || d < 4*time.Second {
		t.Errorf("a minute's wait with 10 s left = %v, want about 5 s", d)
	}
	if d := fitBackoff(ctx, time.Second, time.Second); d != time.Second {
		t.Errorf("a wait that fits = %v, want it unchanged", d)
	}
	if d := fitBackoff(ctx, time.Minute, 6*time.Second); d != time.Minute {
		t.Errorf("with less than twice the least wait left = %v, want the draw unchanged", d)
	}
	if d := fitBackoff(context.Background(), time.Minute, time.Second); d != time.Minute {
		t.Errorf("without a deadline = %v, want it unchanged", d)
	}
}

// A call that was retried says how many attempts it made beside the last answer, so that a user
// who raised max_retries sees they ran; one that was not says nothing of attempts.
func TestRetry_errorCountsAttempts(t *testing.T) {
	t.Parallel()
	f := newFake(t, status(502))
	c := f.client(t, func(c *Config) { c.MaxRetries, c.RetryWaitMin, c.RetryWaitMax = 2, time.Millisecond, time.Millisecond })
	_, err := c.GetClient(ctxT(t), "c1")
	if err == nil || !strings.HasSuffix(err.Error(), "502 Bad Gateway (the last of 3 attempts)") {
		t.Errorf("err = %v; want the 502 as the last of 3 attempts", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Attempts != 3 {
		t.Errorf("err = %#v; want an APIError with Attempts 3", err)
	}

	nf := newFake(t, status(404))
	if _, err := nf.client(t).GetClient(ctxT(t), "c1"); err == nil || strings.Contains(err.Error(), "attempt") {
		t.Errorf("err = %v; want a 404 without a count of attempts", err)
	}

	// No answer at all: the transport error counts its attempts too.
	slow := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	sc := slow.client(t, func(c *Config) {
		c.MaxRetries, c.RetryWaitMin, c.RetryWaitMax, c.RequestTimeout = 1, time.Millisecond, time.Millisecond, 50*time.Millisecond
	})
	if _, err := sc.GetClient(ctxT(t), "c1"); err == nil ||
		!strings.Contains(err.Error(), "no answer within the request timeout of 50ms") || !strings.HasSuffix(err.Error(), "(the last of 2 attempts)") {
		t.Errorf("err = %v; want the timeout as the last of 2 attempts", err)
	}
}

// An answer to a call made with a token the caller gave says so, so that the advice on a 401 or a
// missing scope fits: such a token cannot be renewed or asked for with other scopes.
func TestAPIError_givenToken(t *testing.T) {
	t.Parallel()
	f := newFake(t, status(403))
	var apiErr *APIError
	_, err := f.client(t, func(c *Config) { c.ClientID, c.ClientSecret, c.AccessToken = "", "", "a-given-token" }).GetClient(ctxT(t), "c1")
	if !errors.As(err, &apiErr) || !apiErr.GivenToken {
		t.Errorf("with an access token: err = %#v, want GivenToken", err)
	}
	_, err = f.client(t).GetClient(ctxT(t), "c1")
	if !errors.As(err, &apiErr) || apiErr.GivenToken {
		t.Errorf("with client credentials: err = %#v, want no GivenToken", err)
	}
}
