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
// would make a second one. So once a create request (a POST of this package) starts to go out, an
// interrupt waits for its answer. An answer that shows the server did not act (429, 503, any
// other 4xx) lets the interrupt through at once, also during the wait before a retry; an answer
// that it did, or may have (2xx, 500, 502, 504, a connection lost after sending), keeps the
// context alive until timeout, so that the caller can record what was made.
func CreateContext(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), timeout)
	g := &createGuard{cancel: cancel}
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
	mu          sync.Mutex
	cancel      context.CancelFunc
	interrupted bool
	// sending: a create's request has started to go out and its answer is not in yet.
	sending bool
	// acted: a create may have been applied; from then on the context only ends at its timeout.
	acted bool
}

func (g *createGuard) interrupt() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.interrupted = true
	g.cancelIfFree()
}

// sent is called when a create's request headers have been written: from then on the server may
// receive the whole request. (Not when the request is fully written: an interrupt landing between
// the last byte and that signal would abort a request the server has received.)
func (g *createGuard) sent() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sending = true
}

// settled is called when an attempt of a create has its answer or its error.
func (g *createGuard) settled(mayHaveActed bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sending = false
	g.acted = g.acted || mayHaveActed
	g.cancelIfFree()
}

func (g *createGuard) cancelIfFree() {
	if g.interrupted && !g.sending && !g.acted {
		g.cancel()
	}
}

// attemptMayHaveActed reports whether an attempt that got resp (or, when resp is nil, an error
// after its request was or was not fully written) may have been applied. It matches how call()
// and checkRetry judge answers: a create's 500, 502 and 504 are ErrOutcomeUnknown, and a policy
// create counts every retried 5xx as possibly applied.
func attemptMayHaveActed(mode retryMode, resp *http.Response, wrote bool) bool {
	if resp == nil {
		return wrote
	}
	switch code := resp.StatusCode; {
	case code < 400:
		return true
	case code == http.StatusInternalServerError, code == http.StatusBadGateway, code == http.StatusGatewayTimeout:
		return true
	case mode == retryIdentityCreate || mode == retryIdempotent:
		return code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported
	}
	return false
}
