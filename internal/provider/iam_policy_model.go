package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// policyModel is the Terraform shape of an IAM policy, shared by aritma_iam_policy and the data
// sources that return policies.
type policyModel struct {
	ID      types.String `tfsdk:"id"`
	Subject types.String `tfsdk:"subject"`
	Action  types.String `tfsdk:"action"`
	Scope   types.String `tfsdk:"scope"`
	Tenant  types.String `tfsdk:"tenant"`
}

// policyModelFromAPI converts a policy. The id is built from the triple the API returned, so it
// always names the object that exists. An empty tenant (an API that leaves it out) stays "".
func policyModelFromAPI(p *iam.Policy) policyModel {
	return policyModel{
		ID:      types.StringValue(policyID(p.Subject, p.Action, p.Scope)),
		Subject: types.StringValue(p.Subject),
		Action:  types.StringValue(p.Action),
		Scope:   types.StringValue(p.Scope),
		Tenant:  types.StringValue(p.Tenant),
	}
}

// policyFromModel builds the triple to create, read or delete. All three parts must be known and
// set: they are required attributes, so a failure here is a provider bug or a broken state.
func policyFromModel(m policyModel) (iam.Policy, diag.Diagnostics) {
	var diags diag.Diagnostics
	for _, a := range []struct {
		name, title string
		v           types.String
	}{{"subject", "Subject", m.Subject}, {"action", "Action", m.Action}, {"scope", "Scope", m.Scope}} {
		if a.v.IsUnknown() || a.v.IsNull() || a.v.ValueString() == "" {
			diags.AddAttributeError(path.Root(a.name), "Missing IAM Policy "+a.title,
				"The policy's "+a.name+" must be known and not empty to call the API. This is a bug in the provider "+
					"or a damaged state; please report it, or remove the resource from the state "+
					"(terraform state rm, or tofu state rm) and import it again.")
		}
	}
	return iam.Policy{
		Subject: m.Subject.ValueString(),
		Action:  m.Action.ValueString(),
		Scope:   m.Scope.ValueString(),
	}, diags
}
