package mockserver

import (
	"strings"
	"testing"
)

func TestGroups(t *testing.T) {
	e := newEnv(t)
	created := e.want(e.call("POST", "/v1/subjects/groups", map[string]any{"displayName": "Ops", "description": "on call"}), 201)
	g := created.str("id")
	if created.header.Get("Location") != "/v1/subjects/groups/"+g || created.str("subjectId") != "group-"+g || created.str("$type") != "group" {
		t.Errorf("create: %v %s", created.header, created.raw)
	}
	e.golden("group_create", created)

	alice, bob := "user-"+SeedUserAliceID, "user-"+SeedUserBobID
	e.want(e.call("POST", "/v1/subjects/groups/"+g+"/members", map[string]any{"subjectIds": []string{alice, bob}}), 204)
	e.want(e.call("POST", "/v1/subjects/groups/"+g+"/members", map[string]any{"subjectIds": []string{alice}}), 204) // no-op
	members := e.want(e.call("GET", "/v1/subjects/groups/"+g+"/members", nil), 200)
	e.golden("group_members", members)
	if members.num("total") != 2 {
		t.Fatalf("members: %s", members.raw)
	}
	if n := e.want(e.call("GET", "/v1/subjects/groups", nil), 200).num("data.0.properties.memberCount"); n != 2 {
		t.Errorf("memberCount = %d", n)
	}
	e.want(e.call("DELETE", "/v1/subjects/groups/"+g+"/members/"+bob, nil), 204)
	e.wantProblem(e.call("DELETE", "/v1/subjects/groups/"+g+"/members/"+bob, nil), 404, "", "")
	e.wantProblem(e.call("DELETE", "/v1/subjects/groups/ghost/members/"+bob, nil), 404, "", "")
	e.wantProblem(e.call("GET", "/v1/subjects/groups/ghost/members", nil), 404, "", "")
	e.wantProblem(e.call("POST", "/v1/subjects/groups/ghost/members", "{}"), 404, "", "")

	// Cycles: a ∋ b ∋ c; adding a to c, or a to itself, is refused.
	a, b, c := e.newGroup("a"), e.newGroup("b"), e.newGroup("c")
	e.want(e.call("POST", "/v1/subjects/groups/"+a+"/members", map[string]any{"subjectIds": []string{"group-" + b}}), 204)
	e.want(e.call("POST", "/v1/subjects/groups/"+b+"/members", map[string]any{"subjectIds": []string{"group-" + c}}), 204)
	cyc := e.call("POST", "/v1/subjects/groups/"+c+"/members", map[string]any{"subjectIds": []string{"group-" + a}})
	e.wantProblem(cyc, 400, "subjectIds", "would create a cycle")
	e.golden("group_cycle", cyc)
	e.wantProblem(e.call("POST", "/v1/subjects/groups/"+a+"/members", map[string]any{"subjectIds": []string{"group-" + a}}), 400, "subjectIds", "member of itself")
	// All or nothing: a valid member next to an unknown one is not added.
	e.wantProblem(e.call("POST", "/v1/subjects/groups/"+c+"/members", map[string]any{"subjectIds": []string{alice, "user-ghost"}}), 400, "subjectIds", `subject "user-ghost" does not exist`)
	if n := e.want(e.call("GET", "/v1/subjects/groups/"+c+"/members", nil), 200).num("total"); n != 0 {
		t.Errorf("partial add happened: %d", n)
	}

	// Delete cascades: policies of the group and memberships both ways.
	e.grant("group-"+b, "/", "iam.subject.read")
	e.want(e.call("DELETE", "/v1/subjects/groups/"+b, nil), 204)
	e.wantProblem(e.call("DELETE", "/v1/subjects/groups/"+b, nil), 404, "", "")
	if n := e.want(e.call("GET", "/v1/policies?subject=group-"+b, nil), 200).num("total"); n != 0 {
		t.Errorf("group policies left: %d", n)
	}
	if n := e.want(e.call("GET", "/v1/subjects/groups/"+a+"/members", nil), 200).num("total"); n != 0 {
		t.Errorf("membership in a left: %d", n)
	}
	if n := e.want(e.call("GET", "/v1/subjects/group-"+c+"/memberships", nil), 200).num("total"); n != 0 {
		t.Errorf("c still in b: %d", n)
	}
}

func TestGroupValidation(t *testing.T) {
	e := newEnv(t)
	g := e.newGroup("g")
	tests := []struct {
		name, path string
		body       any
		field, msg string
	}{
		{"no body", "/v1/subjects/groups", "", "", "request body is required"},
		{"name missing", "/v1/subjects/groups", map[string]any{"description": "x"}, "displayName", "displayName is required"},
		{"name empty", "/v1/subjects/groups", map[string]any{"displayName": ""}, "displayName", "between 1 and 200"},
		{"name long", "/v1/subjects/groups", map[string]any{"displayName": strings.Repeat("n", 201)}, "displayName", "between 1 and 200"},
		{"description long", "/v1/subjects/groups", map[string]any{"displayName": "n", "description": strings.Repeat("d", 1001)}, "description", "at most 1000"},
		{"description long in characters", "/v1/subjects/groups", map[string]any{"displayName": "n", "description": strings.Repeat("é", 1001)}, "description", "at most 1000"},
		{"members missing", "/v1/subjects/groups/" + g + "/members", map[string]any{}, "subjectIds", "subjectIds is required"},
		{"members empty", "/v1/subjects/groups/" + g + "/members", map[string]any{"subjectIds": []string{}}, "subjectIds", "at least one"},
		{"members wrong type", "/v1/subjects/groups/" + g + "/members", `{"subjectIds":"user-x"}`, "subjectIds", "must be an array"},
		{"member unknown", "/v1/subjects/groups/" + g + "/members", map[string]any{"subjectIds": []string{"client-ghost"}}, "subjectIds", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.wantProblem(e.call("POST", tt.path, tt.body), 400, tt.field, tt.msg)
		})
	}
	// Lengths count characters, not bytes: 1,000 two-byte characters are within the limit.
	e.want(e.call("POST", "/v1/subjects/groups", map[string]any{"displayName": strings.Repeat("ñ", 200), "description": strings.Repeat("é", 1000)}), 201)
}
