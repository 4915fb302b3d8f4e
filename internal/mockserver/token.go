package mockserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Throttling of failed client authentication (per client id).
const (
	failWindow       = time.Minute
	defaultFailLimit = 10
	// maxFailureIDs bounds how many client ids the throttle remembers failures of.
	maxFailureIDs = 10000
	// maxClientIDLength bounds the made-up client ids the throttle remembers failures of (the
	// API's are GUIDs), so its memory stays small.
	maxClientIDLength = 256
)

// tokenError is an RFC 6749 §5.2 error body.
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

type tokenOK struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// noStore are the headers RFC 6749 §5.1 requires on token responses.
func noStore() http.Header {
	return http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
}

func tokenErr(status int, code, desc string) response {
	return response{status: status, header: noStore(), body: tokenError{Error: code, Description: desc}}
}

func (s *Server) tokenHandler(w http.ResponseWriter, r *http.Request) {
	resp, ok := s.applyFaults(r, s.faults.plan(false, false))
	if ok {
		resp = s.issueToken(r)
	} else {
		resp = tokenFault(resp)
	}
	route := "/connect/token"
	if r.PathValue("tenant") != "" {
		route = "/{tenant}/connect/token"
	}
	s.stats.record(r.Method, route, resp.status)
	write(w, resp)
}

// tokenFault answers an injected fault the way the token endpoint answers everything (RFC 6749
// §5.2), not as problem+json: same status and Retry-After.
func tokenFault(fault response) response {
	code, desc := "temporarily_unavailable", "the token service is temporarily unavailable; retry later"
	if fault.status == http.StatusTooManyRequests {
		code, desc = "slow_down", "too many requests; retry later"
	}
	resp := tokenErr(fault.status, code, desc)
	if ra := fault.header.Get("Retry-After"); ra != "" {
		resp.header.Set("Retry-After", ra)
	}
	return resp
}

