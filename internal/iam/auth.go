package iam

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenExpiryDelta is how long before its expiry a token is replaced, so a token never runs out
// between being attached to a request and the server checking it (including a retry's wait).
const tokenExpiryDelta = time.Minute

// tokenProvider hands out the bearer token for API requests.
type tokenProvider interface {
	// token returns a valid access token; it gives up as soon as ctx is done.
	token(ctx context.Context) (string, error)
	// invalidate drops bad if it is still the cached token, and reports whether asking again
	// can give a different token.
	invalidate(bad string) bool
	// accepted notes that the API answered a request made with tok after checking the token: an
	// answer other than 401, 429 or 5xx (which a gateway may give without looking at it).
	accepted(tok string)
}

// staticToken is a token the user obtained elsewhere: it cannot be refreshed.
type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }
func (staticToken) invalidate(string) bool                  { return false }
func (staticToken) accepted(string)                         {}

// oauthTokens fetches tokens with the client credentials grant and caches them until a minute
// before they expire (see newCachedToken).
type oauthTokens struct {
	cc       *clientcredentials.Config
	tokenURL string // for error messages, without user info or query
	secret   string // only to scrub it from error texts
	hc       *http.Client

	cached atomic.Pointer[cachedToken] // lock-free fast path for the common case
	// refreshing is set while a refresh of a still usable token runs in the background.
	refreshing atomic.Bool

	mu sync.Mutex // serializes fetches; guards the field below
	// refused is the token endpoint's verdict on these credentials (see refusal), given to every
	// later caller instead of asking again: the credentials do not change in a provider process,
	// and each failed login counts towards a server's throttle of failed logins.
	refused error
	// failed is the last fetch's failure of any other kind (no answer, 5xx after the retries, a
	// 200 without a token), and failedAt when that fetch ended. The callers that queued behind it,
	// and those that come within tokenFailureReuse after it, take it as theirs: the fetch has
	// already been through the retries, and with every operation of an apply asking again in turn,
	// a token endpoint that is down cost each operation a full round of retries, one after
	// another, and took thousands of requests from a server already failing.
	failed   error
	failedAt time.Time
	// failureReuse is how long failed answers for the fetches that would follow it.
	failureReuse time.Duration
}

// tokenFailureReuse is oauthTokens.failureReuse.
const tokenFailureReuse = 10 * time.Second

func newOAuthTokens(cfg Config, hc *http.Client) *oauthTokens {
	o := &oauthTokens{
		cc: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			Scopes:       cfg.Scopes,
			// A fixed style: auto-detection sends a second token request (Basic first, then form)
			// whenever the first one fails, doubling failed logins and muddling their errors.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		tokenURL:     ShownURL(cfg.TokenURL),
		secret:       cfg.ClientSecret,
		hc:           hc,
		failureReuse: tokenFailureReuse,
	}
	return o
}

// cachedToken is a token with the time it should be replaced.
type cachedToken struct {
	tok       *oauth2.Token
	refreshAt time.Time // zero: never expires
	// replacement is set on a token fetched because the API refused the one before it, and
	// proven once the API has accepted it: a replacement refused before it was ever accepted says
	// that the API refuses this client's tokens, not that one token went stale.
	replacement bool
	proven      atomic.Bool
	// dropped marks a token the API refused, kept in the cache only to say that the next token
	// fetched replaces it; it is never handed out.
	dropped bool
}

// newCachedToken refreshes a minute before expiry, or half-way through the lifetime of a token
// that lives shorter than two minutes; otherwise such a token would be refetched for every use.
// sent is when the request that got the token was sent, where its life begins.
func newCachedToken(t *oauth2.Token, sent time.Time) *cachedToken {
	c := &cachedToken{tok: t}
	// An expiry no later than the request (a negative or zero expires_in) says nothing usable:
	// such a token is used until the API refuses it, rather than fetched anew for every call.
	if t.Expiry.After(sent) {
		c.refreshAt = t.Expiry.Add(-min(tokenExpiryDelta, t.Expiry.Sub(sent)/2))
	}
	return c
}

// usable reports a token the API should still take: not refused, and not expired (though perhaps
// past its refresh time). A refresh that fails hands it out rather than the failure: the refresh
// runs ahead of the expiry precisely so that a token endpoint's bad moment costs nothing.
func (c *cachedToken) usable() bool {
	return c != nil && !c.dropped && c.tok.AccessToken != "" && (c.tok.Expiry.IsZero() || time.Now().Before(c.tok.Expiry))
}

