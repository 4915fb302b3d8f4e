package iam

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryMode says which failures of a call may be retried without changing its meaning.
type retryMode int

const (
	// retryIdempotent: GET, PUT, DELETE (and adding group members, a no-op when repeated).
	// Repeating them is harmless, so every 429, 5xx and network error is retried.
	retryIdempotent retryMode = iota
	// retryCreate: a POST that creates an object with a server-chosen id. It is retried only when
	// the server cannot have acted on it, because a repeat could create a duplicate.
	retryCreate
	// retryIdentityCreate: a POST whose body is the object's identity (a policy triple). A repeat
	// cannot duplicate; at worst it answers 409, which the caller resolves.
	retryIdentityCreate
	// retryToken: a token request; a second token is harmless.
	retryToken
)

// callState follows one logical call across its HTTP attempts. Everything except wrote is used
// only on the goroutine running retryablehttp.Client.Do.
type callState struct {
	method string
	path   string // API path with query, for logs and errors
	mode   retryMode

	attempt int
	// sent is when the current attempt started: a token's lifetime counts from there (see
	// expiryFromSend).
	sent time.Time
	// wrote is set once the current attempt's request was fully handed to the connection; only
	// then can the server have acted on it. Set from the transport's write goroutine.
	wrote atomic.Bool
	// mayHaveActed is set when an earlier attempt may have been applied (5xx, or a network error
	// after the request was written); a later 404 on DELETE or 409 on a policy create is then the
	// echo of that attempt rather than a real failure.
	mayHaveActed bool
	reauthed     bool
	token        string // token sent on the current attempt, to invalidate exactly it on 401
	// secrets are what must not appear in a log line of the call even if the server echoes it:
	// the request's secret values and the client's own credentials (token aside).
	secrets []string
	// guard is the CreateContext of a create, told when the call may have been applied.
	guard *createGuard
	// retries counts the retries spent against Config.MaxRetries; rateLimited the retries of 429
	// answers, which have their own budget (see maxRateLimitRetries).
	retries, rateLimited int
	// redacting caches redactor's answer for the token it was made with: building one encodes
	// every secret in every form, which every answer with a trace id would otherwise repeat.
	redactingMu sync.Mutex
	redacting   *redactor
	redactedTok string
	// throttled is set when the current attempt was a token request answered 400 with an OAuth
	// error that says "not now" (see throttledTokenAnswer): it is retried as a 429 is.
	throttled bool
	// deadline is the caller's (zero: none), noted by checkRetry for backoff, which sees only the
	// attempt's request, whose context also ends with the per-attempt request timeout.
	deadline time.Time
}

// shownPath is the call's path as errors and logs show it, redacted. The path is ours: a secret
// gets into it only as an id or a filter, escaped as paths and queries escape, which a quick look
// finds before the redactor (which every attempt's log line would otherwise build) is needed.
func (st *callState) shownPath() string {
	// Unescaped, the path holds the secret as it is, however it was escaped (a token URL's path
	// is the user's); a query escapes a space as "+", which unescaping a path leaves.
	unescaped := UnescapePercent(st.path)
	for _, s := range st.secrets {
		if s != "" && (strings.Contains(st.path, s) || strings.Contains(unescaped, s) || strings.Contains(st.path, url.QueryEscape(s))) {
			return st.redactor().text(st.path)
		}
	}
	return st.path
}

// redactor redacts the call's secrets and the token of its current attempt.
func (st *callState) redactor() *redactor {
	st.redactingMu.Lock()
	defer st.redactingMu.Unlock()
	if st.redacting == nil || st.redactedTok != st.token {
		st.redacting, st.redactedTok = newRedactor(slices.Concat(st.secrets, []string{st.token})...), st.token
	}
	return st.redacting
}

// maxRateLimitRetries bounds the retries of one call answered 429. They do not count against
// Config.MaxRetries: a 429 says the request was not processed and when to come back, and with many
// parallel operations sharing one quota a call may be turned away many times in a row before its
// turn comes. So a rate-limited call keeps waiting, within its context's deadline (the resource
// timeouts), instead of failing the run after a few tries. The bound only matters to callers
// without a deadline.
const maxRateLimitRetries = 100

