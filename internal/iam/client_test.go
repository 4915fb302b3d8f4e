package iam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder answers from a route table and records the bodies it got.
type recorder struct {
	mu     sync.Mutex
	bodies map[string]string
	routes map[string]http.HandlerFunc // "METHOD /path"
}

func newRecorder(routes map[string]http.HandlerFunc) *recorder {
	return &recorder{bodies: map[string]string{}, routes: routes}
}

func (rec *recorder) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	key := r.Method + " " + r.URL.EscapedPath()
	rec.mu.Lock()
	rec.bodies[key] = string(b)
	h := rec.routes[key]
	rec.mu.Unlock()
	if h == nil {
		problem(w, 404, "Not Found", nil)
		return
	}
	h(w, r)
}

func (rec *recorder) body(key string) string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.bodies[key]
}

func TestCreateClient_requestAndTolerances(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer http.HandlerFunc
		want   OAuthClient
		err    error
	}{
		{"201 with body", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 201, map[string]any{"clientId": "c1", "name": "svc", "description": "d",
				"allowedGrantTypes": []string{"client_credentials"}, "redirectUris": []string{}, "allowedScopes": []string{"api"}})
		}, OAuthClient{ClientID: "c1", Name: "svc", Description: "d", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{"api"}}, nil},
		{"200 without body but Location", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/core/iam/v1/clients/c%2F2")
			w.WriteHeader(http.StatusOK)
		}, OAuthClient{ClientID: "c/2", Name: "svc", Description: "d", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{"api"}}, nil},
		{"body without clientId, absolute Location", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "https://api.example/v1/clients/c3")
			writeJSON(w, 201, map[string]any{"name": "svc", "description": "d"})
		}, OAuthClient{ClientID: "c3", Name: "svc", Description: "d", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{"api"}}, nil},
		// The short ClientDto: the lists it leaves out are the request's, not empty.
		{"201 with ClientDto only", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 201, map[string]any{"clientId": "c4", "name": "svc", "description": ""})
		}, OAuthClient{ClientID: "c4", Name: "svc", Description: "", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{"api"}}, nil},
		{"201 with some fields null or left out", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 201, map[string]any{"clientId": "c5", "description": nil, "allowedScopes": []string{}})
		}, OAuthClient{ClientID: "c5", Name: "svc", Description: "d", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{}}, nil},
		{"neither", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) }, OAuthClient{}, ErrOutcomeUnknown},
		{"garbage body", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("<html>")) }, OAuthClient{}, ErrOutcomeUnknown},
		// A success whose body cannot be read still names what it made: the client is as sent.
		{"garbage body with Location", unreadableSuccess(http.StatusCreated, "/v1/clients/c6"), OAuthClient{ClientID: "c6", Name: "svc", Description: "d", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{"api"}}, nil},
		{"body cut off, Location", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/v1/clients/c7")
			cutBody(w, http.StatusCreated, `{"clientId":"c7","na`)
		}, OAuthClient{ClientID: "c7", Name: "svc", Description: "d", AllowedGrantTypes: []string{"client_credentials"}, RedirectURIs: []string{}, AllowedScopes: []string{"api"}}, nil},
		// A Location that names no client of the collection names none.
		{"garbage body, Location of the collection", unreadableSuccess(http.StatusCreated, "/v1/clients/"), OAuthClient{}, ErrOutcomeUnknown},
		{"garbage body, Location of a login page", unreadableSuccess(http.StatusOK, "https://sso.example.com/login"), OAuthClient{}, ErrOutcomeUnknown},
		{"no body, Location of a sub-resource", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/v1/clients/c1/secrets/s1")
			w.WriteHeader(http.StatusCreated)
		}, OAuthClient{}, ErrOutcomeUnknown},
		{"500 with Location", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/v1/clients/c8")
			w.WriteHeader(http.StatusInternalServerError)
		}, OAuthClient{}, ErrOutcomeUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(map[string]http.HandlerFunc{"POST /v1/clients": tc.answer})
			f := newFake(t, rec.serve)
			got, err := f.client(t).CreateClient(ctxT(t), ClientRequest{Name: "svc", Description: "d",
				AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("want %v, got %v", tc.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", tc.want) {
				t.Fatalf("got  %+v\nwant %+v", *got, tc.want)
			}
			// nil slices go out as [] because the API requires all five fields.
			want := `{"name":"svc","description":"d","allowedGrantTypes":["client_credentials"],"redirectUris":[],"allowedScopes":["api"]}`
			if b := rec.body("POST /v1/clients"); b != want {
				t.Fatalf("body %s, want %s", b, want)
			}
		})
	}
}

