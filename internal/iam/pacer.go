package iam

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// pacer holds new calls back while the API has asked the whole client to wait.
//
// A 429 with Retry-After says "not before" to every caller that shares the quota, not only to the
// call it answered. The call that got it waits its Retry-After before its retry; the
// other calls of a busy apply would otherwise go on sending, straight into the same closed window,
// and each be turned away in turn: against a limit of 5 requests/s, more than half of what a
// 100-resource apply sent was answered 429. So a call's first attempt waits for the window to
// open too, plus up to half its length again at random, so that the calls held back do not all
// come back in the same instant (the retries' backoff spreads them the same way).
type pacer struct {
	mu    sync.Mutex
	until time.Time     // no first attempt before this
	span  time.Duration // the wait that set until, for the spread
}

// note closes the window for as long as a 429 asks, capped at most.
func (p *pacer) note(resp *http.Response, most time.Duration) {
	// Only a 429 speaks for the quota: a 503 may come from one overloaded instance behind a load
	// balancer, and its retry waits its Retry-After anyway.
	if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	now := time.Now()
	d, ok := retryAfter(resp.Header.Get("Retry-After"), now)
	if !ok || d <= 0 {
		return
	}
	d = min(d, most)
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := now.Add(d); until.After(p.until) {
		p.until, p.span = until, d
	}
}

// wait returns once the window is open (at once when it is), or with ctx's error. A caller whose
// deadline comes before the window opens is let through: the API's own answer then says why the
// call failed, where waiting would only end in "context deadline exceeded".
func (p *pacer) wait(ctx context.Context) (time.Duration, error) {
	p.mu.Lock()
	until, span := p.until, p.span
	p.mu.Unlock()
	d := time.Until(until)
	if d <= 0 {
		return 0, nil
	}
	jitter := rand.N(span/2 + 1)
	if deadline, ok := ctx.Deadline(); ok {
		left := time.Until(deadline)
		if left < d {
			return 0, nil
		}
		// As backoff's: the spread takes at most half of what the deadline leaves beyond the
		// window, so the call still has time to get an answer.
		jitter = max(min(jitter, (left-d)/2), 0)
	}
	d += jitter
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}