type callKey struct{}

func withCall(ctx context.Context, st *callState) context.Context {
	return context.WithValue(ctx, callKey{}, st)
}

func callFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(callKey{}).(*callState)
	return st
}

// newRetryClient builds a retryablehttp.Client with this package's retry policy. Its own logger is
// disabled: it would print URLs at its own levels, and we log per attempt ourselves.
func newRetryClient(cfg Config, hc *http.Client, tokens tokenProvider) *retryablehttp.Client {
	// API calls and token requests carry a callState, so spendRetry keeps the budgets apart and
	// this is only the outer bound: MaxRetries for failures, maxRateLimitRetries for 429s, and
	// the one repeat with a new token after a 401. With MaxRetries 0, 429s and that repeat still
	// happen: neither retries a failure.
	// Saturated: a MaxRetries near the top of int would overflow the sum and turn retries off.
	retryMax := min(cfg.MaxRetries, math.MaxInt-maxRateLimitRetries-1) + maxRateLimitRetries + 1
	return &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       nil,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     retryMax,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			retry, err := checkRetry(ctx, resp, err, tokens)
			if retry {
				retry = spendRetry(callFrom(ctx), resp, cfg.MaxRetries)
			}
			if !retry {
				return false, err
			}
			attempt := 0
			if st := callFrom(ctx); st != nil {
				attempt = st.attempt - 1
			}
			wait, demanded := backoff(cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.RetryAfterMax, attempt, resp)
			if !demanded {
				wait = fitBackoff(ctx, wait, cfg.RetryWaitMin)
			}
			return waitToRetry(ctx, wait)
		},
		// The wait is taken in CheckRetry (waitToRetry), which sees the caller's context: Backoff
		// does not, and gets no response to find it by after a transport error.
		Backoff: func(time.Duration, time.Duration, int, *http.Response) time.Duration { return 0 },
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, i int) {
			if st := callFrom(req.Context()); st != nil {
				st.attempt = i + 1
				st.sent = time.Now()
				st.wrote.Store(false)
			}
		},
		// Hand back the last response or error untouched; do() turns them into typed errors.
		ErrorHandler: func(resp *http.Response, err error, _ int) (*http.Response, error) {
			if err != nil {
				if resp != nil {
					drain(resp.Body)
				}
				return nil, err
			}
			return resp, nil
		},
	}
}

// checkRetry is the retry policy; see retryMode for the reasoning per kind of call.
func checkRetry(ctx context.Context, resp *http.Response, err error, tokens tokenProvider) (bool, error) {
	st := callFrom(ctx)
	if st == nil {
		st = &callState{mode: retryIdempotent}
	}
	st.deadline, _ = ctx.Deadline()
	acted := attemptMayHaveActed(resp, st.wrote.Load())
	if resp != nil && !acted {
		// The answer says this attempt was not applied, whatever was written.
		st.wrote.Store(false)
	}
	if ctx.Err() != nil {
		// The operation's deadline (a create's guard never cancels while an attempt runs).
		if st.guard != nil {
			st.guard.settled(st.mayHaveActed || acted, false)
		}
		return false, ctx.Err()
	}
	retry, retryErr := retryDecision(st, resp, err, tokens)
	if st.guard != nil {
		// An interrupt stops a create before a retry; a final answer, a refusal included, goes
		// back to the caller as it is (it says more than "context canceled").
		st.guard.settled(st.mayHaveActed || acted, retry)
		if retry && ctx.Err() != nil {
			return false, ctx.Err()
		}
	}
	return retry, retryErr
}

