package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// Fixed admin credentials keep golden files stable.
const (
	testAdminID     = "mock-admin"
	testAdminSecret = "admin-secret-0123456789"
)

// env is one mock plus an admin token, for handler tests over real HTTP.
type env struct {
	t     *testing.T
	ts    *TestServer
	token string
	clock *fakeClock
}

// fakeClock is a settable clock for expiry and read-lag tests.
type fakeClock struct {
	mu  chan struct{}
	now time.Time
}

func newFakeClock() *fakeClock {
	c := &fakeClock{mu: make(chan struct{}, 1), now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu <- struct{}{}
	defer func() { <-c.mu }()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu <- struct{}{}
	defer func() { <-c.mu }()
	c.now = c.now.Add(d)
}

func newEnv(t *testing.T, opts ...func(*Options)) *env {
	t.Helper()
	clock := newFakeClock()
	all := append([]func(*Options){func(o *Options) {
		o.AdminClientID = testAdminID
		o.AdminClientSecret = testAdminSecret
		o.Now = clock.Now
	}}, opts...)
	e := &env{t: t, ts: NewTestServer(t, all...), clock: clock}
	e.token = e.mustToken(e.ts.AdminClientID(), e.ts.AdminClientSecret())
	return e
}

// advance moves the fake clock and fetches a fresh admin token, because
// the old one may have expired on the way.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.clock.Advance(d)
	e.token = e.mustToken(e.ts.AdminClientID(), e.ts.AdminClientSecret())
}

// result is a decoded HTTP answer.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   any
}

// str digs a string out of the JSON body by a dotted path ("errors.name.0").
func (r *result) str(path string) string {
	v := dig(r.body, path)
	s, _ := v.(string)
	return s
}

func (r *result) num(path string) int {
	f, _ := dig(r.body, path).(float64)
	return int(f)
}

func (r *result) list(path string) []any {
	l, _ := dig(r.body, path).([]any)
	return l
}

func dig(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// call sends a request with the admin token.
func (e *env) call(method, path string, body any) *result {
	e.t.Helper()
	return e.callAs(e.token, method, path, body)
}

// callAs sends a request with token ("" = none). body may be a string (raw) or a value to encode.
func (e *env) callAs(token, method, path string, body any) *result {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *result {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	res := &result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &res.body); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v\n%s", req.Method, req.URL, err, raw)
		}
	}
	return res
}

// tokenReq posts a token request; basic sets HTTP Basic credentials.
func (e *env) tokenReq(path string, form url.Values, basic *[2]string) *result {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	return e.send(req)
}

func (e *env) mustToken(id, secret string, scope ...string) string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if len(scope) > 0 {
		form.Set("scope", strings.Join(scope, " "))
	}
	res := e.tokenReq("/connect/token", form, nil)
	if res.status != 200 {
		e.t.Fatalf("token for %s: %d %s", id, res.status, res.raw)
	}
	return res.str("access_token")
}

// want fails unless res has status.
func (e *env) want(res *result, status int) *result {
	e.t.Helper()
	if res.status != status {
		e.t.Fatalf("status = %d, want %d; body: %s", res.status, status, res.raw)
	}
	return res
}

// clientBodyOK is a valid create body.
func clientBodyOK(name string) map[string]any {
	return map[string]any{
		"name": name, "description": "d", "allowedGrantTypes": []string{"client_credentials"},
		"redirectUris": []string{}, "allowedScopes": []string{"services.iam"},
	}
}

// newClient creates a client and returns its id.
func (e *env) newClient(name string) string {
	e.t.Helper()
	return e.want(e.call("POST", "/v1/clients", clientBodyOK(name)), 201).str("clientId")
}

// newClientWithSecret creates a client with a secret and returns id and secret.
func (e *env) newClientWithSecret(name string) (string, string) {
	e.t.Helper()
	id := e.newClient(name)
	secret := "s3cret-" + name
	if len(secret) > 32 {
		secret = secret[:32]
	}
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": secret, "description": ""}), 201)
	return id, secret
}