// issueToken implements the client_credentials grant (CONTRACT.md §1, §9).
func (s *Server) issueToken(r *http.Request) response {
	if r.Header.Get("Origin") != "" {
		// A form POST is one a browser sends from any web page without asking first: a page the
		// developer visits could spend a client's failed attempts and lock it out (see throttled).
		// No client_credentials client runs in a browser; tests and tools send no Origin.
		return tokenErr(http.StatusBadRequest, "invalid_request",
			"the mock's token endpoint does not answer requests from web pages (a request with an Origin header)")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxBodyBytes)
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "" && mt != "application/x-www-form-urlencoded" {
		// ParseForm would read no body at all and report the first parameter missing.
		return tokenErr(http.StatusBadRequest, "invalid_request",
			fmt.Sprintf("the request body must be application/x-www-form-urlencoded (RFC 6749 §4.4.2), not %s", mt))
	}
	if err := r.ParseForm(); err != nil {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return tokenErr(http.StatusBadRequest, "invalid_request", "the "+bodyTooLarge)
		}
		return tokenErr(http.StatusBadRequest, "invalid_request", "the request body is not a valid form")
	}
	form := r.PostForm
	for _, k := range []string{"grant_type", "client_id", "client_secret", "scope"} {
		if len(form[k]) > 1 {
			return tokenErr(http.StatusBadRequest, "invalid_request", fmt.Sprintf("parameter %s is repeated", k))
		}
	}
	basicID, basicSecret, basic := r.BasicAuth()
	if !basic && r.Header.Get("Authorization") != "" {
		// RFC 6749 §5.2: a client that tried to authenticate with the Authorization header and
		// failed gets 401 with WWW-Authenticate, whatever else the request holds.
		resp := tokenErr(http.StatusUnauthorized, "invalid_client", "client authentication failed: the Authorization header is not HTTP Basic credentials")
		resp.header.Set("WWW-Authenticate", `Basic realm="aritma-mock"`)
		return resp
	}
	if basic {
		// RFC 6749 §2.3.1: Basic credentials are form-urlencoded first.
		if v, err := url.QueryUnescape(basicID); err == nil {
			basicID = v
		}
		if v, err := url.QueryUnescape(basicSecret); err == nil {
			basicSecret = v
		}
		if form.Has("client_id") || form.Has("client_secret") {
			return tokenErr(http.StatusBadRequest, "invalid_request", "client credentials must be sent either with HTTP Basic or in the form, not both")
		}
	}
	grant := form.Get("grant_type")
	switch {
	case grant == "":
		return tokenErr(http.StatusBadRequest, "invalid_request", "grant_type is required")
	case grant != "client_credentials":
		return tokenErr(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant type %q is not supported; only client_credentials is", grant))
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if basic {
		clientID, secret = basicID, basicSecret
	}
	invalidClient := func(desc string) response {
		resp := tokenErr(http.StatusUnauthorized, "invalid_client", desc)
		if basic {
			resp.header.Set("WWW-Authenticate", `Basic realm="aritma-mock"`)
		}
		return resp
	}
	if clientID == "" {
		return invalidClient("client authentication failed: no client credentials")
	}
	now := s.now()
	if wait := s.throttled(clientID, now); wait > 0 {
		resp := tokenErr(http.StatusTooManyRequests, "slow_down", "too many failed authentication attempts for this client; retry later")
		resp.header.Set("Retry-After", strconv.Itoa(wait))
		return resp
	}

	s.mu.RLock()
	c := s.st.clients[clientID]
	matched := false
	var grantTypes, allowed []string
	if c != nil {
		grantTypes, allowed = c.GrantTypes, c.Scopes
		// Compare against every live secret so timing does not reveal which one matched.
		for _, sec := range s.st.secrets[clientID] {
			ok := secretMatches(secret, sec)
			if ok && (sec.Expiration == nil || now.Before(*sec.Expiration)) {
				matched = true
			}
		}
	}
	if len(s.st.secrets[clientID]) == 0 {
		// Hash and compare all the same, so an unknown client id answers as slowly as a known one.
		secretMatches(secret, &unknownClient)
	}
	s.mu.RUnlock()
	if tenant := r.PathValue("tenant"); matched && tenant != "" && tenant != s.tenant {
		// The client exists only in our tenant.
		matched = false
	}
	if !matched || secret == "" {
		s.recordFailure(clientID, c != nil, now)
		return invalidClient("client authentication failed")
	}
	if !slices.Contains(grantTypes, "client_credentials") {
		return tokenErr(http.StatusBadRequest, "unauthorized_client", "the client is not allowed to use the client_credentials grant")
	}
	scopes := allowed
	if strings.ContainsFunc(form.Get("scope"), func(r rune) bool { return r != ' ' && unicode.IsSpace(r) }) {
		// RFC 6749 §3.3: scope tokens are separated by spaces, nothing else.
		return tokenErr(http.StatusBadRequest, "invalid_scope", "scope must be a list of scopes separated by spaces")
	}
	if raw := strings.TrimSpace(form.Get("scope")); raw != "" {
		scopes = nil
		for _, sc := range strings.Fields(raw) {
			if !slices.Contains(allowed, sc) {
				return tokenErr(http.StatusBadRequest, "invalid_scope", fmt.Sprintf("scope %q is not allowed for this client", sc))
			}
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
	}
	tok := newAccessToken()
	s.tokMu.Lock()
	s.tokens[sha256.Sum256([]byte(tok))] = &tokenRec{clientID: clientID, scopes: slices.Clone(scopes), expires: now.Add(s.tokenLifetime())}
	s.issued++
	if s.issued%1024 == 0 {
		// Sweep expired tokens now and then so a long-running mock stays small.
		for k, t := range s.tokens {
			if !now.Before(t.expires) {
				delete(s.tokens, k)
			}
		}
	}
	s.tokMu.Unlock()
	return response{status: http.StatusOK, header: noStore(), body: tokenOK{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.tokenLifetime() / time.Second), Scope: strings.Join(scopes, " "),
	}}
}

// newAccessToken returns an opaque 256-bit random token, base64url encoded.
func newAccessToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("mockserver: crypto/rand failed: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// throttled returns the seconds to wait when clientID failed too often lately, else 0.
func (s *Server) throttled(clientID string, now time.Time) int {
	if s.failLimit <= 0 {
		return 0
	}
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	fails := s.failures[clientID]
	i := 0
	for i < len(fails) && now.Sub(fails[i]) >= failWindow {
		i++
	}
	fails = fails[i:]
	if len(fails) == 0 {
		delete(s.failures, clientID)
		delete(s.failingClients, clientID)
		return 0
	}
	s.failures[clientID] = fails
	if len(fails) < s.failLimit {
		return 0
	}
	return max(1, int((failWindow-now.Sub(fails[0])+time.Second-1)/time.Second))
}

// recordFailure notes a failed token request for clientID; known says whether a client has that id.
func (s *Server) recordFailure(clientID string, known bool, now time.Time) {
	if s.failLimit <= 0 {
		return
	}
	if !known && len(clientID) > maxClientIDLength {
		// No client has the id: remembering up to maxFailureIDs of these would let anyone pin
		// gigabytes with made-up ids of a megabyte each.
		return
	}
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	if len(s.failures) > maxFailureIDs {
		s.pruneFailures(now)
	}
	s.failures[clientID] = append(s.failures[clientID], now)
	if known {
		s.failingClients[clientID] = true
	}
}

// pruneFailures keeps the failure records of guessed ids from growing memory without bound.
// Records older than the window go first, then those of made-up ids that are not throttled. The
// records of a real client stay until they age out, throttled or not: spraying made-up ids must
// not lift or reset the throttle on one (a real client at 9 failures would get 10 more guesses).
func (s *Server) pruneFailures(now time.Time) {
	for id, fails := range s.failures {
		if len(fails) == 0 || now.Sub(fails[len(fails)-1]) >= failWindow {
			delete(s.failures, id)
			delete(s.failingClients, id)
		}
	}
	if len(s.failures) <= maxFailureIDs {
		return
	}
	for id, fails := range s.failures {
		if len(fails) < s.failLimit && !s.failingClients[id] {
			delete(s.failures, id)
		}
	}
}