// retryDecision decides whether the attempt that got resp or err is retried.
func retryDecision(st *callState, resp *http.Response, err error, tokens tokenProvider) (bool, error) {
	st.throttled = false
	if err != nil {
		if permanent(err) {
			return false, err
		}
		written := st.wrote.Load()
		switch st.mode {
		case retryCreate:
			// Nothing reached the server (refused, DNS, TLS, dial timeout): safe to repeat.
			// Otherwise a repeat could create the object twice.
			return !written, nil
		default:
			st.mayHaveActed = st.mayHaveActed || written
			return true, nil
		}
	}
	code := resp.StatusCode
	st.throttled = st.mode == retryToken && code == http.StatusBadRequest && throttledTokenAnswer(resp)
	switch {
	case code == http.StatusTooManyRequests, st.throttled:
		// Rate limiting is decided before the request is processed.
		return true, nil
	case code == http.StatusUnauthorized:
		// The token may have been revoked or expired early: fetch a new one once. 401 is checked
		// before anything else, so even a create is safe to repeat.
		if st.mode != retryToken && !st.reauthed && tokens != nil && tokens.invalidate(st.token) {
			st.reauthed = true
			return true, nil
		}
		return false, nil
	case code >= 500 && code != http.StatusNotImplemented && code != http.StatusHTTPVersionNotSupported:
		if st.mode == retryCreate {
			// A 503 with Retry-After is a documented "not now"; other 5xx may follow a commit.
			return code == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "", nil
		}
		// A policy create answered 503 was not processed; any other 5xx may follow a commit.
		st.mayHaveActed = st.mayHaveActed || st.mode != retryIdentityCreate || answerMayHaveActed(code)
		return true, nil
	}
	return false, nil
}

// waitToRetry waits d before a retry. A wait the caller's deadline cannot see through is not
// begun: the retry could only end in a bare "context deadline exceeded" in place of the server's
// last answer (its status, problem detail and trace id) or the transport's error, which say what
// went wrong. That answer goes back now instead, as when the retries run out.
func waitToRetry(ctx context.Context, d time.Duration) (bool, error) {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return false, nil
	}
	if d <= 0 {
		return true, nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false, ctx.Err()
	case <-t.C:
		return true, nil
	}
}

// fitBackoff shortens a backoff of our own choosing (never a server's Retry-After, which is its
// demand) to half of what the caller's deadline leaves, while that half is at least minWait: a wait
// drawn past the deadline would end the call at once with the last failure, when a shorter one
// still had time for another try. Less than that left, the draw stands (and mostly ends the call).
func fitBackoff(ctx context.Context, wait, minWait time.Duration) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return wait
	}
	if half := time.Until(deadline) / 2; half >= minWait && wait > half {
		return half
	}
	return wait
}

// spendRetry takes one retry from the call's budget and reports whether there was one left: 429
// answers spend maxRateLimitRetries, everything else maxRetries.
func spendRetry(st *callState, resp *http.Response, maxRetries int) bool {
	if st == nil {
		return true // no per-call bookkeeping: retryablehttp's RetryMax bounds it
	}
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || st.throttled) {
		st.rateLimited++
		return st.rateLimited <= maxRateLimitRetries
	}
	if resp != nil && resp.StatusCode == http.StatusUnauthorized {
		return true // checkRetry allows it once per call (reauthed)
	}
	st.retries++
	return st.retries <= maxRetries
}

// permanent reports transport errors that a retry cannot fix.
func permanent(err error) bool {
	var ae *authError
	switch {
	case errors.As(err, &ae), IsCertificateError(err):
		return true
	case strings.Contains(err.Error(), "unsupported protocol scheme"),
		// A request Go refuses to send (a token with a line break in its header) never changes.
		strings.Contains(err.Error(), "invalid header field"):
		return true
	}
	return false
}

// IsCertificateError reports whether err is a server certificate this machine does not trust, or
// one for another host name.
func IsCertificateError(err error) bool {
	var uae x509.UnknownAuthorityError
	var cve *tls.CertificateVerificationError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	return errors.As(err, &uae) || errors.As(err, &cve) || errors.As(err, &hne) || errors.As(err, &cie)
}