func (c *cachedToken) fresh() bool {
	return c != nil && !c.dropped && c.tok.AccessToken != "" && (c.refreshAt.IsZero() || time.Now().Before(c.refreshAt))
}

func (o *oauthTokens) token(ctx context.Context) (string, error) {
	c := o.cached.Load()
	if c.fresh() {
		return c.tok.AccessToken, nil
	}
	if c.usable() {
		// Past its refresh time but not expired: refresh in the background and use it meanwhile.
		// A caller that waited for the refresh would wait for all its retries (minutes, against a
		// slow or failing token endpoint), and every other call behind it, for a token that was
		// still good. The refresh keeps the caller's values (loggers), not its cancellation: the
		// caller does not wait for it.
		if o.refreshing.CompareAndSwap(false, true) {
			go func() {
				defer o.refreshing.Store(false)
				_, _ = o.fetch(context.WithoutCancel(ctx))
			}()
		}
		return c.tok.AccessToken, nil
	}
	// oauth2.TokenSource has no context. Fetch in the background so a cancelled caller returns at
	// once; the fetch itself finishes (bounded by the request timeout) and is cached for the
	// callers waiting behind it. Concurrent callers queue on o.mu, so only one request is made.
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		t, err := o.fetch(ctx)
		ch <- result{t, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return "", r.err
		}
		return r.tok.AccessToken, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// tokenFetchTimeout bounds one token fetch, retries included. The fetch outlives a cancelled
// caller (others wait for it too), so without this a token endpoint answering 429 could keep it,
// and everyone queued behind it, going through the whole 429 budget.
const tokenFetchTimeout = 5 * time.Minute

func (o *oauthTokens) fetch(ctx context.Context) (*oauth2.Token, error) {
	queued := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if c := o.cached.Load(); c.fresh() {
		return c.tok, nil
	}
	if o.refused != nil || o.failed != nil && (o.failedAt.After(queued) || time.Since(o.failedAt) < o.failureReuse) {
		if c := o.cached.Load(); c.usable() {
			return c.tok, nil // see usable
		}
		if o.refused != nil {
			return nil, o.refused
		}
		return nil, o.failed
	}
	if ctx.Err() != nil {
		// The caller gave up while it queued: nobody waits for this fetch (a caller still waiting
		// makes its own when its turn comes), so do not start one.
		return nil, ctx.Err()
	}
	// Keep the caller's values (loggers) but not its cancellation: the callers queued behind this
	// fetch take its token too. (A provider RPC's loggers are released when it returns; a fetch
	// that outlives it then logs nothing more, but never without its masks.)
	fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenFetchTimeout)
	defer cancel()
	t, sent, err := o.request(fetchCtx)
	if err != nil {
		if refusal(err) {
			o.refused = err
		} else {
			o.failed, o.failedAt = err, time.Now()
		}
		if c := o.cached.Load(); c.usable() {
			return c.tok, nil // see usable
		}
		return nil, err
	}
	o.failed = nil
	// The token's life, and so its refresh, counts from the send of the attempt that got it (see
	// expiryFromSend), not of the first: the request may have waited out minutes of 429s. A token
	// whose answer took longer than its life is then neither fresh nor usable: the next call
	// fetches another, rather than taking it for one that never expires.
	c := newCachedToken(t, cmp.Or(sent, time.Now()))
	prev := o.cached.Load()
	c.replacement = prev != nil && prev.dropped
	o.cached.Store(c)
	return t, nil
}

// invalidate never waits for a fetch in progress (which may take minutes): the caller answered 401
// may have been interrupted, and the fetch replaces the cached token anyway. A token that replaced
// a refused one and was refused in turn, never accepted, is kept, and asking again is pointless:
// the API refuses every token of these credentials (a token_url of another environment, another
// tenant), and fetching a new one for each call would only hammer the token endpoint with logins.
func (o *oauthTokens) invalidate(bad string) bool {
	c := o.cached.Load()
	if c == nil || c.dropped || c.tok.AccessToken != bad {
		return true // already replaced, or being replaced
	}
	if c.replacement && !c.proven.Load() {
		return false
	}
	o.cached.CompareAndSwap(c, &cachedToken{tok: c.tok, dropped: true})
	return true
}

