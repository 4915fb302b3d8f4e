package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamPoliciesDataSource{}
	_ datasource.DataSourceWithConfigure = &iamPoliciesDataSource{}
)

// NewIAMPoliciesDataSource returns the aritma_iam_policies data source.
func NewIAMPoliciesDataSource() datasource.DataSource {
	return &iamPoliciesDataSource{dataSourceBase: newDataSourceBase("_iam_policies")}
}

type iamPoliciesDataSource struct {
	dataSourceBase
}

type iamPoliciesDataSourceModel struct {
	Subject  types.String   `tfsdk:"subject"`
	Action   types.String   `tfsdk:"action"`
	Scope    types.String   `tfsdk:"scope"`
	Policies []policyModel  `tfsdk:"policies"`
	IDs      types.Set      `tfsdk:"ids"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (d *iamPoliciesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(description string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the policies (grants) stored in Aritma IAM, optionally only those of one subject, " +
			"action or scope. Pages through every result.\n\n" +
			"The filters match exactly, as the grants were made: `action = \"iam.client.read\"` does not list a " +
			"grant of `iam.manage`, although that grant allows `iam.client.read` too, and `scope = \"/subscriptions/123\"` " +
			"does not list a grant on `/`. To ask what a subject may do, with groups, parent actions and parent " +
			"scopes taken into account, use `aritma_iam_permissions`. This data source answers \"which grants exist\": " +
			"for audits, for checks that a grant is still in place, and to find the ids of grants to import.",
		Attributes: map[string]schema.Attribute{
			"subject": schema.StringAttribute{
				MarkdownDescription: "Keeps the grants to this subject id (`client-<client_id>`, `user-<id>` or `group-<id>`). " +
					"Grants the subject holds through a group are the group's, and are not listed. Leave it out (null, not `\"\"`) " +
					"to keep every subject's.",
				Optional:   true,
				Validators: []validator.String{notEmptyFilter("subject", "to list the grants of every subject", subjectIDValidator())},
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "Keeps the grants of exactly this action, such as `iam.client.read`. Leave it out (null, not `\"\"`) to keep every action's.",
				Optional:            true,
				Validators:          []validator.String{notEmptyFilter("action", "to list the grants of every action", actionValidator())},
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "Keeps the grants on exactly this scope, such as `/subscriptions/123` or `/`. Leave it out (null, not `\"\"`) to keep every scope's.",
				Optional:            true,
				Validators:          []validator.String{notEmptyFilter("scope", "to list the grants on every scope", policyScopeValidator())},
			},
			"policies": schema.ListNestedAttribute{
				MarkdownDescription: "The matching policies, ordered by subject, then scope, then action.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":      computed("`<subject>,<action>,<scope>`: the import id of `aritma_iam_policy`."),
					"subject": computed("Subject id holding the grant."),
					"action":  computed("Action granted."),
					"scope":   computed("Scope of the grant."),
					"tenant":  computed("Tenant the policy belongs to."),
				}},
			},
			"ids": schema.SetAttribute{
				MarkdownDescription: "The `id` of every matching policy, for `contains(...)` checks and `for_each`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamPoliciesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamPoliciesDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	f := iam.PolicyFilter{Subject: cfg.Subject.ValueString(), Action: cfg.Action.ValueString(), Scope: cfg.Scope.ValueString()}
	d.data.awaitFresh(ctx, freshPolicies(f))
	listed, err := collect(d.data.client.ListPolicies(ctx, f), func(p iam.Policy) iam.Policy { return p })
	if err = d.data.confirmNotFound(ctx, err); err != nil {
		resp.Diagnostics.AddError("Unable to List IAM Policies",
			apiErrorText("Listing IAM policies"+describePolicyFilter(f), err, readTimeoutHint(ctx, err)))
		return
	}
	// An audit or a for_each must not pick up another subject's grant from a server that filters
	// more loosely than the contract says.
	policies := make([]policyModel, 0, len(listed))
	for _, p := range listed {
		if f.Matches(p) {
			policies = append(policies, policyModelFromAPI(&p))
		}
	}
	// The order the docs promise, whatever order the API lists them in.
	slices.SortFunc(policies, func(a, b policyModel) int {
		return cmp.Or(strings.Compare(a.Subject.ValueString(), b.Subject.ValueString()),
			strings.Compare(a.Scope.ValueString(), b.Scope.ValueString()),
			strings.Compare(a.Action.ValueString(), b.Action.ValueString()))
	})
	cfg.Policies, cfg.IDs = keyedModels(ctx, policies, func(p policyModel) (policyModel, string) {
		return p, p.ID.ValueString()
	}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(policies) == 0 && f.Action != "" {
		d.data.warnUnknownAction(ctx, f.Action, "the list is empty", &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// describePolicyFilter names the filters that are set, for an error message: ` of subject
// "client-1" on scope "/"`, or "" when none is.
func describePolicyFilter(f iam.PolicyFilter) string {
	var b strings.Builder
	for _, part := range []struct{ what, v string }{{"of subject", f.Subject}, {"of action", f.Action}, {"on scope", f.Scope}} {
		if part.v != "" {
			fmt.Fprintf(&b, " %s %q", part.what, part.v)
		}
	}
	return b.String()
}
