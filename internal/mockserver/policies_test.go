package mockserver

import (
	"net/url"
	"strings"
	"testing"
)

func TestPolicyLifecycle(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("svc")
	sid := "client-" + id
	res := e.want(e.call("POST", "/v1/policies", map[string]any{"subject": sid, "scope": "/subscriptions/123", "action": "banking.ais.read"}), 200)
	if res.str("tenant") != DefaultTenantID {
		t.Errorf("tenant: %s", res.raw)
	}
	e.golden("policy_create", res)
	dup := e.call("POST", "/v1/policies", map[string]any{"subject": sid, "scope": "/subscriptions/123", "action": "banking.ais.read"})
	e.wantProblem(dup, 409, "", "")
	e.golden("policy_409", dup)

	e.grant(sid, "/subscriptions/123", "banking.ais.create")
	e.grant(sid, "/subscriptions/123/resource-groups/my-company", "banking.ais.read")
	e.grant("user-"+SeedUserAliceID, "/", "banking.manage")

	tests := []struct {
		query string
		total int
	}{
		{"subject=" + sid, 3},
		{"subject=" + sid + "&scope=/subscriptions/123", 2},
		{"subject=" + sid + "&scope=/subscriptions/123&action=banking.ais.read", 1},
		{"action=banking.ais.read", 2},
		{"scope=/subscriptions", 0}, // exact, not prefix
		{"subject=client-nobody", 0},
		{"action=banking.manage", 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.want(e.call("GET", "/v1/policies?"+tt.query, nil), 200)
			if res.num("total") != tt.total || res.num("count") != tt.total {
				t.Errorf("got %s", res.raw)
			}
		})
	}
	list := e.want(e.call("GET", "/v1/policies?subject="+sid, nil), 200)
	e.golden("policy_list", list)
	// Ordered by (subject, scope, action).
	if a := list.str("data.0.action"); a != "banking.ais.create" {
		t.Errorf("order: %s", list.raw)
	}
	if l := e.want(e.call("GET", "/v1/policies?pageSize=1", nil), 200); l.num("pageSize") != 10 {
		t.Errorf("pageSize not clamped to 10: %s", l.raw)
	}

	del := url.Values{"subject": {sid}, "scope": {"/subscriptions/123"}, "action": {"banking.ais.read"}}
	e.want(e.call("DELETE", "/v1/policies?"+del.Encode(), nil), 204)
	e.golden("policy_delete_404", e.call("DELETE", "/v1/policies?"+del.Encode(), nil))
	res = e.call("DELETE", "/v1/policies?subject="+sid, nil)
	e.wantProblem(res, 400, "scope", "scope is required")
	e.wantProblem(res, 400, "action", "action is required")
}

func TestPolicyValidation(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("svc")
	sid := "client-" + id
	p := func(subject, scope, action string) map[string]any {
		return map[string]any{"subject": subject, "scope": scope, "action": action}
	}
	tests := []struct {
		name  string
		body  any
		field string
		msg   string
	}{
		{"not json", "nope", "", "not valid JSON"},
		{"subject missing", map[string]any{"scope": "/", "action": "owner"}, "subject", "subject is required"},
		{"subject malformed", p("bob", "/", "owner"), "subject", "user-<id>, client-<id> or group-<id>"},
		{"subject unknown", p("client-ghost", "/", "owner"), "subject", `subject "client-ghost" does not exist`},
		{"subject unknown user", p("user-ghost", "/", "owner"), "subject", "does not exist"},
		{"scope missing", map[string]any{"subject": sid, "action": "owner"}, "scope", "scope is required"},
		{"scope relative", p(sid, "subscriptions/1", "owner"), "scope", `must start with "/"`},
		{"scope odd", p(sid, "/subscriptions", "owner"), "scope", "/<type>/<id> pairs"},
		{"scope trailing slash", p(sid, "/subscriptions/1/", "owner"), "scope", `must not end with "/"`},
		{"scope empty segment", p(sid, "/subscriptions//1", "owner"), "scope", "empty segments"},
		{"scope bad char", p(sid, "/subscriptions/a b", "owner"), "scope", "may only contain"},
		{"scope too long", p(sid, "/a/"+strings.Repeat("b", 600), "owner"), "scope", "at most 512"},
		{"action missing", map[string]any{"subject": sid, "scope": "/"}, "action", "action is required"},
		{"action unknown", p(sid, "/", "banking.everything"), "action", `action "banking.everything" is not in the action catalogue`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantProblem(e.call("POST", "/v1/policies", tt.body), 400, tt.field, tt.msg)
		})
	}
	for _, scope := range []string{"/", "/subscriptions/123", "/subscriptions/123/resource-groups/my-company", "/a.b/c_d~e-f"} {
		e.grant(sid, scope, "owner")
	}
	e.golden("policy_validation", e.call("POST", "/v1/policies", p("x", "/subscriptions", "nope")))
}