// accepted proves the cached token, if it is tok (see cachedToken.replacement).
func (o *oauthTokens) accepted(tok string) {
	if c := o.cached.Load(); c != nil && c.replacement && !c.dropped && c.tok.AccessToken == tok && !c.proven.Load() {
		c.proven.Store(true)
	}
}

// request makes one token request (with this package's retries), and says when the attempt that
// got the token was sent. It runs with o.mu held.
func (o *oauthTokens) request(ctx context.Context) (*oauth2.Token, time.Time, error) {
	u, _ := url.Parse(o.cc.TokenURL)
	cs := &callState{method: http.MethodPost, path: u.EscapedPath(), mode: retryToken, secrets: []string{o.secret}}
	ctx = withCall(ctx, cs)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, o.hc)
	t, err := o.cc.Token(ctx)
	if err != nil {
		return nil, time.Time{}, newAuthError(o.tokenURL, o.secret, err)
	}
	expiryFromSend(t, cs.sent)
	return t, cs.sent, nil
}

// expiryFromSend counts a token's lifetime from when the request that got it was sent, not from
// when its answer arrived (as oauth2 does): the token endpoint starts the clock when it issues
// the token, and the answer may take long to arrive. Otherwise a short-lived token over a slow
// link is still taken for good after the API has begun refusing it.
func expiryFromSend(t *oauth2.Token, sent time.Time) {
	if !t.Expiry.IsZero() && !sent.IsZero() {
		t.Expiry = t.Expiry.Add(-time.Since(sent))
	}
}

// IsTokenError reports whether err is a failed request to the token endpoint, rather than an
// answer of the API.
func IsTokenError(err error) bool {
	var ae *authError
	return errors.As(err, &ae)
}

// refusal reports a token endpoint's answer about the credentials themselves (400 or 401:
// invalid_client, unauthorized_client, invalid_scope, ...), which asking again cannot change;
// not a 429, a 5xx or a request that got no answer.
func refusal(err error) bool {
	var ae *authError
	return errors.As(err, &ae) && ae.cause == nil && !throttlingTokenError(ae.code) && !ae.notOAuth() &&
		(ae.status == http.StatusBadRequest || ae.status == http.StatusUnauthorized)
}

// notOAuth: a 400 without an OAuth error code, which a token endpoint always gives with one (RFC
// 6749 §5.2): something else answered (a server that speaks https asked in http, a gateway), and
// said nothing of the credentials.
func (e *authError) notOAuth() bool {
	return e.status == http.StatusBadRequest && e.code == "" && e.cause == nil && !e.noTokenAnswer
}

// authError is a failed token request. Its text names the token URL and the RFC 6749 error code
// and description; it never holds the client secret.
type authError struct {
	tokenURL    string
	status      int
	code        string
	description string
	cause       error // network-level cause, already scrubbed
	// bearerChallenge: a 401 without an OAuth error code that asks for a bearer token — what a
	// resource server (the API on a wrong URL) answers, not a token endpoint, which has no use
	// for a bearer token and answers a refusal with an error code.
	bearerChallenge bool
	// noTokenAnswer: a success whose body is no token response (a sign-in page, an empty body):
	// what a URL that is no token endpoint answers.
	noTokenAnswer bool
}