// backoff is capped exponential backoff with full jitter, so 50 parallel callers hit by the same
// 5xx do not come back in lockstep. A Retry-After on 429/503 wins, capped by retryAfterMax, plus
// up to half of it again at random: it says "not before", and the parallel callers a rate limit
// turned away at once would otherwise all come back in the same instant, where a token bucket
// lets only its burst through and turns the rest away for another round (measured: 20 requests/s
// allowed, about 5/s achieved). demanded reports that the wait is the server's Retry-After, which
// the caller must not shorten; a Retry-After on any other status is not honoured, and not reported.
func backoff(minWait, maxWait, retryAfterMax time.Duration, attemptNum int, resp *http.Response) (wait time.Duration, demanded bool) {
	if resp != nil {
		code := resp.StatusCode
		if resp.Request != nil {
			if st := callFrom(resp.Request.Context()); st != nil && st.throttled {
				code = http.StatusTooManyRequests // a token endpoint's 400 slow_down
			}
		}
		switch code {
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				// At least minWait: "Retry-After: 0", or a date our clock has passed, would
				// otherwise spend every retry back to back on a server that is overloaded.
				d = max(min(d, retryAfterMax), minWait)
				jitter := rand.N(d/2 + 1)
				// waitToRetry retries only when the caller's deadline leaves more than the wait; the
				// jitter takes at most half of what is left beyond d, so the repeat still has time
				// to get an answer rather than a bare "context deadline exceeded".
				if resp.Request != nil {
					if st := callFrom(resp.Request.Context()); st != nil && !st.deadline.IsZero() {
						jitter = max(min(jitter, (time.Until(st.deadline)-d)/2), 0)
					}
				}
				return d + jitter, true
			}
		case http.StatusUnauthorized:
			return 0, false // re-authentication, not overload
		}
	}
	ceiling := maxWait
	if attemptNum < 32 {
		if d := minWait << attemptNum; d > 0 && d < maxWait {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0, false
	}
	return rand.N(ceiling + 1), false
}

// retryAfter parses Retry-After as delta seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && v[0] != '-' {
		// More seconds than int64 holds is still "later than any cap", not no answer: taken
		// for none, it would retry at once and leave the other calls unpaced.
		secs, err = math.MaxInt64, nil
	}
	if err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// authTransport adds the bearer token per attempt, so a retry after a refresh uses the new token.
type authTransport struct {
	next   http.RoundTripper
	tokens tokenProvider
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.tokens.token(req.Context())
	if err != nil {
		return nil, err
	}
	if st := callFrom(req.Context()); st != nil {
		st.token = tok
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	resp, err := t.next.RoundTrip(r)
	// Only an answer the API gives after it checked the token (CONTRACT.md §9: 401 comes first)
	// proves it: a 429 or a 5xx may come from a gateway that never looked at it.
	if err == nil && resp.StatusCode < http.StatusInternalServerError &&
		resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
		t.tokens.accepted(tok)
	}
	return resp, err
}

// maxBufferedBody is how much of an answer bufferingTransport reads before handing it on; the
// API's largest answer, a page of 200 entries, is a small fraction of it.
const maxBufferedBody = 16 << 20

// bufferingTransport reads each answer's body (up to maxBufferedBody) before the answer leaves the
// attempt. A connection that breaks, or an attempt that times out, halfway through the body of a
// call that may be repeated (a read, an update, a delete, a token request, a policy create, whose
// repeat a 409 resolves) is then a failure of the attempt, which the retry policy retries, instead
// of a decoding error after the retries are over. A client or secret create is never repeated
// once sent, so its answer goes on with what of its body came: its status and headers (a Location
// naming what it made) still say what happened.
//
// Like loggingTransport, it does not implement CloseIdleConnections.
type bufferingTransport struct{ next http.RoundTripper }