func TestClientEndpoints(t *testing.T) {
	t.Parallel()
	details := map[string]any{"clientId": "a/b", "name": "n", "description": "", "allowedGrantTypes": []string{"client_credentials"},
		"redirectUris": []string{}, "allowedScopes": []string{}}
	rec := newRecorder(map[string]http.HandlerFunc{
		"GET /v1/clients/a%2Fb":    func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, details) },
		"PUT /v1/clients/a%2Fb":    func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, details) },
		"DELETE /v1/clients/a%2Fb": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) },
	})
	f := newFake(t, rec.serve)
	c := f.client(t)
	ctx := ctxT(t)
	got, err := c.GetClient(ctx, "a/b")
	if err != nil || got.ClientID != "a/b" || got.AllowedGrantTypes[0] != "client_credentials" {
		t.Fatalf("GetClient = %+v, %v", got, err)
	}
	if _, err := c.UpdateClient(ctx, "a/b", ClientRequest{Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if b := rec.body("PUT /v1/clients/a%2Fb"); b != `{"name":"n","description":"","allowedGrantTypes":[],"redirectUris":[],"allowedScopes":[]}` {
		t.Fatalf("PUT body %s", b)
	}
	if err := c.DeleteClient(ctx, "a/b"); err != nil {
		t.Fatalf("DELETE answering 200: %v", err)
	}
	_, err = c.GetClient(ctx, "missing")
	if !IsNotFound(err) || !strings.Contains(err.Error(), "GET /v1/clients/missing: 404 Not Found (trace id 00-trace-1)") {
		t.Fatalf("GetClient(missing) = %v", err)
	}
	for name, err := range map[string]error{
		"GetClient":    func() error { _, err := c.GetClient(ctx, ""); return err }(),
		"DeleteClient": c.DeleteClient(ctx, ""),
		"DeletePolicy": c.DeletePolicy(ctx, "client-1", "", "/"),
	} {
		if err == nil || !strings.Contains(err.Error(), "is required") {
			t.Errorf("%s with an empty argument: %v", name, err)
		}
	}
	// A dot segment would address another path (a proxy or the mock cleans /v1/clients/.. away).
	calls := len(f.seen())
	for name, err := range map[string]error{
		"GetClient .":          func() error { _, err := c.GetClient(ctx, "."); return err }(),
		"DeleteClient ..":      c.DeleteClient(ctx, ".."),
		"ListClientSecrets ..": func() error { _, err := c.GetClientSecret(ctx, "..", "s"); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "is not an id") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(f.seen()); n != calls {
		t.Errorf("dot ids reached the server: %d requests", n-calls)
	}
}

func TestSecretEndpoints(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	secrets := []any{
		map[string]any{"clientSecretId": "s1", "clientId": "c1", "description": "old", "expiration": nil, "created": "2025-01-01T00:00:00Z"},
		map[string]any{"clientSecretId": "s2", "clientId": "c1", "description": "new", "expiration": "2030-01-02T02:04:05Z", "created": "2025-02-01T00:00:00Z"},
	}
	rec := newRecorder(map[string]http.HandlerFunc{
		"POST /v1/clients/c1/secrets": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 201, map[string]any{"clientSecretId": "s2", "clientId": "c1", "description": "new",
				"expiration": "2030-01-02T02:04:05Z", "created": "2025-02-01T00:00:00Z", "value": testSecret})
		},
		"GET /v1/clients/c1/secrets": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"items": secrets, "metadata": map[string]any{"page": 1, "pageSize": 100, "totalCount": 2}})
		},
		"DELETE /v1/clients/c1/secrets/s1": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
	})
	f := newFake(t, rec.serve)
	c := f.client(t)
	ctx := ctxT(t)
	s, err := c.CreateClientSecret(ctx, "c1", SecretRequest{Value: testSecret, Description: "new", Expiration: &exp})
	if err != nil || s.Value != testSecret || s.ClientSecretID != "s2" || !s.Expiration.Equal(exp) {
		t.Fatalf("CreateClientSecret = %+v, %v", s, err)
	}
	if b := rec.body("POST /v1/clients/c1/secrets"); b != `{"value":"`+testSecret+`","description":"new","expiration":"2030-01-02T02:04:05Z"}` {
		t.Fatalf("body %s", b)
	}
	if _, err := c.CreateClientSecret(ctx, "c1", SecretRequest{Value: testSecret}); err != nil {
		t.Fatal(err)
	}
	if b := rec.body("POST /v1/clients/c1/secrets"); strings.Contains(b, "expiration") {
		t.Fatalf("no expiration must be omitted: %s", b)
	}
	got, err := c.GetClientSecret(ctx, "c1", "s1")
	if err != nil || got.Description != "old" || got.Expiration != nil || got.Value != "" {
		t.Fatalf("GetClientSecret = %+v, %v", got, err)
	}
	if _, err := c.GetClientSecret(ctx, "c1", "s9"); !IsNotFound(err) {
		t.Fatalf("unknown secret: %v", err)
	}
	if _, err := c.GetClientSecret(ctx, "c9", "s1"); !IsNotFound(err) {
		t.Fatalf("unknown client: %v", err)
	}
	// ClientSecretIn answers from a list read before, as GetClientSecret would, and a credential
	// given as an id by mistake stays out of its error too.
	listed := []ClientSecret{{ClientSecretID: "s1", Description: "old"}}
	if in, err := c.ClientSecretIn(listed, "c1", "s1"); err != nil || *in != (ClientSecret{ClientSecretID: "s1", ClientID: "c1", Description: "old"}) {
		t.Fatalf("ClientSecretIn = %+v, %v", in, err)
	}
	if listed[0].ClientID != "" {
		t.Fatal("ClientSecretIn changed the list it was given")
	}
	_, err = c.ClientSecretIn(listed, "c1", testSecret)
	if gotErr, wantErr := fmt.Sprint(err), fmt.Sprint(func() error { _, e := c.GetClientSecret(ctx, "c1", testSecret); return e }()); !IsNotFound(err) || gotErr != wantErr || strings.Contains(gotErr, testSecret) {
		t.Fatalf("ClientSecretIn of a secret not listed: %q, want GetClientSecret's %q, without the credential", gotErr, wantErr)
	}
	if err := c.DeleteClientSecret(ctx, "c1", "s1"); err != nil {
		t.Fatal(err)
	}
}