func newAuthError(tokenURL, secret string, err error) *authError {
	r := newRedactor(secret)
	scrub := r.shown
	// A secret pasted into the token URL's path by mistake is in it too.
	e := &authError{tokenURL: scrub(tokenURL)}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		ct := ""
		if re.Response != nil {
			e.status = re.Response.StatusCode
			ct = re.Response.Header.Get("Content-Type")
			challenge := strings.ToLower(strings.TrimSpace(re.Response.Header.Get("WWW-Authenticate")))
			e.bearerChallenge = e.status == http.StatusUnauthorized && (challenge == "bearer" || strings.HasPrefix(challenge, "bearer "))
		}
		// oauth2 decoded error and error_description from the body (a form body turns "+" into
		// " "), which can rewrite an echo of the secret beyond recognition. Redact the body as it
		// came, as newAPIError does, and decode the fields again from what is left of it.
		body := r.body(re.Body, len(re.Body))
		code, description := re.ErrorCode, re.ErrorDescription
		if !bytes.Equal(body, re.Body) {
			code, description = tokenErrorFields(body, ct)
		}
		e.code = scrub(readable(code))
		e.description = scrub(readable(description))
		e.bearerChallenge = e.bearerChallenge && e.code == ""
		if e.code == "" && e.description == "" {
			// Not an OAuth answer: a problem+json (a gateway's, or an API's on a wrong URL) reads
			// better as its title and detail than as raw JSON cut off.
			p := APIError{StatusCode: e.status}
			if decodeProblem(&p, body, ct) && (p.Title != "" || p.Detail != "" || len(p.FieldErrors) > 0) {
				e.description = scrub(strings.TrimPrefix(p.problemText(), ": "))
			} else {
				e.description = scrub(snippet(body, ct))
			}
		}
		return e
	}
	// Unwrap *url.Error: its text repeats the token URL, which the message already names.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	} else {
		// golang.org/x/oauth2's words for a success that is no token response: a body that is no
		// JSON object at all (a sign-in page, nothing, a list), no form, or one without an access token. Not a
		// token response with one field it cannot read (an expires_in of "1h"): that is a token
		// endpoint, if an odd one.
		msg := err.Error()
		// (A value of the wrong kind as a whole, such as [] or "OK", reads "into Go value of type";
		// one field of the wrong kind "into Go struct field".)
		notJSON := strings.HasPrefix(msg, "oauth2: cannot parse json: ") &&
			(strings.Contains(msg, "invalid character") || strings.Contains(msg, "unexpected end of JSON input") ||
				strings.Contains(msg, "into Go value of type"))
		e.noTokenAnswer = notJSON || strings.HasPrefix(msg, "oauth2: cannot parse response") ||
			strings.Contains(msg, "server response missing access_token")
	}
	e.cause = r.scrub(err)
	return e
}

// tokenErrorFields reads error and error_description from a token endpoint's error body the way
// oauth2 does: a form for form and plain-text bodies, JSON otherwise.
func tokenErrorFields(body []byte, contentType string) (code, description string) {
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "application/x-www-form-urlencoded", "text/plain":
		v, _ := url.ParseQuery(string(body)) // what parses of a malformed form still counts
		return v.Get("error"), v.Get("error_description")
	}
	var j struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &j) != nil {
		return "", ""
	}
	return j.Error, j.ErrorDescription
}

func (e *authError) Error() string {
	var b strings.Builder
	if e.noTokenAnswer {
		b.WriteString("the answer of ")
		b.WriteString(e.tokenURL)
		b.WriteString(" to a token request was no token response: ")
		b.WriteString(e.cause.Error())
		return b.String()
	}
	if e.cause != nil {
		// No answer came back: nothing was said about the credentials yet.
		b.WriteString("requesting a token from ")
		b.WriteString(e.tokenURL)
		b.WriteString(" failed: ")
		b.WriteString(e.cause.Error())
		return b.String()
	}
	switch {
	case e.status == http.StatusTooManyRequests || e.status >= 500 || throttlingTokenError(e.code):
		// Not now, or broken: nothing was said about the credentials.
		b.WriteString("the token endpoint at ")
		b.WriteString(e.tokenURL)
		b.WriteString(" issued no token: ")
	case e.code == "invalid_scope":
		// The credentials were good; a scope asked for was not.
		b.WriteString("the token endpoint at ")
		b.WriteString(e.tokenURL)
		b.WriteString(" refused the scopes asked for: ")
	case e.notOAuth():
		b.WriteString(e.tokenURL)
		b.WriteString(" did not answer as a token endpoint: ")
	default:
		b.WriteString("authentication failed at ")
		b.WriteString(e.tokenURL)
		b.WriteString(": ")
	}
	switch {
	case e.code != "":
		b.WriteString(e.code)
		if e.description != "" {
			b.WriteString(": ")
			b.WriteString(e.description)
		}
	default:
		fmt.Fprintf(&b, "%d %s", e.status, http.StatusText(e.status))
		if e.description != "" {
			b.WriteString(": ")
			b.WriteString(e.description)
		}
	}
	return b.String()
}

func (e *authError) Unwrap() error { return e.cause }

