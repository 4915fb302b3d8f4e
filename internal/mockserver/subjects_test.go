package mockserver

import (
	"fmt"
	"testing"
)

func TestSubjectLists(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("Zeta service")
	g := e.newGroup("Admins")

	all := e.want(e.call("GET", "/v1/subjects", nil), 200)
	e.golden("subjects_all", all)
	// 4 seeded users + admin client + our client + group.
	if all.num("total") != 7 || all.num("totalPages") != 1 || all.num("pageSize") != 100 {
		t.Fatalf("all: %s", all.raw)
	}
	tests := []struct {
		path  string
		total int
		kind  string
	}{
		{"/v1/subjects/users", 4, "user"},
		{"/v1/subjects/clients", 2, "client"},
		{"/v1/subjects/groups", 1, "group"},
		{"/v1/subjects?searchQuery=ALI", 1, "user"},
		{"/v1/subjects/clients?searchQuery=zeta", 1, "client"},
		{"/v1/subjects/users?searchQuery=zeta", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := e.want(e.call("GET", tt.path, nil), 200)
			if res.num("total") != tt.total {
				t.Fatalf("got %s", res.raw)
			}
			for _, d := range res.list("data") {
				if d.(map[string]any)["$type"] != tt.kind {
					t.Errorf("wrong $type in %v", d)
				}
			}
		})
	}
	users := e.want(e.call("GET", "/v1/subjects/users", nil), 200)
	e.golden("subjects_users", users)
	support := e.want(e.call("GET", "/v1/subjects/users?searchQuery=support", nil), 200)
	if dig(support.body, "data.0.tenant") != nil {
		t.Errorf("global user has a tenant: %s", support.raw)
	}
	c := e.want(e.call("GET", "/v1/subjects/clients?searchQuery=zeta", nil), 200)
	e.golden("subjects_clients", c)
	if c.str("data.0.subjectId") != "client-"+id || c.str("data.0.properties.clientId") != id || c.str("data.0.type") != "Client" {
		t.Errorf("client subject: %s", c.raw)
	}
	gr := e.want(e.call("GET", "/v1/subjects/groups", nil), 200)
	e.golden("subjects_groups", gr)
	if gr.str("data.0.subjectId") != "group-"+g || gr.num("data.0.properties.memberCount") != 0 {
		t.Errorf("group subject: %s", gr.raw)
	}

	// Paging: clamped to 10..200, stable order, non-integers rejected.
	for i := range 15 {
		e.newClient(fmt.Sprintf("pg-%02d", i))
	}
	p1 := e.want(e.call("GET", "/v1/subjects?pageSize=3", nil), 200)
	if p1.num("pageSize") != 10 || p1.num("count") != 10 || p1.num("total") != 22 || p1.num("totalPages") != 3 {
		t.Errorf("clamp low: %s", p1.raw)
	}
	if p := e.want(e.call("GET", "/v1/subjects?pageSize=5000", nil), 200); p.num("pageSize") != 200 {
		t.Errorf("clamp high: %s", p.raw)
	}
	p3 := e.want(e.call("GET", "/v1/subjects?pageSize=10&page=3", nil), 200)
	if p3.num("count") != 2 || p3.num("page") != 3 {
		t.Errorf("page 3: %s", p3.raw)
	}
	empty := e.want(e.call("GET", "/v1/subjects?searchQuery=nothing-matches", nil), 200)
	if empty.num("totalPages") != 0 || empty.list("data") == nil {
		t.Errorf("empty: %s", empty.raw)
	}
	e.golden("subjects_empty", empty)
	for _, path := range []string{"/v1/subjects", "/v1/subjects/groups/" + g + "/members", "/v1/policies"} {
		if huge := e.want(e.call("GET", path+"?page=2147483647&pageSize=200", nil), 200); huge.num("count") != 0 {
			t.Errorf("huge page of %s: %s", path, huge.raw)
		}
	}
	e.wantProblem(e.call("GET", "/v1/subjects?page=one", nil), 400, "page", "integer")
}