func TestPolicyEndpoints(t *testing.T) {
	t.Parallel()
	rec := newRecorder(map[string]http.HandlerFunc{
		"POST /v1/policies": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"subject": "client-c1", "scope": "/subscriptions/1", "action": "owner", "tenant": "t1"})
		},
		"DELETE /v1/policies": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.RawQuery != "action=owner&scope=%2Fsubscriptions%2F1&subject=client-c1" {
				problem(w, 400, "bad query "+r.URL.RawQuery, nil)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		},
		"GET /v1/policies": func(w http.ResponseWriter, _ *http.Request) {
			// A server ignoring the filters must not make GetPolicy adopt another policy.
			writeJSON(w, 200, map[string]any{"page": 1, "pageSize": 200, "total": 1, "totalPages": 1,
				"data": []any{map[string]any{"subject": "client-c2", "scope": "/", "action": "owner"}}})
		},
	})
	f := newFake(t, rec.serve)
	c := f.client(t)
	ctx := ctxT(t)
	p, err := c.CreatePolicy(ctx, Policy{Subject: "client-c1", Scope: "/subscriptions/1", Action: "owner"})
	if err != nil || p.Tenant != "t1" {
		t.Fatalf("CreatePolicy = %+v, %v", p, err)
	}
	if b := rec.body("POST /v1/policies"); b != `{"subject":"client-c1","scope":"/subscriptions/1","action":"owner"}` {
		t.Fatalf("body %s", b)
	}
	if err := c.DeletePolicy(ctx, "client-c1", "owner", "/subscriptions/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPolicy(ctx, "client-c1", "owner", "/"); !IsNotFound(err) {
		t.Fatalf("GetPolicy of a filtered-out policy: %v", err)
	}
}