// Is maps RFC 6749 error codes onto the package's sentinel errors.
func (e *authError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		// A 401 invalid_scope (CONTRACT.md §1 allows 400 or 401) accepted the credentials: only a
		// scope was refused, which is ErrForbidden's and ErrInvalidScope's.
		return e.code == "invalid_client" || e.code == "unauthorized_client" || e.code == "invalid_grant" ||
			e.status == http.StatusUnauthorized && !e.bearerChallenge && e.code != "invalid_scope"
	case ErrForbidden:
		return e.code == "invalid_scope" || e.status == http.StatusForbidden
	case ErrInvalidScope:
		return e.code == "invalid_scope"
	case ErrGrantNotAllowed:
		return e.code == "unauthorized_client"
	case ErrValidation:
		return e.code == "invalid_request" || e.code == "unsupported_grant_type"
	case ErrRateLimited:
		return e.status == http.StatusTooManyRequests || throttlingTokenError(e.code)
	case ErrNoTokenEndpoint:
		return e.noTokenAnswer || e.notOAuth() || e.code == "" && (e.status == http.StatusNotFound || e.status == http.StatusMethodNotAllowed ||
			e.status == http.StatusGone || e.bearerChallenge)
	}
	return false
}

// TokenRequest asks the token endpoint for an access token with the client credentials grant.
type TokenRequest struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string     // empty: no scope parameter, the token gets all the client's scopes
	HTTPClient   *http.Client // nil: a client with a 30s timeout
	// MaxRetries bounds the retries of 5xx answers and failures without an answer, as for API
	// calls; 429s are retried after their Retry-After within their own budget. 0: the default;
	// below 0: none.
	MaxRetries int
}

// Token is an access token issued by the token endpoint.
type Token struct {
	AccessToken string
	TokenType   string
	Scope       string // space separated, as granted (the requested scopes when the server omits it)
	ExpiresAt   time.Time
}

// ExchangeToken asks the token endpoint for a token, without a Client: it backs the ephemeral
// access-token resource and checks that a secret works. A refusal (400, 401) is final, as the
// caller wants the endpoint's word on the credentials; a 429, a 5xx or a failure without an
// answer is retried as a Client's own token request is, within tokenFetchTimeout. Errors never
// contain the secret.
func ExchangeToken(ctx context.Context, req TokenRequest) (*Token, error) {
	switch {
	case req.TokenURL == "":
		return nil, errors.New("iam: a token URL is required")
	case req.ClientID == "":
		return nil, errors.New("iam: a client ID is required")
	case req.ClientSecret == "":
		return nil, errors.New("iam: a client secret is required")
	}
	if err := checkURL(req.TokenURL); err != nil {
		return nil, fmt.Errorf("iam: token URL: %w", err)
	}
	hc := &http.Client{Timeout: defaultRequestTimeout}
	if req.HTTPClient != nil {
		c := *req.HTTPClient
		hc = &c
	}
	hc.CheckRedirect = noRedirects // the form carries the secret; never resend it elsewhere
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = &bufferingTransport{next: next}
	retries := Config{MaxRetries: req.MaxRetries}.withRetryDefaults()
	hc = &http.Client{Transport: &retryablehttp.RoundTripper{Client: newRetryClient(retries, hc, nil)}, CheckRedirect: noRedirects}
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	u, _ := url.Parse(req.TokenURL)
	cs := &callState{method: http.MethodPost, path: u.EscapedPath(), mode: retryToken, secrets: []string{req.ClientSecret}}
	ctx = withCall(ctx, cs)
	cc := &clientcredentials.Config{
		ClientID:     req.ClientID,
		ClientSecret: req.ClientSecret,
		TokenURL:     req.TokenURL,
		Scopes:       req.Scopes,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	start := time.Now()
	t, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, newAuthError(ShownURL(req.TokenURL), req.ClientSecret, err)
	}
	expiryFromSend(t, cs.sent)
	tok := &Token{AccessToken: t.AccessToken, TokenType: t.TokenType, ExpiresAt: t.Expiry}
	if s, ok := t.Extra("scope").(string); ok {
		tok.Scope = s
	} else {
		tok.Scope = strings.Join(req.Scopes, " ")
	}
	if tok.ExpiresAt.IsZero() {
		// expires_in missing: clientcredentials leaves Expiry zero. Fall back to expires_in if a
		// server sent it as a string, otherwise leave zero (unknown).
		if v, ok := t.Extra("expires_in").(string); ok {
			if d, err := time.ParseDuration(v + "s"); err == nil {
				tok.ExpiresAt = cmp.Or(cs.sent, start).Add(d)
			}
		}
	}
	return tok, nil
}
