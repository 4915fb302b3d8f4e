package mockserver

import (
	"strings"
	"testing"
	"time"
)

func TestBearerAuth(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("noiam")
	apiOnly := e.mustToken(testAdminID, testAdminSecret, "api")
	doomedID, doomedSecret := e.newClientWithSecret("doomed")
	e.grant("client-"+doomedID, "/", "owner")
	doomed := e.mustToken(doomedID, doomedSecret)
	e.want(e.call("DELETE", "/v1/clients/"+doomedID, nil), 204)

	tests := []struct {
		name, token, path string
		status            int
		challenge         string
		golden            string
	}{
		{"missing", "", "/v1/clients", 401, `Bearer realm="aritma-mock"`, "auth_401_missing"},
		{"unknown", "not-a-token", "/v1/clients", 401, `error="invalid_token"`, "auth_401_invalid_token"},
		{"missing on unknown route", "", "/v1/nope", 401, "Bearer", ""},
		{"client deleted", doomed, "/v1/clients", 401, `error="invalid_token"`, ""},
		{"no services.iam", apiOnly, "/v1/clients", 403, `error="insufficient_scope"`, "auth_403_scope"},
		{"no services.iam before 404 route", apiOnly, "/v1/nope", 403, "insufficient_scope", ""},
		{"no IAM permission", e.mustToken(id, secret), "/v1/clients", 403, "", "auth_403_permission"},
		{"route 404 before IAM permission", e.mustToken(id, secret), "/v1/nope", 404, "", ""},
		{"catalogue needs no permission", e.mustToken(id, secret), "/v1/actions", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.callAs(tt.token, "GET", tt.path, nil)
			if tt.status == 200 {
				e.want(res, 200)
				return
			}
			e.wantProblem(res, tt.status, "", "")
			if got := res.header.Get("WWW-Authenticate"); tt.challenge != "" && !contains(got, tt.challenge) {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tt.challenge)
			}
			if tt.golden != "" {
				e.golden(tt.golden, res)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t)
	e.want(e.call("GET", "/v1/clients", nil), 200)
	e.clock.Advance(time.Hour)
	e.wantProblem(e.call("GET", "/v1/clients", nil), 401, "", "")
}

func TestIAMAuthorization(t *testing.T) {
	e := newEnv(t)
	id, secret := e.newClientWithSecret("limited")
	sid := "client-" + id
	tok := func() string { return e.mustToken(id, secret) }

	// Nothing granted yet.
	e.wantProblem(e.callAs(tok(), "GET", "/v1/policies", nil), 403, "", "")

	// read grants read, not write; write does not grant read (siblings).
	e.grant(sid, "/", "iam.client.read")
	e.want(e.callAs(tok(), "GET", "/v1/clients", nil), 200)
	e.wantProblem(e.callAs(tok(), "POST", "/v1/clients", clientBodyOK("x")), 403, "", "")
	e.wantProblem(e.callAs(tok(), "GET", "/v1/subjects", nil), 403, "", "")

	// A grant below "/" does not count for IAM calls.
	e.grant(sid, "/subscriptions/1", "iam.manage")
	e.wantProblem(e.callAs(tok(), "GET", "/v1/policies", nil), 403, "", "")

	// 403 (permission) comes before 404 (resource) and 400 (validation).
	e.wantProblem(e.callAs(tok(), "DELETE", "/v1/clients/ghost", nil), 403, "", "")
	e.wantProblem(e.callAs(tok(), "POST", "/v1/policies", "{bad json"), 403, "", "")

	// Through a nested group: limited ∈ inner ∈ outer, outer holds iam.manage.
	inner, outer := e.newGroup("inner"), e.newGroup("outer")
	e.want(e.call("POST", "/v1/subjects/groups/"+inner+"/members", map[string]any{"subjectIds": []string{sid}}), 204)
	e.want(e.call("POST", "/v1/subjects/groups/"+outer+"/members", map[string]any{"subjectIds": []string{"group-" + inner}}), 204)
	e.grant("group-"+outer, "/", "iam.manage")
	e.want(e.callAs(tok(), "GET", "/v1/policies", nil), 200)
	e.want(e.callAs(tok(), "POST", "/v1/clients", clientBodyOK("made-by-limited")), 201)

	// Unrelated actions do not grant IAM rights.
	other, otherSecret := e.newClientWithSecret("banker")
	e.grant("client-"+other, "/", "banking.manage")
	e.wantProblem(e.callAs(e.mustToken(other, otherSecret), "GET", "/v1/clients", nil), 403, "", "")
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