func TestSubjectAndGroupEndpoints(t *testing.T) {
	t.Parallel()
	rec := newRecorder(map[string]http.HandlerFunc{
		"POST /v1/subjects/groups": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/v1/subjects/groups/g1")
			writeJSON(w, 201, map[string]any{"$type": "group", "id": "g1", "subjectId": "group-g1", "type": "Group",
				"displayName": "ops", "tenant": "t1", "properties": map[string]any{"description": "d", "memberCount": 0}})
		},
		"POST /v1/subjects/groups/g1/members":             func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"DELETE /v1/subjects/groups/g1/members/client-c1": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"DELETE /v1/subjects/groups/g1":                   func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"GET /v1/subjects/user-u1/memberships":            emptyB,
		"GET /v1/subjects/clients/c1/permissions":         emptyB,
		"GET /v1/subjects/user-u1/permissions":            emptyB,
		"GET /v1/subjects":                                emptyB,
		"GET /v1/subjects/users":                          emptyB,
		"GET /v1/actions":                                 catalogue(`[{"name":"owner","parent":"","description":"all"},{"name":"iam.manage","parent":"owner"}]`),
		"GET /v1/scopes":                                  catalogue(`{"data":[{"name":"services.iam","description":"IAM"}]}`),
	})
	f := newFake(t, rec.serve)
	c := f.client(t)
	ctx := ctxT(t)
	g, err := c.CreateGroup(ctx, GroupRequest{DisplayName: "ops", Description: "d"})
	if err != nil || g.Type != "group" || g.ID != "g1" || g.SubjectID != "group-g1" || g.Properties["description"] != "d" {
		t.Fatalf("CreateGroup = %+v, %v", g, err)
	}
	if b := rec.body("POST /v1/subjects/groups"); b != `{"displayName":"ops","description":"d"}` {
		t.Fatalf("body %s", b)
	}
	if err := c.AddGroupMembers(ctx, "g1", []string{"client-c1", "user-u1"}); err != nil {
		t.Fatal(err)
	}
	if b := rec.body("POST /v1/subjects/groups/g1/members"); b != `{"subjectIds":["client-c1","user-u1"]}` {
		t.Fatalf("body %s", b)
	}
	if err := c.RemoveGroupMember(ctx, "g1", "client-c1"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteGroup(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	for name, seq := range map[string]func(yield func(Subject, error) bool){
		"memberships": c.ListMemberships(ctx, "user-u1"),
		"all":         c.ListSubjects(ctx, SubjectListOptions{}),
		"users":       c.ListSubjects(ctx, SubjectListOptions{Type: "user", SearchQuery: "al"}),
	} {
		for _, err := range seq {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	for _, err := range c.ListSubjects(ctx, SubjectListOptions{Type: "robot"}) {
		if err == nil || !strings.Contains(err.Error(), `"robot"`) {
			t.Fatalf("unknown type: %v", err)
		}
	}
	for _, err := range c.ListClientPermissions(ctx, "c1", PermissionFilter{Action: "iam.client.read", ResourceType: "subscriptions"}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range c.ListPermissions(ctx, "user-u1", PermissionFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := strings.Join(f.seen(), "\n")
	for _, want := range []string{
		"GET /v1/subjects/users?page=1&pageSize=200&searchQuery=al",
		"GET /v1/subjects/clients/c1/permissions?action=iam.client.read&page=1&pageSize=200&resourceType=subscriptions",
		"GET /v1/subjects/user-u1/permissions?page=1&pageSize=200",
	} {
		if !strings.Contains(seen, want) {
			t.Errorf("missing request %q in\n%s", want, seen)
		}
	}
	actions, err := c.ListActions(ctx)
	if err != nil || len(actions) != 2 || actions[1] != (Action{Name: "iam.manage", Parent: "owner"}) {
		t.Fatalf("ListActions = %+v, %v", actions, err)
	}
	scopes, err := c.ListScopes(ctx)
	if err != nil || len(scopes) != 1 || scopes[0].Name != "services.iam" {
		t.Fatalf("ListScopes = %+v, %v", scopes, err)
	}
}

func emptyB(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, map[string]any{"page": 1, "pageSize": 200, "count": 0, "total": 0, "totalPages": 0, "data": []any{}})
}

func catalogue(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

func TestUserAgentAndLogHook(t *testing.T) {
	t.Parallel()
	var ua []string
	var mu sync.Mutex
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ua = append(ua, r.UserAgent())
		n := len(ua)
		mu.Unlock()
		if n == 1 {
			problem(w, 503, "Service Unavailable", nil)
			return
		}
		okClient(w, r)
	})
	type entry struct {
		level, msg string
		fields     map[string]any
	}
	var logs []entry
	c := f.client(t, func(c *Config) {
		c.UserAgent = "terraform/1.11.4"
		c.Log = func(_ context.Context, level, msg string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			logs = append(logs, entry{level, msg, fields})
		}
	})
	if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
		t.Fatal(err)
	}
	if len(ua) != 2 || ua[0] != "terraform-provider-aritma/1.2.3 terraform/1.11.4" {
		t.Fatalf("User-Agent %q", ua)
	}
	if len(logs) != 3 { // token request + two attempts
		t.Fatalf("log entries %+v", logs)
	}
	first, second := logs[1].fields, logs[2].fields
	if logs[1].level != "debug" || logs[1].msg != "IAM API request" || first["method"] != "GET" || first["path"] != "/v1/clients/c1" ||
		first["status"] != 503 || first["attempt"] != 1 || first["trace_id"] != "00-trace-1" {
		t.Fatalf("first attempt logged as %+v", first)
	}
	if second["status"] != 200 || second["attempt"] != 2 {
		t.Fatalf("second attempt logged as %+v", second)
	}
	if _, ok := second["duration_ms"].(int64); !ok {
		t.Fatalf("duration_ms %T", second["duration_ms"])
	}
	if logs[0].fields["path"] != "/connect/token" || logs[0].fields["status"] != 200 {
		t.Fatalf("token request logged as %+v", logs[0].fields)
	}
	all, _ := json.Marshal(logs[0].fields)
	all2, _ := json.Marshal([]any{first, second})
	for _, s := range []string{string(all), string(all2)} {
		if strings.Contains(s, testSecret) || strings.Contains(s, "tok-1") || strings.Contains(s, "Bearer") {
			t.Fatalf("log fields leak credentials: %s", s)
		}
	}
}

// logLines collects the client's log lines, each as the JSON of its fields.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

// config makes the client log to l.
func (l *logLines) config(c *Config) {
	c.Log = func(_ context.Context, _, _ string, fields map[string]any) {
		b, _ := json.Marshal(fields)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, string(b))
	}
}

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// A trace id is the server's text, and a server or proxy may echo the request into it: the log
// line of the attempt must not carry the fetched token, a secret value of the request (even with
// its whitespace collapsed) or the client's secret.
func TestTransport_logRedactsEchoInTraceID(t *testing.T) {
	t.Parallel()
	value := "my  secret\tvalue1"
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Value string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		echo := r.Header.Get("Authorization") + " " + body.Value + " " + testSecret
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"title": "Bad Request", "traceId": echo})
	})
	logged := &logLines{}
	c := f.client(t, logged.config)
	if _, err := c.CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: value}); err == nil {
		t.Fatal("no error")
	}
	lines := logged.all()
	if len(lines) != 2 { // token request + the create
		t.Fatalf("log lines %q", lines)
	}
	line := lines[1]
	for _, leak := range []string{"tok-1", "my secret", "secret\\tvalue", testSecret} {
		if strings.Contains(line, leak) {
			t.Errorf("log line holds %q: %s", leak, line)
		}
	}
	if !strings.Contains(line, `"trace_id":"Bearer [redacted] [redacted] [redacted]"`) {
		t.Errorf("trace id not redacted as expected: %s", line)
	}
}

