package iam

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// CreateContext returns the context of an operation that creates objects: it ends after timeout,
// and it follows the cancellation of parent except while a create may have reached the server.
//
// Terraform cancels every in-flight provider call when the user interrupts it (Ctrl-C). A create
// the server has received must not be abandoned then: the server may well make the object, and an
// abandoned create never records it, so it would be left outside the state and the next apply
// would make a second one. So an interrupt never cuts an attempt of a create (a POST of this
// package) short once it has started: it stops the create before an attempt, or waits for the
// attempt's answer. An answer that shows the server did not act (429, 503, any other 4xx) lets
// the interrupt through at once, also during the wait before a retry; an answer that it did, or
// may have (2xx, any other 5xx, a connection lost after sending), keeps the context alive until
// timeout, so that the caller can record what was made.
//
// A create whose body is the object's identity (a policy's triple) is the exception after an
// attempt that may have been applied: its outcome can be found out afterwards by that identity,
// so an interrupt stops it before its next attempt, or during the wait for it, with an unknown
// outcome, which the caller resolves by looking the object up; otherwise its retries (a
// rate-limited API may turn many away) would hold the interrupt off until timeout.
//
// (Cutting an attempt short is no safe way to stop: net/http may already have handed the whole
// request to the connection when the cancellation lands, and the server then acts on a request
// whose caller reports a failure.)
func CreateContext(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	g := &createGuard{parent: parent, cancel: cancel}
	ctx = context.WithValue(ctx, guardKey{}, g)
	stop := context.AfterFunc(parent, g.interrupt)
	return ctx, func() {
		stop()
		cancel()
	}
}

type guardKey struct{}

func guardFrom(ctx context.Context) *createGuard {
	g, _ := ctx.Value(guardKey{}).(*createGuard)
	return g
}

// createGuard decides whether an interrupt may cancel a CreateContext.
type createGuard struct {
	parent context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	interrupted bool
	// sending: an attempt of a create has started and its answer is not in yet.
	sending bool
	// acted: a create may have been applied; from then on the context only ends at its timeout,
	// unless resolvable: the create's outcome can be looked up by its identity.
	acted, resolvable bool
}

func (g *createGuard) interrupt() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.interrupted = true
	g.cancelIfFree()
}

// begin is called before an attempt of a create starts, and reports whether it may: not once
// the parent was cancelled, unless an earlier attempt may have been applied and the create is not
// resolvable (see CreateContext). (The parent is asked directly as well: AfterFunc tells the guard
// in a goroutine of its own, which a first attempt could outrun.)
func (g *createGuard) begin(resolvable bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resolvable = resolvable
	if g.parent.Err() != nil {
		g.interrupted = true
	}
	if g.interrupted && (!g.acted || g.resolvable) {
		g.cancelIfFree()
		return false
	}
	g.sending = true
	return true
}

// settled is called when an attempt of a create has its answer or its error, and says whether
// a retry is to follow. Only then does an interrupt cancel the context at once: a final answer
// goes back to the caller, and the next create's begin refuses to start.
func (g *createGuard) settled(mayHaveActed, retrying bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sending = false
	g.acted = g.acted || mayHaveActed
	if retrying {
		g.cancelIfFree()
	}
}

func (g *createGuard) cancelIfFree() {
	if g.interrupted && !g.sending && (!g.acted || g.resolvable) {
		g.cancel()
	}
}

// answerMayHaveActed reports whether a create answered code may have been applied: a success
// was, and a 5xx may have been (a gateway lost the answer, or the server failed with no word on
// how far it got), except those that say the request was not processed: 501, 503 and 505.
func answerMayHaveActed(code int) bool {
	switch {
	case code < 400:
		return true
	case code >= 500:
		return code != http.StatusNotImplemented && code != http.StatusServiceUnavailable &&
			code != http.StatusHTTPVersionNotSupported
	}
	return false
}

// attemptMayHaveActed reports whether an attempt that got resp, or (when resp is nil) an error
// after its request was or was not fully written, may have been applied.
func attemptMayHaveActed(resp *http.Response, wrote bool) bool {
	if resp == nil {
		return wrote
	}
	return answerMayHaveActed(resp.StatusCode)
}