func (t *bufferingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Body == nil || resp.Body == http.NoBody {
		return resp, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBufferedBody))
	rest := resp.Body
	if st := callFrom(req.Context()); err != nil && answerMayHaveActed(resp.StatusCode) &&
		(st == nil || st.mode != retryCreate) {
		_ = rest.Close()
		return nil, fmt.Errorf("reading the %d answer: %w", resp.StatusCode, err)
	}
	// An answer that says the request was not applied (a 429, a 503, a 4xx) says what counts in
	// its status, and so does a create's: it goes on with what of its body came.
	if err != nil || len(body) < maxBufferedBody {
		_ = rest.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), rest), rest}
	}
	return resp, nil
}

// loggingTransport sits right above the connection pool: it records whether the request was
// written (for the retry policy), sets the User-Agent on token requests and logs each attempt.
//
// It deliberately does not implement CloseIdleConnections: retryablehttp closes idle connections
// whenever one call gives up, which would throw away the pool shared by all parallel calls.
type loggingTransport struct {
	next      http.RoundTripper
	log       func(ctx context.Context, level string, msg string, fields map[string]any)
	userAgent string
}

func (t *loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := callFrom(ctx)
	if st != nil && st.guard != nil && !st.guard.begin(st.mode == retryIdentityCreate) {
		// Interrupted before this attempt of a create went out: stop here (see CreateContext).
		return nil, context.Canceled
	}
	if st != nil {
		req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { st.wrote.Store(true) },
		}))
	}
	if req.Header.Get("User-Agent") == "" {
		if st == nil {
			req = req.Clone(req.Context())
		} else {
			req.Header = req.Header.Clone() // req is already our shallow copy
		}
		req.Header.Set("User-Agent", t.userAgent)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	if t.log == nil {
		return resp, err
	}
	fields := map[string]any{
		"method":      req.Method,
		"path":        req.URL.RequestURI(),
		"attempt":     1,
		"duration_ms": time.Since(start).Milliseconds(),
		"status":      0,
		"trace_id":    "",
	}
	if st != nil {
		fields["path"] = st.shownPath()
		fields["attempt"] = st.attempt
	}
	// The server's words (a trace id, or its bytes quoted in an error) may echo the request: the
	// logger's masks know the configured credentials as they are, not a fetched token or an
	// encoded or escaped echo.
	redact := func(s string) string {
		if s == "" || st == nil {
			return s
		}
		return st.redactor().text(s)
	}
	if err != nil {
		fields["error"] = redact(err.Error())
	} else {
		fields["status"] = resp.StatusCode
		fields["trace_id"] = redact(traceID(resp))
	}
	t.log(ctx, "debug", "IAM API request", fields)
	return resp, err
}

// traceID finds the trace id of a response. For error answers it peeks into the (small, bounded)
// problem body and puts the bytes back, so the caller still reads the whole body.
func traceID(resp *http.Response) string {
	if id := headerTraceID(resp.Header); id != "" || resp.StatusCode < 400 || resp.Body == nil {
		return id
	}
	body, err := peekBody(resp)
	if err != nil {
		return ""
	}
	var p struct {
		TraceID string `json:"traceId"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return readable(p.TraceID) // decoded, as APIError does, so redaction finds an escaped echo
}

// throttledTokenAnswer reports whether a token endpoint's 400 is an OAuth error that asks to come
// back later rather than one about the request: slow_down (RFC 8628, which some servers send for
// client_credentials too) or temporarily_unavailable (RFC 6749, 4.1.2.1). The body is put back.
func throttledTokenAnswer(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	body, err := peekBody(resp)
	if err != nil {
		return false
	}
	code, _ := tokenErrorFields(body, resp.Header.Get("Content-Type"))
	return throttlingTokenError(code)
}

// peekBody reads the start of an error answer's body (bounded by maxErrorBody) and puts the bytes
// back, so whoever reads the body next still reads all of it.
func peekBody(resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	return body, err
}

// throttlingTokenError reports whether an OAuth error code asks the client to come back later.
func throttlingTokenError(code string) bool {
	return code == "slow_down" || code == "temporarily_unavailable"
}

// drain reads what is left of a body (bounded) and closes it, so the connection goes back to the
// pool instead of being torn down.
func drain(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 1<<20))
	_ = body.Close()
}
