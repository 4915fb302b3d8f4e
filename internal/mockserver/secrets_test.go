package mockserver

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSecretLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("svc")
	exp := e.clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
	created := e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{
		"value": "first-secret-1", "description": "rotation A", "expiration": exp,
	}), 201)
	if created.str("value") != "first-secret-1" || created.str("clientId") != id || created.str("expiration") != exp {
		t.Errorf("create: %s", created.raw)
	}
	e.golden("secret_create", created)
	e.clock.Advance(time.Second) // distinct created times pin the list order
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "second-secret", "description": "", "expiration": nil}), 201)

	list := e.want(e.call("GET", "/v1/clients/"+id+"/secrets", nil), 200)
	e.golden("secret_list", list)
	if strings.Contains(string(list.raw), "first-secret-1") || strings.Contains(string(list.raw), `"value"`) {
		t.Fatalf("list leaks a value: %s", list.raw)
	}
	if list.num("metadata.totalCount") != 2 {
		t.Fatalf("list: %s", list.raw)
	}
	// Both secrets work at the token endpoint.
	e.mustToken(id, "first-secret-1")
	e.mustToken(id, "second-secret")

	secID := created.str("clientSecretId")
	e.want(e.call("DELETE", "/v1/clients/"+id+"/secrets/"+secID, nil), 204)
	e.wantProblem(e.call("DELETE", "/v1/clients/"+id+"/secrets/"+secID, nil), 404, "", "")
	e.wantProblem(e.call("DELETE", "/v1/clients/ghost/secrets/"+secID, nil), 404, "", "")
	e.wantProblem(e.call("GET", "/v1/clients/ghost/secrets", nil), 404, "", "")
	e.wantProblem(e.call("POST", "/v1/clients/ghost/secrets", "{}"), 404, "", "")
	if n := e.want(e.call("GET", "/v1/clients/"+id+"/secrets", nil), 200).num("metadata.totalCount"); n != 1 {
		t.Errorf("after delete: %d", n)
	}

	// Expired secrets stay listed but stop working.
	e.advance(72 * time.Hour)
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{
		"value": "third-secret", "description": "", "expiration": e.clock.Now().Add(time.Minute).Format(time.RFC3339),
	}), 201)
	e.mustToken(id, "third-secret")
	e.advance(2 * time.Minute)
	if n := e.want(e.call("GET", "/v1/clients/"+id+"/secrets", nil), 200).num("metadata.totalCount"); n != 2 {
		t.Errorf("expired secret not listed")
	}
	expired := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {"third-secret"}}
	if res := e.tokenReq("/connect/token", expired, nil); res.status != 401 || res.str("error") != "invalid_client" {
		t.Errorf("an expired secret still gets a token: %d %s", res.status, res.raw)
	}
	e.mustToken(id, "second-secret") // the one without an expiration works on
}

func TestSecretValidation(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("svc")
	now := e.clock.Now()
	tests := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"empty body", "", "", "request body is required"},
		{"value missing", map[string]any{"description": ""}, "value", "value is required"},
		{"value short", map[string]any{"value": "1234567", "description": ""}, "value", "value must be between 8 and 32 characters"},
		{"value long", map[string]any{"value": strings.Repeat("x", 33), "description": ""}, "value", "value must be between 8 and 32 characters"},
		{"value long in code points", map[string]any{"value": strings.Repeat("ø", 33), "description": ""}, "value", "between 8 and 32"},
		{"description missing", map[string]any{"value": "12345678"}, "description", "description is required"},
		{"description long", map[string]any{"value": "12345678", "description": strings.Repeat("d", 201)}, "description", "at most 200"},
		{"expiration past", map[string]any{"value": "12345678", "description": "", "expiration": now.Add(-time.Second).Format(time.RFC3339)}, "expiration", "must be in the future"},
		{"expiration now", map[string]any{"value": "12345678", "description": "", "expiration": now.Format(time.RFC3339)}, "expiration", "must be in the future"},
		{"expiration no zone", map[string]any{"value": "12345678", "description": "", "expiration": "2031-01-01T00:00:00"}, "expiration", "must include a time zone"},
		{"expiration no zone, lowercase t", map[string]any{"value": "12345678", "description": "", "expiration": "2031-01-01t00:00:00"}, "expiration", "must include a time zone"},
		{"expiration offset hour 24", map[string]any{"value": "12345678", "description": "", "expiration": "2031-01-01T00:00:00+24:00"}, "expiration", "RFC 3339"},
		{"expiration offset minute 60", map[string]any{"value": "12345678", "description": "", "expiration": "2031-01-01T00:00:00-00:60"}, "expiration", "RFC 3339"},
		{"expiration past year 9999 in UTC", map[string]any{"value": "12345678", "description": "", "expiration": "9999-12-31T23:59:59-05:00"}, "expiration", "expiration must be no later than 9999-12-31T23:59:59Z"},
		{"expiration garbage", map[string]any{"value": "12345678", "description": "", "expiration": "tomorrow"}, "expiration", "RFC 3339"},
		{"expiration number", `{"value":"12345678","description":"","expiration":5}`, "expiration", "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantProblem(e.call("POST", "/v1/clients/"+id+"/secrets", tt.body), 400, tt.field, tt.msg)
		})
	}
	// Exactly 8 and 32 code points are fine; an offset zone is fine.
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": strings.Repeat("ø", 8), "description": ""}), 201)
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": strings.Repeat("x", 32), "description": "", "expiration": "2031-01-01T00:00:00+02:00"}), 201)
	// The last instant UTC can write in RFC 3339 is fine, and answered as it was given.
	last := e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": strings.Repeat("z", 32), "description": "", "expiration": "9999-12-31T23:59:59.5Z"}), 201)
	if !strings.Contains(string(last.raw), `"expiration":"9999-12-31T23:59:59.5Z"`) {
		t.Fatalf("create answer %s, want the expiration as given", last.raw)
	}
	// RFC 3339 allows a lowercase "t" and "z".
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": strings.Repeat("y", 32), "description": "", "expiration": "2031-01-01t00:00:00z"}), 201)
}

func TestSecretLimit(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("svc")
	for i := range MaxSecretsPerClient {
		e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": fmt.Sprintf("secret-%03d", i), "description": ""}), 201)
	}
	res := e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "one-too-many", "description": ""})
	e.wantProblem(res, 409, "", "")
	e.golden("secret_409", res)
	// 400 wins over 409.
	e.wantProblem(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "short", "description": ""}), 400, "value", "between 8 and 32")
	// Paging through 20 secrets at size 7 sees each once, ordered by created then id.
	seen := map[string]bool{}
	for p := 1; p <= 3; p++ {
		res := e.want(e.call("GET", fmt.Sprintf("/v1/clients/%s/secrets?pageSize=7&page=%d", id, p), nil), 200)
		for _, it := range res.list("items") {
			seen[it.(map[string]any)["clientSecretId"].(string)] = true
		}
	}
	if len(seen) != MaxSecretsPerClient {
		t.Errorf("paged %d secrets", len(seen))
	}
	e.wantProblem(e.call("GET", "/v1/clients/"+id+"/secrets?page=abc", nil), 400, "page", "integer")
}
