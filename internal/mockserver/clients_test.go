package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestClientCRUD(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{
		"name": "billing", "description": "pays the bills",
		"allowedGrantTypes": []string{"client_credentials", "authorization_code"},
		"redirectUris":      []string{"https://app.example.com/cb", "http://localhost:8080/cb"},
		"allowedScopes":     []string{"services.iam", "api"},
	}
	created := e.want(e.call("POST", "/v1/clients", body), 201)
	id := created.str("clientId")
	if loc := created.header.Get("Location"); loc != "/v1/clients/"+id {
		t.Errorf("Location = %q", loc)
	}
	e.golden("client_create", created)

	got := e.want(e.call("GET", "/v1/clients/"+id, nil), 200)
	e.golden("client_get", got)

	body["name"] = "billing-2"
	body["allowedGrantTypes"] = []string{"client_credentials"}
	body["redirectUris"] = []string{}
	upd := e.want(e.call("PUT", "/v1/clients/"+id, body), 200)
	if upd.str("name") != "billing-2" || len(upd.list("redirectUris")) != 0 {
		t.Errorf("update not applied: %s", upd.raw)
	}
	e.golden("client_update", upd)

	e.want(e.call("DELETE", "/v1/clients/"+id, nil), 204)
	e.golden("client_get_404", e.want(e.call("GET", "/v1/clients/"+id, nil), 404))
	e.wantProblem(e.call("PUT", "/v1/clients/"+id, body), 404, "", "")
	e.wantProblem(e.call("DELETE", "/v1/clients/"+id, nil), 404, "", "")
	e.golden("method_not_allowed", e.want(e.call("PATCH", "/v1/clients/"+id, nil), 405))
	// 404 wins over 400 on update.
	e.wantProblem(e.call("PUT", "/v1/clients/"+id, "{}"), 404, "", "")
}

func TestClientValidation(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("target")
	mod := func(f func(m map[string]any)) map[string]any {
		m := clientBodyOK("ok")
		f(m)
		return m
	}
	tests := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"empty body", "", "", "request body is required"},
		{"not json", "{", "", "not valid JSON"},
		{"array", "[]", "", "JSON object"},
		{"two values", `{} {}`, "", "single JSON object"},
		{"invalid UTF-8", "{\"name\": \"a\xffb\"}", "", "request body is not valid UTF-8"},
		{"wrong type", `{"name": 5}`, "name", "name must be a string"},
		{"wrong list type", `{"allowedGrantTypes": "client_credentials"}`, "allowedGrantTypes", "must be an array"},
		{"wrong list item type", `{"allowedGrantTypes": [1]}`, "allowedGrantTypes", "allowedGrantTypes must be an array of strings"},
		{"name missing", mod(func(m map[string]any) { delete(m, "name") }), "name", "name is required"},
		{"name null", mod(func(m map[string]any) { m["name"] = nil }), "name", "name is required"},
		{"name empty", mod(func(m map[string]any) { m["name"] = "" }), "name", "name must be between 1 and 200 characters"},
		{"name too long", mod(func(m map[string]any) { m["name"] = strings.Repeat("é", 201) }), "name", "between 1 and 200"},
		{"description missing", mod(func(m map[string]any) { delete(m, "description") }), "description", "description is required"},
		{"description too long", mod(func(m map[string]any) { m["description"] = strings.Repeat("x", 1001) }), "description", "at most 1000"},
		{"description too long in characters", mod(func(m map[string]any) { m["description"] = strings.Repeat("é", 1001) }), "description", "at most 1000"},
		{"grant types missing", mod(func(m map[string]any) { delete(m, "allowedGrantTypes") }), "allowedGrantTypes", "allowedGrantTypes is required"},
		{"grant types empty", mod(func(m map[string]any) { m["allowedGrantTypes"] = []string{} }), "allowedGrantTypes", "at least one grant type"},
		{"grant type unknown", mod(func(m map[string]any) { m["allowedGrantTypes"] = []string{"x"} }), "allowedGrantTypes",
			`grant type "x" is not supported; allowed: client_credentials, authorization_code, refresh_token`},
		{"grant type duplicate", mod(func(m map[string]any) {
			m["allowedGrantTypes"] = []string{"client_credentials", "client_credentials"}
		}), "allowedGrantTypes", "listed more than once"},
		{"scopes missing", mod(func(m map[string]any) { delete(m, "allowedScopes") }), "allowedScopes", "allowedScopes is required"},
		{"scope unknown", mod(func(m map[string]any) { m["allowedScopes"] = []string{"openid"} }), "allowedScopes",
			`scope "openid" is not supported; allowed: services.iam, api, bankservice`},
		{"scope duplicate", mod(func(m map[string]any) { m["allowedScopes"] = []string{"api", "api"} }), "allowedScopes", "listed more than once"},
		{"redirects missing", mod(func(m map[string]any) { delete(m, "redirectUris") }), "redirectUris", "redirectUris is required"},
		{"redirects without authorization_code", mod(func(m map[string]any) { m["redirectUris"] = []string{"https://a.example/cb"} }),
			"redirectUris", "must be empty unless authorization_code is allowed"},
		{"authorization_code without redirects", mod(func(m map[string]any) { m["allowedGrantTypes"] = []string{"authorization_code"} }),
			"redirectUris", "at least one URI when authorization_code is allowed"},
		{"redirect http remote", authCode("http://example.com/cb"), "redirectUris", "must be an absolute https:// URI"},
		{"redirect http lookalike", authCode("http://localhost.example.com/cb"), "redirectUris", "must be an absolute https:// URI"},
		{"redirect relative", authCode("/cb"), "redirectUris", "must be an absolute https:// URI"},
		{"redirect other scheme", authCode("ftp://example.com/cb"), "redirectUris", "must be an absolute https:// URI"},
		{"redirect fragment", authCode("https://example.com/cb#x"), "redirectUris", "must not contain a fragment"},
		{"redirect duplicate", authCode("https://example.com/cb", "https://example.com/cb"), "redirectUris", "listed more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantProblem(e.call("POST", "/v1/clients", tt.body), 400, tt.field, tt.msg)
			e.wantProblem(e.call("PUT", "/v1/clients/"+id, tt.body), 400, tt.field, tt.msg)
		})
	}
	// Lengths count characters, not bytes.
	e.want(e.call("POST", "/v1/clients", mod(func(m map[string]any) {
		m["name"], m["description"] = strings.Repeat("ñ", 200), strings.Repeat("é", 1000)
	})), 201)
	for _, ok := range [][]string{{"http://localhost/cb"}, {"http://LOCALHOST:8080/cb"}, {"http://127.0.0.1:9000/cb"}, {"http://[::1]:9000/cb"}, {"https://a.example/cb", "https://b.example/cb"}} {
		e.want(e.call("POST", "/v1/clients", authCode(ok...)), 201)
	}
	e.golden("client_validation", e.call("POST", "/v1/clients", map[string]any{"name": "", "allowedGrantTypes": []string{"x"}}))
}

