package provider

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// clientSubjectPrefix makes a client's subject id: "client-<clientId>" (CONTRACT.md §2).
const clientSubjectPrefix = "client-"

// API limits of a client (CONTRACT.md §3), counted in Unicode code points as the API counts them.
const (
	maxClientNameLength        = 200
	maxClientDescriptionLength = 1000
)

// checkClientName applies the API's length rule of a client's name, in the API's words.
func checkClientName(s string) error {
	if n := utf8.RuneCountInString(s); n < 1 || n > maxClientNameLength {
		return fmt.Errorf("name must be between 1 and %d characters, got %d", maxClientNameLength, n)
	}
	return nil
}

// checkClientDescription applies the API's length rule of a client's description.
func checkClientDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > maxClientDescriptionLength {
		return fmt.Errorf("description must be at most %d characters, got %d", maxClientDescriptionLength, n)
	}
	return nil
}

// clientModel is the Terraform shape of an IAM client, shared by aritma_iam_client and the data
// sources that return clients (they embed it and add their own attributes).
type clientModel struct {
	ID                types.String `tfsdk:"id"`
	ClientID          types.String `tfsdk:"client_id"`
	SubjectID         types.String `tfsdk:"subject_id"`
	Name              types.String `tfsdk:"name"`
	Description       types.String `tfsdk:"description"`
	AllowedGrantTypes types.Set    `tfsdk:"allowed_grant_types"`
	AllowedScopes     types.Set    `tfsdk:"allowed_scopes"`
	RedirectURIs      types.Set    `tfsdk:"redirect_uris"`
}

// clientSubjectID is the subject id of a client, usable as the subject of a policy.
func clientSubjectID(clientID string) string {
	return clientSubjectPrefix + clientID
}

// subjectClientID is the client id in a client's subject id, "" for another kind of subject.
func subjectClientID(subject string) string {
	if id, ok := strings.CutPrefix(subject, clientSubjectPrefix); ok {
		return id
	}
	return ""
}

// clientModelFromAPI converts the API's client details. Lists the API leaves out (nil) become
// empty sets, never null, so they match the schema defaults and never show a diff; duplicates
// collapse, as a set requires.
func clientModelFromAPI(c *iam.OAuthClient) clientModel {
	return clientModel{
		ID:                types.StringValue(c.ClientID),
		ClientID:          types.StringValue(c.ClientID),
		SubjectID:         types.StringValue(clientSubjectID(c.ClientID)),
		Name:              types.StringValue(c.Name),
		Description:       types.StringValue(c.Description),
		AllowedGrantTypes: stringSetFromAPI(c.AllowedGrantTypes),
		AllowedScopes:     stringSetFromAPI(c.AllowedScopes),
		RedirectURIs:      stringSetFromAPI(c.RedirectURIs),
	}
}

// appliedModel is the state after a create or an update the API accepted: the plan, which is what
// was sent, with the ids the API assigned. Terraform refuses a state that differs from the plan in
// what the configuration sets ("inconsistent result"; the client is then tainted, and the next
// apply replaces it, deleting its secrets and policies with it), so an answer that holds something
// else — the API normalised a value, say — does not go into the state. differs names the
// attributes the answer holds otherwise, for a warning; the next refresh reads what the API holds.
func appliedModel(plan clientModel, c *iam.OAuthClient) (m clientModel, differs []string) {
	m = plan
	// A create takes the id the API assigned; an update keeps the planned one, whatever spelling
	// of it the answer echoes.
	for _, id := range []struct {
		v    *types.String
		from string
	}{{&m.ID, c.ClientID}, {&m.ClientID, c.ClientID}, {&m.SubjectID, clientSubjectID(c.ClientID)}} {
		if id.v.IsUnknown() || id.v.IsNull() {
			*id.v = types.StringValue(id.from)
		}
	}
	got := clientModelFromAPI(c)
	for _, a := range []struct {
		name         string
		planned, api attr.Value
	}{
		{"name", plan.Name, got.Name},
		{"description", plan.Description, got.Description},
		{"allowed_grant_types", plan.AllowedGrantTypes, got.AllowedGrantTypes},
		{"allowed_scopes", plan.AllowedScopes, got.AllowedScopes},
		{"redirect_uris", plan.RedirectURIs, got.RedirectURIs},
	} {
		if !a.planned.Equal(a.api) {
			differs = append(differs, a.name)
		}
	}
	return m, differs
}