// An echo escaped as HTML character references is decoded before it is redacted, as in errors.
func TestTransport_logRedactsEscapedEchoInTraceID(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"title":"Bad Request","traceId":"Sup3r&quot;S3cret&#x2B;Value&lt;"}`))
	})
	logged := &logLines{}
	c := f.client(t, logged.config)
	_, err := c.CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: `Sup3r"S3cret+Value<`})
	if err == nil || strings.Contains(err.Error(), "S3cret") {
		t.Fatalf("error %v", err)
	}
	for _, line := range logged.all() {
		if strings.Contains(line, "S3cret") {
			t.Errorf("log line holds the escaped secret: %s", line)
		}
	}
}

func TestTransport_parallelCallsReuseConnections(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/connect/token" {
			writeJSON(w, http.StatusOK, map[string]any{"access_token": "t", "token_type": "Bearer", "expires_in": 3600})
			return
		}
		time.Sleep(20 * time.Millisecond) // keep all 50 calls in flight together
		okClient(w, r)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{Endpoint: srv.URL, TokenURL: srv.URL + "/connect/token", ClientID: "cid", ClientSecret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	round := func() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := c.GetClient(ctxT(t), "c1"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	// With a small idle pool (the default keeps 2 per host) every round dials about 48 new
	// connections; with ours, later rounds reuse what the earlier ones opened.
	for range 3 {
		round()
	}
	if n := conns.Load(); n > 55 {
		t.Fatalf("3 rounds of 50 parallel calls opened %d connections", n)
	}
}

// TestUpdateClient_shortAnswer: an update answered with the short ClientDto (or no body) reports
// the lists it sent, so the caller never records empty ones the server does not hold.
func TestUpdateClient_shortAnswer(t *testing.T) {
	t.Parallel()
	for name, answer := range map[string]http.HandlerFunc{
		"ClientDto": func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"clientId": "c1", "name": "svc", "description": "d"})
		},
		"no body": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, newRecorder(map[string]http.HandlerFunc{"PUT /v1/clients/c1": answer}).serve)
			got, err := f.client(t).UpdateClient(ctxT(t), "c1", ClientRequest{Name: "svc", Description: "d",
				AllowedGrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example/cb"}, AllowedScopes: []string{"api"}})
			if err != nil {
				t.Fatal(err)
			}
			want := OAuthClient{ClientID: "c1", Name: "svc", Description: "d", AllowedGrantTypes: []string{"authorization_code"},
				RedirectURIs: []string{"https://app.example/cb"}, AllowedScopes: []string{"api"}}
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", want) {
				t.Fatalf("got  %+v\nwant %+v", *got, want)
			}
		})
	}
}