func authCode(uris ...string) map[string]any {
	m := clientBodyOK("web")
	m["allowedGrantTypes"] = []string{"authorization_code", "refresh_token"}
	m["redirectUris"] = uris
	return m
}

func TestClientList(t *testing.T) {
	e := newEnv(t)
	for i := range 25 {
		e.newClient(fmt.Sprintf("svc-%02d", i))
	}
	e.newClient("Other")

	first := e.want(e.call("GET", "/v1/clients?searchText=SVC&pageSize=10", nil), 200)
	e.golden("client_list", first)
	if first.num("metadata.totalCount") != 25 || len(first.list("items")) != 10 {
		t.Fatalf("page 1: %s", first.raw)
	}
	// Following next links visits every match once, in name order.
	var names []string
	next := first.str("links.next")
	for _, it := range first.list("items") {
		names = append(names, it.(map[string]any)["name"].(string))
	}
	for next != "" {
		res := e.want(e.call("GET", strings.TrimPrefix(next, e.ts.URL), nil), 200)
		for _, it := range res.list("items") {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		next = res.str("links.next")
	}
	if len(names) != 25 || names[0] != "svc-00" || names[24] != "svc-24" {
		t.Errorf("paged names = %v", names)
	}
	last := e.want(e.call("GET", "/v1/clients?searchText=svc&pageSize=10&page=3", nil), 200)
	if last.str("links.next") != "" || !strings.Contains(last.str("links.previous"), "page=2") || len(last.list("items")) != 5 {
		t.Errorf("last page: %s", last.raw)
	}

	tests := []struct {
		query     string
		page      int
		pageSize  int
		itemCount int
	}{
		{"", 1, 20, 20},
		{"?page=0", 1, 20, 20},
		{"?page=-3&pageSize=-1", 1, 20, 20},
		{"?pageSize=0", 1, 1, 1},
		{"?pageSize=1000", 1, 100, 27},
		{"?page=99", 99, 20, 0},
		{"?pageSize=2147483647", 1, 100, 27},
		{"?pageSize=-2147483648", 1, 20, 20},
		{"?searchText=other", 1, 20, 1},
		{"?searchText=nomatch", 1, 20, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.want(e.call("GET", "/v1/clients"+tt.query, nil), 200)
			if res.num("metadata.page") != tt.page || res.num("metadata.pageSize") != tt.pageSize || len(res.list("items")) != tt.itemCount {
				t.Errorf("got %s", res.raw)
			}
		})
	}
	// Beyond the last page, previous leads back to the last page that has items, not to the one
	// before the page asked for.
	if beyond := e.want(e.call("GET", "/v1/clients?page=99", nil), 200); !regexp.MustCompile(`[?&]page=2(&|$)`).MatchString(beyond.str("links.previous")) {
		t.Errorf("previous link of page 99 of 2 = %q, want page 2", beyond.str("links.previous"))
	}
	if huge := e.want(e.call("GET", "/v1/clients?page=2147483647&pageSize=100", nil), 200); len(huge.list("items")) != 0 {
		t.Errorf("huge page: %s", huge.raw)
	}
	// page and pageSize are int32 in the API: beyond that, refused, not clamped.
	e.wantProblem(e.call("GET", "/v1/clients?page=2147483648", nil), 400, "page", "page must be an integer between -2147483648 and 2147483647")
	e.wantProblem(e.call("GET", "/v1/clients?pageSize=-99999999999999999999", nil), 400, "pageSize", "pageSize must be an integer between -2147483648 and 2147483647")
	e.wantProblem(e.call("GET", "/v1/clients?page=x", nil), 400, "page", "page must be an integer")
	e.wantProblem(e.call("GET", "/v1/clients?pageSize=1.5", nil), 400, "pageSize", "pageSize must be an integer")
	empty := e.want(e.call("GET", "/v1/clients?searchText=nomatch", nil), 200)
	e.golden("client_list_empty", empty)
}

