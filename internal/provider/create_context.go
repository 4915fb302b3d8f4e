package provider

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// createContext is the context of a resource's Create: it ends after timeout, and it follows the
// cancellation of ctx only until the first request has started to go out to the API.
//
// Terraform cancels every in-flight provider call when the user interrupts it (Ctrl-C, SIGINT:
// "gracefully shutting down"). A create whose request has reached the API must not be abandoned
// then: the server may well create the object, and an abandoned create never records it, so it
// would be left behind outside the state, and applying again would make a second one. Once a
// request is on the wire, Create finishes (within its timeout) and saves what it created; before
// that, an interrupt stops it at once.
func createContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	detached, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	var wrote atomic.Bool
	// WroteHeaders, not WroteRequest: the API client's own trace marks a request as sent once it
	// is fully written, and this must already hold by then, or an interrupt landing in between
	// would abort a request the API has received whole.
	detached = httptrace.WithClientTrace(detached, &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
	})
	stop := context.AfterFunc(ctx, func() {
		if !wrote.Load() {
			cancel()
		}
	})
	return detached, func() {
		stop()
		cancel()
	}
}