// TestGetClient_shortAnswer: a GET answered with less than ClientDetailsDto names what it left out,
// so the caller can tell "not said" from "empty"; a null is "empty", and keys match in any case,
// as encoding/json matches them.
func TestGetClient_shortAnswer(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		answer      map[string]any
		wantOmitted []string
	}{
		"ClientDto": {map[string]any{"clientId": "c1", "name": "svc", "description": "d"},
			[]string{"allowedGrantTypes", "redirectUris", "allowedScopes"}},
		"nulls": {map[string]any{"clientId": "c1", "name": "svc", "description": nil, "allowedGrantTypes": nil,
			"redirectUris": nil}, []string{"allowedScopes"}},
		"other case": {map[string]any{"ClientId": "c1", "Name": "svc", "Description": "", "AllowedGrantTypes": []string{},
			"RedirectUris": []string{}, "AllowedScopes": []string{}}, nil},
		"full": {map[string]any{"clientId": "c1", "name": "svc", "description": "", "allowedGrantTypes": []string{},
			"redirectUris": []string{}, "allowedScopes": []string{}}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, newRecorder(map[string]http.HandlerFunc{"GET /v1/clients/c1": func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 200, tc.answer)
			}}).serve)
			got, err := f.client(t).GetClient(ctxT(t), "c1")
			if err != nil {
				t.Fatal(err)
			}
			if got.ClientID != "c1" || got.Name != "svc" || !slices.Equal(got.Omitted, tc.wantOmitted) {
				t.Fatalf("got %+v, want omitted %q", *got, tc.wantOmitted)
			}
		})
	}
}

