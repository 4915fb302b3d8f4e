package iam

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// echoServer answers every request with its own body and no HTTP status line: what a plain echo
// service on the wrong port, or a broken proxy, sends. net/http quotes those bytes in its
// "malformed HTTP response" error, so the request (a secret's value, a token request's client
// secret) comes back inside an error.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer func() { _ = conn.Close() }()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				body, _ := io.ReadAll(req.Body)
				_, _ = conn.Write(append(body, "\r\n\r\n"...))
			})
		}
	})
	return "http://" + ln.Addr().String()
}

// TestTransportError_echoRedacted: a secret value echoed back by a peer that does not speak HTTP
// is redacted from the error and the log, in every quoting net/http adds to the JSON escaping.
func TestTransportError_echoRedacted(t *testing.T) {
	t.Parallel()
	for _, value := range []string{"my-very-secret-value-1", `pa"ss\word-42`, "a<b>c&d-secret"} {
		t.Run(value, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(http.ResponseWriter, *http.Request) {})
			var mu sync.Mutex
			var logged []string
			c := f.client(t, func(c *Config) {
				c.Endpoint = echoServer(t)
				c.Log = func(_ context.Context, _ string, msg string, fields map[string]any) {
					mu.Lock()
					defer mu.Unlock()
					logged = append(logged, fmt.Sprint(msg, fields))
				}
			})
			_, err := c.CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: value})
			if err == nil || !strings.Contains(err.Error(), "malformed HTTP response") {
				t.Fatalf("err = %v, want the echo's malformed response", err)
			}
			if !errors.Is(err, ErrOutcomeUnknown) {
				t.Errorf("err = %v, want ErrOutcomeUnknown (the request went out)", err)
			}
			for _, text := range append([]string{err.Error()}, logged...) {
				for _, form := range []string{value, strings.Trim(strconv.Quote(value), `"`), "ss\\\\\\\\word", "ss\\\\word", "a\\\\u003cb"} {
					if strings.Contains(text, form) {
						t.Errorf("%q holds the secret value as %q", text, form)
					}
				}
			}
		})
	}
}

// TestLog_echoedClientSecretRedacted: a token request echoed back puts the form-encoded client
// secret into the transport's error, which the log line must not carry (the logger's masks know
// the secret only as it is).
func TestLog_echoedClientSecretRedacted(t *testing.T) {
	t.Parallel()
	const secret = "abc+def/ghi&jkl"
	echo := echoServer(t)
	var mu sync.Mutex
	var logged []string
	c, err := NewClient(Config{Endpoint: echo, TokenURL: echo + "/connect/token", ClientID: "cid", ClientSecret: secret, MaxRetries: -1,
		Log: func(_ context.Context, _ string, msg string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			logged = append(logged, fmt.Sprint(msg, fields))
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetClient(ctxT(t), "c1"); err == nil {
		t.Fatal("want an error from the echo")
	}
	if len(logged) == 0 {
		t.Fatal("nothing was logged")
	}
	for _, l := range logged {
		if strings.Contains(l, url.QueryEscape(secret)) || strings.Contains(l, secret) {
			t.Errorf("log line holds the client secret: %s", l)
		}
	}
}

// TestCreatePolicy_tokenFailureAfterMayHaveActed: a policy create whose first attempt may have
// been applied (502), and whose retry cannot get a new token, says the policy may exist; the
// failed token fetch is why the retry did not go out, not evidence that nothing was made.
func TestCreatePolicy_tokenFailureAfterMayHaveActed(t *testing.T) {
	t.Parallel()
	var attempts, tokens atomic.Int64
	var f *fake
	f = newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		if attempts.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		f.reject("tok-1") // the retry finds its token revoked
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
	})
	f.tokenHandler = func(w http.ResponseWriter, _ *http.Request) {
		if tokens.Add(1) == 1 {
			writeJSON(w, 200, map[string]any{"access_token": "tok-1", "token_type": "Bearer", "expires_in": 3600})
			return
		}
		writeJSON(w, 401, map[string]any{"error": "invalid_client"})
	}
	_, err := f.client(t).CreatePolicy(ctxT(t), Policy{Subject: "client-c1", Scope: "/", Action: "owner"})
	if !errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown (the first attempt may have made the policy)", err)
	}
	if attempts.Load() != 2 || tokens.Load() != 2 {
		t.Errorf("%d attempts and %d token requests, want 2 and 2", attempts.Load(), tokens.Load())
	}
}
