package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testSecret is the client secret of every fake; tests assert it never shows up in an error.
const testSecret = "s3cr3t-VALUE-never-print-me"

// fake is an httptest server with a token endpoint and a pluggable /v1 handler.
type fake struct {
	*httptest.Server
	tokenCalls atomic.Int64
	apiCalls   atomic.Int64
	expiresIn  atomic.Int64
	// tokenHandler, when set, replaces the default token endpoint.
	tokenHandler http.HandlerFunc

	mu       sync.Mutex
	api      http.HandlerFunc
	rejected map[string]bool // tokens answered with 401
	requests []string        // "METHOD path?query" of every /v1 request
}

func newFake(t *testing.T, api http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{api: api, rejected: map[string]bool{}}
	f.expiresIn.Store(3600)
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/connect/token" {
		n := f.tokenCalls.Add(1)
		if f.tokenHandler != nil {
			f.tokenHandler(w, r)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" ||
			r.PostForm.Get("client_id") != "cid" || r.PostForm.Get("client_secret") != testSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"unknown client or wrong secret"}`))
			return
		}
		if _, _, basic := r.BasicAuth(); basic {
			http.Error(w, "credentials twice", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("tok-%d", n), "token_type": "Bearer",
			"expires_in": f.expiresIn.Load(), "scope": r.PostForm.Get("scope"),
		})
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	bad := tok == "" || f.rejected[tok]
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	h := f.api
	f.mu.Unlock()
	f.apiCalls.Add(1)
	if bad {
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h(w, r)
}

func (f *fake) reject(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejected[token] = true
}

func (f *fake) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// config is a fast-retrying configuration against the fake.
func (f *fake) config() Config {
	return Config{
		Endpoint:       f.URL,
		TokenURL:       f.URL + "/connect/token",
		ClientID:       "cid",
		ClientSecret:   testSecret,
		Version:        "1.2.3",
		RequestTimeout: 2 * time.Second,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   5 * time.Millisecond,
		RetryAfterMax:  5 * time.Millisecond,
	}
}

func (f *fake) client(t *testing.T, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := f.config()
	for _, m := range mods {
		m(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, title string, errs map[string][]string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "https://tools.ietf.org/html/rfc9110", "title": title, "status": status,
		"traceId": "00-trace-1", "errors": errs,
	})
}

func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), testSecret) {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