// TestCreateClientSecret_shortAnswer: a create answer that leaves out the description or the
// expiration reports what was asked for, which the server applied; what it does send wins.
func TestCreateClientSecret_shortAnswer(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, tc := range map[string]struct {
		answer   map[string]any
		wantDesc string
		wantExp  *time.Time
	}{
		"id only":          {map[string]any{"clientSecretId": "s3"}, "deploy", &exp},
		"null expiration":  {map[string]any{"clientSecretId": "s3", "description": "", "expiration": nil}, "", &exp},
		"answer's own say": {map[string]any{"clientSecretId": "s3", "description": "other", "expiration": "2031-01-01T00:00:00Z"}, "other", new(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, newRecorder(map[string]http.HandlerFunc{"POST /v1/clients/c1/secrets": func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 201, tc.answer)
			}}).serve)
			s, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: testSecret, Description: "deploy", Expiration: &exp})
			if err != nil {
				t.Fatal(err)
			}
			if s.ClientID != "c1" || s.ClientSecretID != "s3" || s.Value != testSecret || s.Description != tc.wantDesc ||
				s.Expiration == nil || !s.Expiration.Equal(*tc.wantExp) {
				t.Fatalf("CreateClientSecret = %+v (expiration %v)", s, s.Expiration)
			}
		})
	}
}

// An expiration whose UTC form needs a fifth digit of year is refused before anything is sent:
// the API would refuse it as a format error the caller never wrote.
func TestCreateClientSecret_expirationPastYear9999(t *testing.T) {
	t.Parallel()
	f := newFake(t, newRecorder(map[string]http.HandlerFunc{"POST /v1/clients/c1/secrets": func(w http.ResponseWriter, _ *http.Request) {
		t.Error("the create was sent")
		writeJSON(w, 201, map[string]any{"clientSecretId": "s1"})
	}}).serve)
	exp := time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", -5*3600))
	_, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: testSecret, Expiration: &exp})
	if err == nil || !strings.Contains(err.Error(), "expiration 9999-12-31T23:59:59-05:00 is later than 9999-12-31T23:59:59Z") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Fatal("the error holds the value")
	}
}

// The subject's kind comes from the documented type field, then the subject id's prefix; the
// undocumented $type only when it names one of the three kinds.
func TestSubjectFromWire_kind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		wire subjectWire
		want Subject
	}{
		{subjectWire{DollarType: "ClientSubjectDto", Type: "Client", ID: "c1", SubjectID: "client-c1"}, Subject{Type: "client", ID: "c1", SubjectID: "client-c1"}},
		{subjectWire{DollarType: "ClientSubjectDto", ID: "c1"}, Subject{Type: "client", ID: "c1", SubjectID: "client-c1"}},
		{subjectWire{DollarType: "weird", ID: "g1", SubjectID: "group-g1"}, Subject{Type: "group", ID: "g1", SubjectID: "group-g1"}},
		{subjectWire{DollarType: "user", ID: "u1"}, Subject{Type: "user", ID: "u1", SubjectID: "user-u1"}},
		{subjectWire{Type: "Robot", ID: "r1"}, Subject{Type: "robot", ID: "r1", SubjectID: "robot-r1"}},
		{subjectWire{DollarType: "UserGroupSubjectDto", ID: "g1"}, Subject{Type: "group", ID: "g1", SubjectID: "group-g1"}},
		{subjectWire{Type: "UserGroup", ID: "g1", SubjectID: "group-g1"}, Subject{Type: "group", ID: "g1", SubjectID: "group-g1"}},
		{subjectWire{ID: "x", SubjectID: "svcAccount42"}, Subject{Type: "", ID: "x", SubjectID: "svcAccount42"}},
	} {
		got := subjectFromWire(tc.wire)
		if got.Type != tc.want.Type || got.SubjectID != tc.want.SubjectID {
			t.Errorf("subjectFromWire(%+v) = type %q, subject id %q; want %q, %q", tc.wire, got.Type, got.SubjectID, tc.want.Type, tc.want.SubjectID)
		}
	}
}

