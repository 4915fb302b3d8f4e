package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"/", "", "/subscriptions/123", "/subscriptions/123/resource-groups/my-company", "/a", "//", "/a/b/", "/a b/c", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := parseScope(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// Accepted scopes are well formed and rebuild exactly.
		if len(s) > maxScopeLen || len(segs)%2 != 0 {
			t.Fatalf("accepted %q with %d segments", s, len(segs))
		}
		if got := "/" + strings.Join(segs, "/"); got != s {
			t.Fatalf("rebuilt %q from %q", got, s)
		}
		for _, seg := range segs {
			if seg == "" {
				t.Fatalf("empty segment in %q", s)
			}
		}
		rt, _ := resourceOf(s)
		if len(segs) > 0 && rt != segs[len(segs)-2] {
			t.Fatalf("resourceType %q of %q", rt, s)
		}
	})
}

func FuzzDecodeJSONRequest(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"name":"a","description":"","allowedGrantTypes":["client_credentials"],"redirectUris":[],"allowedScopes":[]}`,
		`{"name":5}`, `{"allowedGrantTypes":"x"}`, `{} {}`, `{"name":"\u00e9"}`, `{"value":"12345678","expiration":null}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c clientBody
		errs := decodeJSON(strings.NewReader(string(data)), &c)
		if errs != nil {
			for k, msgs := range errs {
				if len(msgs) == 0 || msgs[0] == "" {
					t.Fatalf("empty message for %q", k)
				}
			}
			return
		}
		// A decoded body validates without panicking; messages quote input with
		// %q, so they stay valid UTF-8 whatever the input was.
		for _, msgs := range c.validate() {
			for _, m := range msgs {
				if m == "" || !utf8.ValidString(m) {
					t.Fatalf("bad validation message %q", m)
				}
			}
		}
		var sb secretBody
		if decodeJSON(strings.NewReader(string(data)), &sb) == nil {
			_, _ = sb.validate(newFakeClock().Now())
		}
	})
}

// FuzzHandlers sends arbitrary bodies to every route that reads one, through the mock's real
// handler with an admin token: whatever the body, the answer is not a 5xx, and a 4xx is an RFC
// 7807 problem whose field errors, if any, all carry a message.
func FuzzHandlers(f *testing.F) {
	srv, err := New(Options{AdminClientID: testAdminID, AdminClientSecret: testAdminSecret, EnableControl: true})
	if err != nil {
		f.Fatal(err)
	}
	h := srv.Handler()
	serve := func(method, target, contentType string, body []byte, token string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	type route struct{ method, target string }
	var token string
	var routes []route
	// prepare resets the mock to its seed, takes a fresh token and makes the client and the group
	// the routes act on. It runs again every resetEvery inputs, so the state stays small (a
	// client's secret limit is not reached for good) and the token never expires.
	prepare := func(tb testing.TB) {
		if err := srv.Reset(); err != nil {
			tb.Fatal(err)
		}
		srv.SetFaults(Faults{})
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {testAdminID}, "client_secret": {testAdminSecret}}
		res := serve(http.MethodPost, "/connect/token", "application/x-www-form-urlencoded", []byte(form.Encode()), "")
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(res.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
			tb.Fatalf("token: %d %s", res.Code, res.Body)
		}
		token = tok.AccessToken
		res = serve(http.MethodPost, "/v1/clients", "application/json", []byte(
			`{"name":"fuzz","description":"","allowedGrantTypes":["client_credentials"],"allowedScopes":["api"],"redirectUris":[]}`), token)
		var client struct {
			ClientID string `json:"clientId"`
		}
		if err := json.Unmarshal(res.Body.Bytes(), &client); err != nil || client.ClientID == "" {
			tb.Fatalf("client: %d %s", res.Code, res.Body)
		}
		res = serve(http.MethodPost, "/v1/subjects/groups", "application/json", []byte(`{"displayName":"fuzz"}`), token)
		var group struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(res.Body.Bytes(), &group); err != nil || group.ID == "" {
			tb.Fatalf("group: %d %s", res.Code, res.Body)
		}
		// Every route that reads a request body.
		routes = []route{
			{http.MethodPost, "/v1/clients"},
			{http.MethodPut, "/v1/clients/" + client.ClientID},
			{http.MethodPost, "/v1/clients/" + client.ClientID + "/secrets"},
			{http.MethodPost, "/v1/policies"},
			{http.MethodPost, "/v1/subjects/groups"},
			{http.MethodPost, "/v1/subjects/groups/" + group.ID + "/members"},
			{http.MethodPut, "/_mock/faults"},
			{http.MethodPost, "/connect/token"},
		}
	}
	prepare(f)
	const resetEvery = 200
	inputs := 0
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `{"name":"a","description":"","allowedGrantTypes":["client_credentials"],"allowedScopes":["api"],"redirectUris":[]}`,
		`{"value":"12345678","description":"","expiration":null}`, `{"subject":"group-x","action":"owner","scope":"/"}`,
		`{"subjectIds":["client-x"]}`, `{"latencyMs":-1}`, `{"name":5}`, "\xff", `{} {}`, `grant_type=client_credentials`,
	} {
		for i := range routes {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		if inputs++; inputs%resetEvery == 0 {
			prepare(t)
		}
		r := routes[int(route)%len(routes)]
		contentType := "application/json"
		if r.target == "/connect/token" {
			contentType = "application/x-www-form-urlencoded"
		}
		start := time.Now()
		res := serve(r.method, r.target, contentType, body, token)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%s %s took %s for %q", r.method, r.target, d, body)
		}
		if r.target == "/_mock/faults" {
			// Keep the mock fault-free for the next input, whatever this one set.
			defer srv.SetFaults(Faults{})
		}
		if res.Code >= 500 {
			t.Fatalf("%s %s answered %d to %q: %s", r.method, r.target, res.Code, body, res.Body)
		}
		if res.Code < 400 || r.target == "/connect/token" {
			return
		}
		var problem struct {
			Status int                 `json:"status"`
			Title  string              `json:"title"`
			Errors map[string][]string `json:"errors"`
		}
		if ct := res.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("%s %s answered %d as %q: %s", r.method, r.target, res.Code, ct, res.Body)
		}
		if err := json.Unmarshal(res.Body.Bytes(), &problem); err != nil || problem.Status != res.Code || problem.Title == "" {
			t.Fatalf("%s %s answered %d with a bad problem (%v): %s", r.method, r.target, res.Code, err, res.Body)
		}
		for k, msgs := range problem.Errors {
			if len(msgs) == 0 || msgs[0] == "" {
				t.Fatalf("%s %s: field %q without a message: %s", r.method, r.target, k, res.Body)
			}
		}
	})
}
