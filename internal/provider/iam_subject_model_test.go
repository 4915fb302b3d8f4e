package provider

import (
	"context"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func TestSubjectModelFromAPI(t *testing.T) {
	tenant := "tenant-1"
	for name, tc := range map[string]struct {
		in   iam.Subject
		want subjectModel
	}{
		"tenant subject": {
			in: iam.Subject{Type: "client", ID: "abc", SubjectID: "client-abc", DisplayName: "svc", Tenant: &tenant},
			want: subjectModel{
				SubjectID: types.StringValue("client-abc"), ID: types.StringValue("abc"), Type: types.StringValue("client"),
				DisplayName: types.StringValue("svc"), Tenant: types.StringValue("tenant-1"),
			},
		},
		"global subject has a null tenant": {
			in: iam.Subject{Type: "user", ID: "u1", SubjectID: "user-u1", DisplayName: ""},
			want: subjectModel{
				SubjectID: types.StringValue("user-u1"), ID: types.StringValue("u1"), Type: types.StringValue("user"),
				DisplayName: types.StringValue(""), Tenant: types.StringNull(),
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := subjectModelFromAPI(tc.in); got != tc.want {
				t.Errorf("subjectModelFromAPI() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSubjectPropertiesFromAPI(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		in   map[string]any
		want map[string]string
	}{
		"nil":   {in: nil, want: map[string]string{}},
		"empty": {in: map[string]any{}, want: map[string]string{}},
		"mixed": {
			in: map[string]any{
				"email": "a@example.com", "memberCount": float64(3), "enabled": true,
				"gone": nil, "nested": map[string]any{"k": "v"}, "list": []any{"x", 1.5},
			},
			want: map[string]string{
				"email": "a@example.com", "memberCount": "3", "enabled": "true",
				"nested": `{"k":"v"}`, "list": `["x",1.5]`,
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, diags := subjectPropertiesFromAPI(ctx, tc.in)
			if diags.HasError() {
				t.Fatalf("diagnostics: %v", diags)
			}
			if got.IsNull() || got.IsUnknown() {
				t.Fatalf("got %v, want a known map", got)
			}
			var m map[string]string
			if d := got.ElementsAs(ctx, &m, false); d.HasError() {
				t.Fatalf("ElementsAs: %v", d)
			}
			if len(m) != len(tc.want) {
				t.Fatalf("got %v, want %v", m, tc.want)
			}
			for k, v := range tc.want {
				if m[k] != v {
					t.Errorf("%s = %q, want %q", k, m[k], v)
				}
			}
		})
	}
}

func TestPermissionModelFromAPI(t *testing.T) {
	got := permissionModelFromAPI(iam.Permission{Action: "owner", Scope: "/", GrantedVia: "group-g"})
	want := permissionModel{
		Action: types.StringValue("owner"), Scope: types.StringValue("/"), ResourceType: types.StringValue(""),
		ResourceProvider: types.StringValue(""), GrantedVia: types.StringValue("group-g"),
	}
	if got != want {
		t.Errorf("permissionModelFromAPI() = %+v, want %+v", got, want)
	}
}

func TestActionModelFromAPI(t *testing.T) {
	for name, tc := range map[string]struct {
		in   iam.Action
		want actionModel
	}{
		"root": {
			in:   iam.Action{Name: "owner", Description: "Full control."},
			want: actionModel{Name: types.StringValue("owner"), Parent: types.StringNull(), Description: types.StringValue("Full control.")},
		},
		"child": {
			in:   iam.Action{Name: "iam.manage", Parent: "owner"},
			want: actionModel{Name: types.StringValue("iam.manage"), Parent: types.StringValue("owner"), Description: types.StringValue("")},
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := actionModelFromAPI(tc.in); got != tc.want {
				t.Errorf("actionModelFromAPI() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestScopeCovers(t *testing.T) {
	for _, tc := range []struct {
		granted, want string
		covers        bool
	}{
		{"/", "/", true},
		{"/", "/subscriptions/1", true},
		{"/subscriptions/1", "/subscriptions/1", true},
		{"/subscriptions/1", "/subscriptions/1/resource-groups/rg", true},
		{"/subscriptions/1", "/subscriptions/12", false},
		{"/subscriptions/12", "/subscriptions/1", false},
		{"/subscriptions/1/resource-groups/rg", "/subscriptions/1", false},
		{"/subscriptions/1", "/", false},
		{"/subscriptions/1", "/subscriptions/1x/a/b", false},
		{"", "/subscriptions/1", false}, // a grant the API named no scope for covers nothing
		{"", "/", false},
	} {
		if got := scopeCovers(tc.granted, tc.want); got != tc.covers {
			t.Errorf("scopeCovers(%q, %q) = %v, want %v", tc.granted, tc.want, got, tc.covers)
		}
	}
}

func TestActionAncestry(t *testing.T) {
	catalogue := []iam.Action{
		{Name: "owner"},
		{Name: "iam.manage", Parent: "owner"},
		{Name: "iam.client.read", Parent: "iam.manage"},
		{Name: "loop.a", Parent: "loop.b"},
		{Name: "loop.b", Parent: "loop.a"},
	}
	for _, tc := range []struct {
		action string
		want   []string
	}{
		{"iam.client.read", []string{"iam.client.read", "iam.manage", "owner"}},
		{"owner", []string{"owner"}},
		{"not.in.catalogue", []string{"not.in.catalogue"}},
		{"loop.a", []string{"loop.a", "loop.b"}},
	} {
		if got := actionAncestry(catalogue, tc.action); !slices.Equal(got, tc.want) {
			t.Errorf("actionAncestry(%q) = %v, want %v", tc.action, got, tc.want)
		}
	}
}
