package provider

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/text/unicode/norm"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// Subject types as the API spells them in "$type" and in subject ids ("<type>-<id>").
const (
	subjectTypeAll    = "all"
	subjectTypeUser   = "user"
	subjectTypeClient = "client"
	subjectTypeGroup  = "group"
)

// subjectModel is one subject in aritma_iam_subjects.
type subjectModel struct {
	SubjectID   types.String `tfsdk:"subject_id"`
	ID          types.String `tfsdk:"id"`
	Type        types.String `tfsdk:"type"`
	DisplayName types.String `tfsdk:"display_name"`
	Tenant      types.String `tfsdk:"tenant"`
}

// sortSubjects puts subjects in the order the docs promise, by display name, then subject id,
// whatever order the API lists them in.
func sortSubjects(subjects []subjectModel) {
	slices.SortFunc(subjects, func(a, b subjectModel) int {
		return cmp.Or(compareNames(a.DisplayName.ValueString(), b.DisplayName.ValueString()),
			strings.Compare(a.SubjectID.ValueString(), b.SubjectID.ValueString()))
	})
}

// compareNames orders names as Terraform shows them: composed (NFC), as cty holds every string,
// so that a name the API holds decomposed sorts where it is shown.
func compareNames(a, b string) int {
	return strings.Compare(norm.NFC.String(a), norm.NFC.String(b))
}

// subjectModelFromAPI converts a subject; a global subject (no tenant) gets a null tenant.
func subjectModelFromAPI(s iam.Subject) subjectModel {
	return subjectModel{
		SubjectID:   types.StringValue(s.SubjectID),
		ID:          types.StringValue(s.ID),
		Type:        types.StringValue(s.Type),
		DisplayName: types.StringValue(s.DisplayName),
		Tenant:      types.StringPointerValue(s.Tenant),
	}
}

// subjectPropertiesFromAPI flattens the free-form properties into a map of strings: strings stay
// as they are, anything else (numbers, booleans, objects) is kept as its JSON text, and null
// properties are left out. A subject without properties gets an empty map, never null, so
// references such as `properties["email"]` fail with a clear "no such key" only when it is absent.
func subjectPropertiesFromAPI(ctx context.Context, props map[string]any) (types.Map, diag.Diagnostics) {
	out := make(map[string]string, len(props))
	for k, p := range props {
		switch v := p.(type) {
		case nil:
		case string:
			out[k] = v
		default:
			b, err := json.Marshal(v)
			if err != nil {
				// Values decoded from JSON always marshal again; anything else is skipped, not fatal.
				continue
			}
			out[k] = string(b)
		}
	}
	return types.MapValueFrom(ctx, types.StringType, out)
}

// permissionModel is one effective permission in aritma_iam_permissions.
type permissionModel struct {
	Action           types.String `tfsdk:"action"`
	Scope            types.String `tfsdk:"scope"`
	ResourceType     types.String `tfsdk:"resource_type"`
	ResourceProvider types.String `tfsdk:"resource_provider"`
	GrantedVia       types.String `tfsdk:"granted_via"`
}

// permissionModelFromAPI converts a permission. The API sends "" for a scope without a resource
// type (the root "/"); it stays "" rather than null so filters such as
// `[for p in ... : p if p.resource_type == ""]` work without null checks.
func permissionModelFromAPI(p iam.Permission) permissionModel {
	return permissionModel{
		Action:           types.StringValue(p.Action),
		Scope:            types.StringValue(p.Scope),
		ResourceType:     types.StringValue(p.ResourceType),
		ResourceProvider: types.StringValue(p.ResourceProvider),
		GrantedVia:       types.StringValue(p.GrantedVia),
	}
}

// actionModel is one entry of the action catalogue in aritma_iam_actions.
type actionModel struct {
	Name        types.String `tfsdk:"name"`
	Parent      types.String `tfsdk:"parent"`
	Description types.String `tfsdk:"description"`
}

// actionModelFromAPI converts a catalogue entry; a root action gets a null parent.
func actionModelFromAPI(a iam.Action) actionModel {
	parent := types.StringNull()
	if a.Parent != "" {
		parent = types.StringValue(a.Parent)
	}
	return actionModel{
		Name:        types.StringValue(a.Name),
		Parent:      parent,
		Description: types.StringValue(a.Description),
	}
}

// scopeCovers reports whether a grant on scope granted applies to scope want: the same path, or
// an ancestor of it segment by segment ("/subscriptions/1" covers "/subscriptions/1/x/y", not
// "/subscriptions/12"). The root "/" covers everything.
func scopeCovers(granted, want string) bool {
	if granted == "" {
		return false // a grant the API named no scope for covers nothing that can be shown
	}
	if granted == "/" || granted == want {
		return true
	}
	return len(want) > len(granted) && want[:len(granted)] == granted && want[len(granted)] == '/'
}

// actionAncestry returns action and every ancestor of it in the catalogue, nearest first. An
// action outside the catalogue has no ancestors. The walk is bounded so a cyclic catalogue from
// a misbehaving server cannot loop forever.
func actionAncestry(catalogue []iam.Action, action string) []string {
	parent := make(map[string]string, len(catalogue))
	for _, a := range catalogue {
		parent[a.Name] = a.Parent
	}
	chain := []string{action}
	seen := map[string]bool{action: true}
	for cur := parent[action]; cur != "" && !seen[cur]; cur = parent[cur] {
		chain = append(chain, cur)
		seen[cur] = true
	}
	return chain
}