func TestClientDeleteCascades(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("gone")
	sid := "client-" + id
	creds := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	e.want(e.tokenReq("/connect/token", creds, nil), 200)
	g := e.newGroup("team")
	e.want(e.call("POST", "/v1/subjects/groups/"+g+"/members", map[string]any{"subjectIds": []string{sid}}), 204)
	e.grant(sid, "/subscriptions/1", "banking.ais.read")
	e.want(e.call("DELETE", "/v1/clients/"+id, nil), 204)

	if n := e.want(e.call("GET", "/v1/policies?subject="+sid, nil), 200).num("total"); n != 0 {
		t.Errorf("policies left: %d", n)
	}
	if n := e.want(e.call("GET", "/v1/subjects/groups/"+g+"/members", nil), 200).num("total"); n != 0 {
		t.Errorf("memberships left: %d", n)
	}
	// The group's count agrees: the membership is gone, not just hidden from the member list.
	if n := e.want(e.call("GET", "/v1/subjects/groups", nil), 200).num("data.0.properties.memberCount"); n != 0 {
		t.Errorf("memberCount = %d after its only member was deleted", n)
	}
	e.wantProblem(e.call("GET", "/v1/clients/"+id+"/secrets", nil), 404, "", "")
	// Its credentials stop working with it.
	e.want(e.tokenReq("/connect/token", creds, nil), 401)
	// Recreating the policy for the gone subject is a 400.
	e.wantProblem(e.call("POST", "/v1/policies", map[string]any{"subject": sid, "scope": "/", "action": "owner"}), 400, "subject", "does not exist")
}

// Every body the API takes is JSON: another media type, or none, is 415 before the handler runs.
func TestJSONContentTypeRequired(t *testing.T) {
	e := newEnv(t)
	body, err := json.Marshal(clientBodyOK("typed"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"text/plain", "", "application/x-www-form-urlencoded"} {
		req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/v1/clients", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.token)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		res := e.send(req)
		e.wantProblem(res, 415, "", "")
		if res.str("type") == "" {
			t.Errorf("415 without a problem type: %s", res.raw)
		}
	}
	if n := len(e.call("GET", "/v1/clients?searchText=typed", nil).list("items")); n != 0 {
		t.Errorf("%d clients created by refused requests", n)
	}
	for _, ct := range []string{"application/json; charset=utf-8", "application/problem+json", "text/json"} {
		req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/v1/clients", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", ct)
		e.want(e.send(req), 201)
	}
}

// Paging links keep an escaped "/" in an id escaped, so following them reaches the same route.
func TestPageLinksKeepEscapedPath(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AdminClientID = "adm/in x" })
	res := e.want(e.call("GET", "/v1/clients/adm%2Fin%20x/secrets?pageSize=1", nil), 200)
	first := res.str("links.first")
	if !strings.Contains(first, "/v1/clients/adm%2Fin%20x/secrets?") {
		t.Fatalf("links.first = %q", first)
	}
	u, err := url.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	e.want(e.call("GET", u.RequestURI(), nil), 200)
}