func (e *env) grant(subject, scope, action string) {
	e.t.Helper()
	e.want(e.call("POST", "/v1/policies", map[string]any{"subject": subject, "scope": scope, "action": action}), 200)
}

func (e *env) newGroup(name string) string {
	e.t.Helper()
	return e.want(e.call("POST", "/v1/subjects/groups", map[string]any{"displayName": name}), 201).str("id")
}

// wantProblem checks an RFC 7807 answer, and for 400 that errors[field]
// contains a message with substring msg.
func (e *env) wantProblem(res *result, status int, field, msg string) {
	e.t.Helper()
	e.want(res, status)
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		e.t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	if res.num("status") != status || res.str("traceId") == "" || res.str("title") == "" {
		e.t.Errorf("problem body incomplete: %s", res.raw)
	}
	if status == 400 {
		msgs, _ := dig(res.body, "errors").(map[string]any)
		list, _ := msgs[field].([]any)
		for _, m := range list {
			if s, _ := m.(string); strings.Contains(s, msg) {
				return
			}
		}
		e.t.Errorf("errors[%q] lacks %q: %s", field, msg, res.raw)
	}
}

var (
	reUUID  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	reTrace = regexp.MustCompile(`00-[0-9a-f]{32}-[0-9a-f]{16}-00`)
	reHost  = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)
)

// fixedIDs survive normalisation: they are part of the contract of the seed.
var fixedIDs = map[string]bool{
	DefaultTenantID: true, SeedUserAliceID: true, SeedUserBobID: true, SeedUserCarolID: true, SeedUserSupportID: true,
}

// normalise replaces generated values so golden files are stable: UUIDs
// become <id-N> by first appearance (keeping which ids are equal), trace ids
// <trace>, hosts http://HOST, access tokens <token>.
func normalise(v any, ids map[string]string, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for _, k := range sortedKeys(x) {
			out[k] = normalise(x[k], ids, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normalise(x[i], ids, key)
		}
		return out
	case string:
		return normaliseString(x, ids, key)
	}
	return v
}

func normaliseString(s string, ids map[string]string, key string) string {
	if key == "access_token" {
		return "<token>"
	}
	s = reTrace.ReplaceAllString(s, "<trace>")
	s = reHost.ReplaceAllString(s, "http://HOST")
	return reUUID.ReplaceAllStringFunc(s, func(id string) string {
		if fixedIDs[id] {
			return id
		}
		if n, ok := ids[id]; ok {
			return n
		}
		n := fmt.Sprintf("<id-%d>", len(ids)+1)
		ids[id] = n
		return n
	})
}

// goldenHeaders are the headers that belong to a response's shape.
var goldenHeaders = []string{"Allow", "Cache-Control", "Content-Type", "Location", "Retry-After", "Www-Authenticate"}

// golden compares res with testdata/golden/<name>.json (rewritten with -update).
func (e *env) golden(name string, res *result) {
	e.t.Helper()
	ids := map[string]string{}
	hdr := map[string]string{}
	for _, h := range goldenHeaders {
		if v := res.header.Get(h); v != "" {
			hdr[h] = normaliseString(v, ids, h)
		}
	}
	doc := map[string]any{"status": res.status, "headers": hdr, "body": normalise(res.body, ids, "")}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		e.t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		e.t.Fatalf("golden %s: %v (run go test -update)", name, err)
	}
	if !bytes.Equal(got, want) {
		e.t.Errorf("golden %s differs (run go test -update to accept)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// mustReq builds an authenticated request without touching testing.T from
// other goroutines beyond t.Error.
func mustReq(t testing.TB, ctx context.Context, e *env, method, path string, body any) *http.Request {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Error(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.ts.URL+path, rd)
	if err != nil {
		t.Error(err)
		return nil
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// decodeID reads clientId from a create response and closes the body.
func decodeID(resp *http.Response) string {
	defer resp.Body.Close()
	var v struct {
		ClientID string `json:"clientId"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return v.ClientID
}
