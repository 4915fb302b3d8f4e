package mockserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// tokenRec is an issued access token. Tokens are kept by the SHA-256 of
// their value, so a memory dump does not hand out working tokens either.
type tokenRec struct {
	clientID string
	scopes   []string
	expires  time.Time
}

func hashSecret(v string) (salt, hash string) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("mockserver: crypto/rand failed: %v", err))
	}
	salt = hex.EncodeToString(b)
	return salt, saltedHash(salt, v)
}

// saltedHash is the hex SHA-256 of salt and value. The salt (random per secret) keeps equal
// values from having equal hashes and a precomputed table from reversing them; an empty salt is
// how a data file written before salting stored them. A slow KDF would cost the token endpoint,
// which compares every secret of a client, more than a mock holding test secrets gains from it.
func saltedHash(salt, v string) string {
	sum := sha256.Sum256([]byte(salt + v))
	return hex.EncodeToString(sum[:])
}

// unknownClient is what a presented secret is compared with when its client has none.
var unknownClient = func() (r secretRec) {
	r.Salt, r.Hash = hashSecret("no client has this secret")
	return r
}()

// secretMatches compares a presented secret with a stored one in constant time.
func secretMatches(presented string, stored *secretRec) bool {
	want, err := hex.DecodeString(stored.Hash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got, _ := hex.DecodeString(saltedHash(stored.Salt, presented))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// bearerRealm is the realm of every WWW-Authenticate challenge.
const bearerRealm = `Bearer realm="aritma-mock"`

// authenticate checks the bearer token of r: 401 when missing, unknown,
// expired or its client is gone (tokens die with their client), 403 when it
// lacks services.iam. It returns the caller's subject id.
func (s *Server) authenticate(r *http.Request) (caller string, resp response, ok bool) {
	authz := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(authz, " ")
	tok = strings.TrimSpace(tok)
	if authz == "" || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		resp := problemResp(r, http.StatusUnauthorized, "a bearer access token is required")
		resp.header = http.Header{"Www-Authenticate": {bearerRealm}}
		return "", resp, false
	}
	key := sha256.Sum256([]byte(tok))
	s.tokMu.Lock()
	rec := s.tokens[key]
	if rec != nil && !s.now().Before(rec.expires) {
		delete(s.tokens, key)
		rec = nil
	}
	s.tokMu.Unlock()
	if rec != nil {
		s.mu.RLock()
		alive := s.st.clients[rec.clientID] != nil
		s.mu.RUnlock()
		if !alive {
			rec = nil
		}
	}
	if rec == nil {
		resp := problemResp(r, http.StatusUnauthorized, "the access token is invalid or expired")
		resp.header = http.Header{"Www-Authenticate": {bearerRealm + `, error="invalid_token", error_description="the access token is invalid or expired"`}}
		return "", resp, false
	}
	if !slices.Contains(rec.scopes, "services.iam") {
		resp := problemResp(r, http.StatusForbidden, "the access token lacks the scope services.iam")
		resp.header = http.Header{"Www-Authenticate": {bearerRealm + `, error="insufficient_scope", scope="services.iam"`}}
		return "", resp, false
	}
	return prefixClient + rec.clientID, response{}, true
}

// authorized reports whether subject holds need on scope "/", directly or
// through its groups (transitively). Parent actions grant their children.
func (s *Server) authorized(subject, need string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	holders := append([]string{subject}, s.st.groupsOf(subject)...)
	for i, h := range holders {
		if i > 0 {
			h = prefixGroup + h
		}
		for k := range s.st.bySubj[h] {
			if k.Scope == "/" && grants(k.Action, need) {
				return true
			}
		}
	}
	return false
}