// A MaxRetries near the top of int saturates the retry bound instead of overflowing it into a
// negative one, which retryablehttp takes as "no retries at all".
func TestNewRetryClient_hugeMaxRetries(t *testing.T) {
	t.Parallel()
	if got := newRetryClient(Config{MaxRetries: math.MaxInt}, http.DefaultClient, staticToken("t")).RetryMax; got <= 0 {
		t.Fatalf("RetryMax = %d, want a positive bound", got)
	}
}

// idFromLocation takes the id from a Location that names an entry of the collection, however its
// path is escaped and under whatever base path or host, and from nothing else.
func TestIDFromLocation(t *testing.T) {
	t.Parallel()
	for loc, want := range map[string]string{
		"/v1/clients/c1":     "c1",
		"/v1/clients/c1/":    "c1",
		"/v1/clients/c1?x=1": "c1",
		"https://api.example/core/iam/v1/clients/c%2F2": "c/2",
		"/v1/clients/c%2f2":                             "c/2",
		"/v1/clients":                                   "",
		"/v1/clients/":                                  "",
		"https://sso.example.com/login":                 "",
		"/v1/clients/c1/secrets/s1":                     "",
		"/v1/xclients/c1":                               "",
		"c1":                                            "",
		"":                                              "",
	} {
		if got := idFromLocation(http.Header{"Location": {loc}}, "v1", "clients"); got != want {
			t.Errorf("idFromLocation(%q) = %q, want %q", loc, got, want)
		}
	}
	for loc, want := range map[string]string{
		"/v1/clients/a%3Ab/secrets/s1": "s1",
		"/v1/clients/a:b/secrets/s1":   "s1",
		"/v1/clients/a%2fb/secrets/s1": "",
		"/v1/clients/c1/secrets/s1":    "",
	} {
		if got := idFromLocation(http.Header{"Location": {loc}}, "v1", "clients", "a:b", "secrets"); got != want {
			t.Errorf("idFromLocation(%q) for client a:b = %q, want %q", loc, got, want)
		}
	}
}

// A secret create that succeeded but whose body could not be read still made the secret, and a
// Location naming it says which: the secret is as sent (created unknown until it is read), rather
// than one that "may have been created", which the caller must find and delete.
func TestCreateClientSecret_unreadableSuccessWithLocation(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, tc := range map[string]struct {
		answer http.HandlerFunc
		wantID string // "" wants ErrOutcomeUnknown
	}{
		"garbage body, Location": {unreadableSuccess(http.StatusCreated, "/core/iam/v1/clients/c1/secrets/s7"), "s7"},
		// What the broken body said before it broke off counts for nothing.
		"body cut off, Location": {func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "https://api.example/v1/clients/c1/secrets/s8")
			cutBody(w, http.StatusCreated, `{"clientSecretId":"other","description":"x`)
		}, "s8"},
		"garbage body, no Location":                         {unreadableSuccess(http.StatusCreated, ""), ""},
		"garbage body, Location of another client's secret": {unreadableSuccess(http.StatusCreated, "/v1/clients/c2/secrets/s9"), ""},
		"garbage body, Location of the client":              {unreadableSuccess(http.StatusCreated, "/v1/clients/c1"), ""},
		"502 with Location": {func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/v1/clients/c1/secrets/s10")
			w.WriteHeader(http.StatusBadGateway)
		}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, newRecorder(map[string]http.HandlerFunc{"POST /v1/clients/c1/secrets": tc.answer}).serve)
			s, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: testSecret, Description: "deploy", Expiration: &exp})
			if tc.wantID == "" {
				if !errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("want ErrOutcomeUnknown, got %+v, %v", s, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.ClientID != "c1" || s.ClientSecretID != tc.wantID || s.Value != testSecret || s.Description != "deploy" ||
				s.Expiration == nil || !s.Expiration.Equal(exp) || !s.Created.IsZero() {
				t.Fatalf("CreateClientSecret = %+v (expiration %v)", s, s.Expiration)
			}
		})
	}
}

// unreadableSuccess answers status with a Location header (none when location is "") and a body
// that is no JSON: a success whose answer cannot be read.
func unreadableSuccess(status int, location string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if location != "" {
			w.Header().Set("Location", location)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<html>"))
	}
}