func TestMembershipsAndPermissions(t *testing.T) {
	e := newEnv(t)
	id := e.newClient("worker")
	sid := "client-" + id
	inner, outer := e.newGroup("inner"), e.newGroup("outer")
	e.want(e.call("POST", "/v1/subjects/groups/"+inner+"/members", map[string]any{"subjectIds": []string{sid}}), 204)
	e.want(e.call("POST", "/v1/subjects/groups/"+outer+"/members", map[string]any{"subjectIds": []string{"group-" + inner}}), 204)

	m := e.want(e.call("GET", "/v1/subjects/"+sid+"/memberships", nil), 200)
	e.golden("memberships", m)
	if m.num("total") != 1 || m.str("data.0.id") != inner {
		t.Errorf("memberships are direct only: %s", m.raw)
	}
	e.wantProblem(e.call("GET", "/v1/subjects/client-ghost/memberships", nil), 404, "", "")

	e.grant(sid, "/subscriptions/1", "banking.ais.read")
	e.grant("group-"+inner, "/subscriptions/1/resource-groups/rg", "banking.pis.manage")
	e.grant("group-"+outer, "/", "banking.manage")
	e.grant("group-"+outer, "/other/x", "banking.channels.psd2")

	all := e.want(e.call("GET", "/v1/subjects/"+sid+"/permissions", nil), 200)
	e.golden("permissions", all)
	if all.num("total") != 4 {
		t.Fatalf("permissions: %s", all.raw)
	}
	viaClient := e.want(e.call("GET", "/v1/subjects/clients/"+id+"/permissions", nil), 200)
	e.golden("client_permissions", viaClient)
	if viaClient.num("total") != 4 {
		t.Errorf("client permissions: %s", viaClient.raw)
	}
	tests := []struct {
		query string
		total int
	}{
		{"resourceType=subscriptions", 1},
		{"resourceType=resource-groups", 1},
		{"resourceProvider=aritma.control", 2},
		{"resourceType=&resourceProvider=", 4}, // empty = absent
		{"action=banking.pis.authorize", 2},    // banking.pis.manage and banking.manage grant it
		{"action=banking.ais.read", 2},
		{"action=banking.manage", 1},
		{"action=not.in.catalogue", 0},
		{"action=banking.channels.psd2", 1},
		{"resourceType=other&action=banking.channels.psd2", 1},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := e.want(e.call("GET", "/v1/subjects/"+sid+"/permissions?"+tt.query, nil), 200)
			if res.num("total") != tt.total {
				t.Errorf("got %s", res.raw)
			}
		})
	}
	e.wantProblem(e.call("GET", "/v1/subjects/user-ghost/permissions", nil), 404, "", "")
	e.wantProblem(e.call("GET", "/v1/subjects/clients/ghost/permissions", nil), 404, "", "")
	e.wantProblem(e.call("GET", "/v1/subjects/"+sid+"/permissions?pageSize=x", nil), 400, "pageSize", "integer")
	// Leaving the group removes inherited permissions immediately.
	e.want(e.call("DELETE", "/v1/subjects/groups/"+inner+"/members/"+sid, nil), 204)
	if n := e.want(e.call("GET", "/v1/subjects/"+sid+"/permissions", nil), 200).num("total"); n != 1 {
		t.Errorf("after leaving: %d", n)
	}
}

func TestCatalogues(t *testing.T) {
	e := newEnv(t)
	acts := e.want(e.call("GET", "/v1/actions", nil), 200)
	e.golden("actions", acts)
	parents := map[string]any{}
	for _, a := range acts.body.([]any) {
		m := a.(map[string]any)
		parents[m["name"].(string)] = m["parent"]
	}
	if parents["owner"] != nil || parents["iam.client.read"] != "iam.manage" || parents["banking.channels.all"] != nil {
		t.Errorf("catalogue: %v", parents)
	}
	e.golden("scopes", e.want(e.call("GET", "/v1/scopes", nil), 200))
}

// TestSearchFoldsCase: searches compare case-insensitively as strings.EqualFold does, also where
// lower-casing both sides would not (final sigma; the Kelvin sign).
func TestSearchFoldsCase(t *testing.T) {
	e := newEnv(t)
	e.newClient("ΟΔΟΣ gateway")
	e.newClient("kelvin probe")
	for _, q := range []string{"%CE%BF%CE%B4%CE%BF%CF%82", "%CE%BF%CE%B4%CE%BF%CF%83", "GATEWAY", "%E2%84%AAELVIN"} { // οδος, οδοσ, GATEWAY, KELVIN with a Kelvin sign
		for _, path := range []string{"/v1/clients?searchText=" + q, "/v1/subjects?searchQuery=" + q, "/v1/subjects/clients?searchQuery=" + q} {
			res := e.want(e.call("GET", path, nil), 200)
			total := res.num("total") + res.num("metadata.totalCount") // Envelope B or A
			if total != 1 {
				t.Errorf("%s: found %v, want 1: %s", path, total, res.raw)
			}
		}
	}
}

func TestFoldCase(t *testing.T) {
	t.Parallel()
	for _, pair := range [][2]string{{"ΟΔΟΣ", "οδος"}, {"ΟΔΟΣ", "οδοσ"}, {"Svc-01", "sVC-01"}, {"\u212Aelvin", "KELVIN"}, {"ſtrasse", "STRASSE"}} {
		if foldCase(pair[0]) != foldCase(pair[1]) {
			t.Errorf("foldCase(%q) = %q, foldCase(%q) = %q; want equal", pair[0], foldCase(pair[0]), pair[1], foldCase(pair[1]))
		}
	}
	if foldCase("a") == foldCase("b") {
		t.Error("a and b fold alike")
	}
}
