package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// request describes one logical API call.
type request struct {
	method string
	path   string // escaped path below the endpoint, starting with "/v1/"
	query  url.Values
	body   any
	mode   retryMode
	// secrets are values of the request (a secret's value) that an error must not show, should
	// the server echo them.
	secrets []string
}

// response is what callers need of a successful answer once its body has been decoded.
type response struct {
	status int
	header http.Header
	// retried is true when an earlier attempt may have been applied by the server.
	retried bool
}

// call runs r with retries and decodes a 2xx JSON body into out (when out is non-nil and there is
// a body). Any other outcome becomes an error: *APIError for answers, a wrapped transport error
// otherwise, and ErrOutcomeUnknown when a create may have been applied.
func (c *Client) call(ctx context.Context, r request, out any) (*response, error) {
	display := r.path
	if len(r.query) > 0 {
		display += "?" + r.query.Encode()
	}
	st := &callState{method: r.method, path: display, mode: r.mode, secrets: slices.Concat(r.secrets, c.credentials)}
	if r.mode == retryCreate || r.mode == retryIdentityCreate {
		st.guard = guardFrom(ctx)
	}
	// What errors and logs show of the path: an id that is a secret set in the wrong place (a
	// secret's value as its client id) is in it, path-escaped.
	shown := st.shownPath

	// Get the token up front with the caller's context: an authentication failure then surfaces
	// as itself, not as a transport error of the first attempt.
	if _, err := c.tokens.token(ctx); err != nil {
		return nil, wrapf(r.method, shown(), err)
	}

	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, wrapf(r.method, shown(), fmt.Errorf("encoding request: %w", err))
		}
	}
	var rawBody any
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(withCall(ctx, st), r.method, c.baseURL+display, rawBody)
	if err != nil {
		return nil, wrapf(r.method, shown(), err)
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	// Outside the attempt, whose request timeout must not run while it waits.
	if waited, err := c.pace.wait(ctx); err != nil {
		return nil, wrapf(r.method, shown(), err)
	} else if waited > 0 && c.logf != nil {
		c.logf(ctx, "debug", "Held the call back while the API asked for a pause (429 Retry-After)",
			map[string]any{"method": r.method, "path": shown(), "waited_ms": waited.Milliseconds()})
	}
	resp, err := c.rc.Do(req) //nolint:bodyclose // drained and closed by the deferred drain below
	if err != nil {
		return nil, c.transportError(ctx, st, err)
	}
	defer drain(resp.Body)
	c.clock.note(resp.StatusCode, resp.Header, time.Now())
	res := &response{status: resp.StatusCode, header: resp.Header, retried: st.mayHaveActed}

	if resp.StatusCode >= 300 {
		// A server or proxy that echoes the request, or its headers, must not put a secret or the
		// token in an error. One pass over all of them, so that the end of a cut text is judged
		// by the secret that covers most of it.
		apiErr := newAPIError(resp, r.method, shown(), st.redactor())
		apiErr.Attempts = st.attempt
		_, apiErr.GivenToken = c.tokens.(staticToken)
		switch {
		case r.method == http.MethodDelete && resp.StatusCode == http.StatusNotFound && st.mayHaveActed:
			// An earlier attempt most likely deleted it and only its answer was lost.
			return res, nil
		case r.mode != retryIdempotent && resp.StatusCode >= 500 && answerMayHaveActed(resp.StatusCode):
			// A gateway lost the answer, or the server failed with no word on how far it got: it
			// may have committed before it failed.
			return res, &outcomeUnknownError{apiErr}
		case r.mode != retryIdempotent && st.mayHaveActed && resp.StatusCode != http.StatusConflict:
			// This answer speaks for the last attempt only; an earlier one may have been applied.
			// (A 409 after such an attempt is its echo, which the caller resolves.)
			return res, &outcomeUnknownError{apiErr}
		}
		return res, apiErr
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return res, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
		// A decoding error quotes the value it could not take (a timestamp, say), which a server
		// that echoes the request may have filled with a secret or the token.
		err = st.redactor().scrub(err)
		err = wrapf(r.method, shown(), fmt.Errorf("decoding %d response: %w", resp.StatusCode, err))
		if r.mode != retryIdempotent {
			// The create succeeded but we cannot tell what it created.
			return res, &outcomeUnknownError{err}
		}
		return res, err
	}
	return res, nil
}

// transportError turns a failure without a usable answer into an error for the caller.
func (c *Client) transportError(ctx context.Context, st *callState, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text repeats the full URL
	}
	// A peer that answers with something other than HTTP has its bytes quoted in the error, and
	// they may echo the request.
	err = st.redactor().scrub(err)
	var ne net.Error
	switch ctxErr := ctx.Err(); {
	case ctxErr != nil && !errors.Is(err, ctxErr):
		err = fmt.Errorf("%w (%w)", ctxErr, err)
	case ctxErr == nil && errors.As(err, &ne) && ne.Timeout():
		// The caller's context is fine, so this was the per-attempt timeout: say which.
		err = fmt.Errorf("no answer within the request timeout of %s: %w", c.timeout, err)
	}
	if st.attempt > 1 {
		err = fmt.Errorf("%w (the last of %d attempts)", err, st.attempt)
	}
	err = wrapf(st.method, st.shownPath(), err)
	// A failed token fetch means this attempt never went out, which says nothing about an
	// earlier one that may have been applied.
	var ae *authError
	if st.mode != retryIdempotent && (st.mayHaveActed || (st.wrote.Load() && !errors.As(err, &ae))) {
		return &outcomeUnknownError{err}
	}
	return err
}

// idFromLocation returns the id a Location header names in a collection, given by its path
// segments (such as "v1", "clients"), for creates whose body lacks the new id: the last segment
// of a path whose segments end in the collection's and one more, under whatever base path or
// host, compared unescaped (an opaque id may hold an escaped "/", escaped in either case).
// Anything else (the collection itself, a login page a gateway sent, a sub-resource) names no id.
func idFromLocation(h http.Header, collection ...string) string {
	loc := h.Get("Location")
	if loc == "" {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	var segs []string
	for _, s := range strings.Split(strings.Trim(u.EscapedPath(), "/"), "/") {
		seg, err := url.PathUnescape(s)
		if err != nil {
			return ""
		}
		segs = append(segs, seg)
	}
	n := len(segs) - 1
	if n < len(collection) || segs[n] == "" || !slices.Equal(segs[n-len(collection):n], collection) {
		return ""
	}
	return segs[n]
}

// seg escapes one path segment (ids are opaque and may contain anything).
func seg(s string) string { return url.PathEscape(s) }

// nonEmpty returns one error for the first empty required argument, so an empty id never turns a
// "get one" path into a list path; "." and ".." are refused too, as a path segment would take
// them for the current or parent directory (PathEscape leaves them alone).
func nonEmpty(op string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		switch pairs[i+1] {
		case "":
			return fmt.Errorf("iam: %s: %s is required", op, pairs[i])
		case ".", "..":
			return fmt.Errorf("iam: %s: %s %q is not an id", op, pairs[i], pairs[i+1])
		}
	}
	return nil
}