// warnAppliedDiffers is the warning of an answer that holds otherwise than what was applied.
func warnAppliedDiffers(diags *diag.Diagnostics, verb, clientID string, differs []string) {
	if len(differs) == 0 {
		return
	}
	diags.AddWarning("IAM Client Stored Differently",
		fmt.Sprintf("The API %s IAM client %q, but its answer holds %s otherwise than the configuration. The state "+
			"records the configuration's values; if the API keeps its own, the next plan shows the difference. Write "+
			"the values as the API holds them (aritma_iam_client data source) to settle it.",
			verb, clientID, strings.Join(differs, ", ")))
}

// keepOmitted handles the fields the API's GET answer left out (c.Omitted): each takes its value
// from prior, what Terraform last wrote, since an answer that does not say is no evidence of a
// change; with no prior (nil, or a null or unknown value, as after an import) it becomes null. It
// returns the attribute names that became null, so the caller can say why.
func (m *clientModel) keepOmitted(c *iam.OAuthClient, prior *clientModel) []string {
	var p clientModel // zero values are null
	if prior != nil {
		p = *prior
	}
	var nulled []string
	for _, wire := range c.Omitted {
		switch wire {
		case "name":
			m.Name = knownOr(p.Name, types.StringNull(), "name", &nulled)
		case "description":
			m.Description = knownOr(p.Description, types.StringNull(), "description", &nulled)
		case "allowedGrantTypes":
			m.AllowedGrantTypes = knownOr(p.AllowedGrantTypes, types.SetNull(types.StringType), "allowed_grant_types", &nulled)
		case "redirectUris":
			m.RedirectURIs = knownOr(p.RedirectURIs, types.SetNull(types.StringType), "redirect_uris", &nulled)
		case "allowedScopes":
			m.AllowedScopes = knownOr(p.AllowedScopes, types.SetNull(types.StringType), "allowed_scopes", &nulled)
		}
	}
	return nulled
}

// knownOr is v when it is known, else null, with name recorded in nulled.
func knownOr[T attr.Value](v, null T, name string, nulled *[]string) T {
	if !v.IsNull() && !v.IsUnknown() {
		return v
	}
	*nulled = append(*nulled, name)
	return null
}

// clientRequestFromModel builds the body of a create or a full-replace update. Null sets and a
// null description become empty values (the API requires all five fields). Unknown values cannot
// be sent: they are reported as errors at the attribute, which only a provider bug can cause at
// apply time.
func clientRequestFromModel(m clientModel) (iam.ClientRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.Name.IsUnknown() {
		diags.AddAttributeError(path.Root("name"), "Unknown Value", "name is unknown; it must be known before the client can be saved.")
	}
	if m.Description.IsUnknown() {
		diags.AddAttributeError(path.Root("description"), "Unknown Value", "description is unknown; it must be known before the client can be saved.")
	}
	req := iam.ClientRequest{
		Name:              m.Name.ValueString(),
		Description:       m.Description.ValueString(),
		AllowedGrantTypes: stringsFromSet(path.Root("allowed_grant_types"), m.AllowedGrantTypes, &diags),
		AllowedScopes:     stringsFromSet(path.Root("allowed_scopes"), m.AllowedScopes, &diags),
		RedirectURIs:      stringsFromSet(path.Root("redirect_uris"), m.RedirectURIs, &diags),
	}
	return req, diags
}

// stringSetFromAPI makes a known set of strings; nil and empty slices give an empty set.
func stringSetFromAPI(values []string) types.Set {
	elems := make([]attr.Value, 0, len(values))
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			continue
		}
		seen[v] = true
		elems = append(elems, types.StringValue(v))
	}
	return types.SetValueMust(types.StringType, elems)
}

// stringsFromSet returns the elements of a set of strings, sorted so requests are deterministic,
// and never nil, so the API always gets a JSON array. Null sets and null elements give nothing;
// unknown ones are reported at p.
func stringsFromSet(p path.Path, s types.Set, diags *diag.Diagnostics) []string {
	out := []string{}
	if s.IsUnknown() {
		diags.AddAttributeError(p, "Unknown Value", p.String()+" is unknown; it must be known before the client can be saved.")
		return out
	}
	values, ok := knownStrings(s)
	if !ok {
		diags.AddAttributeError(p, "Unknown Value", p.String()+" holds an unknown element; it must be known before the client can be saved.")
		return out
	}
	out = append(out, values...)
	sort.Strings(out)
	return out
}

// emptyStringSet is the default of optional set attributes such as redirect_uris.
func emptyStringSet() types.Set {
	return types.SetValueMust(types.StringType, []attr.Value{})
}
