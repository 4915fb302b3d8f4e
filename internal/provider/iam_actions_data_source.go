package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamActionsDataSource{}
	_ datasource.DataSourceWithConfigure = &iamActionsDataSource{}
)

// NewIAMActionsDataSource returns the aritma_iam_actions data source.
func NewIAMActionsDataSource() datasource.DataSource {
	return &iamActionsDataSource{dataSourceBase: newDataSourceBase("_iam_actions")}
}

type iamActionsDataSource struct {
	dataSourceBase
}

type iamActionsDataSourceModel struct {
	Actions  []actionModel  `tfsdk:"actions"`
	Names    types.Set      `tfsdk:"names"`
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (d *iamActionsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The catalogue of actions a policy can grant, with their parents. Actions are hierarchical: " +
			"granting a parent grants every descendant (`owner` → `iam.manage` → `iam.client.read`). Modules use " +
			"`names` to validate the actions they are given.",
		Attributes: map[string]schema.Attribute{
			"actions": schema.ListNestedAttribute{
				MarkdownDescription: "Every action, in the API's order. An action the API names only as another's " +
					"`parent`, without an entry of its own (its published table shows `owner` that way), is an action too: " +
					"it is listed just before the first action it is the parent of, with a null `parent` and `description`.",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "Name of the action, such as `iam.client.read`.",
						Computed:            true,
					},
					"parent": schema.StringAttribute{
						MarkdownDescription: "The action that grants this one too; null for a root action such as `owner`.",
						Computed:            true,
					},
					"description": schema.StringAttribute{
						MarkdownDescription: "What the action allows; null for an action the API names only as a parent.",
						Computed:            true,
					},
				}},
			},
			"names": schema.SetAttribute{
				MarkdownDescription: "The names of every action, for `contains(...)` checks.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamActionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamActionsDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	catalogue, err := d.data.client.ListActions(ctx)
	if err = d.data.confirmNotFound(ctx, err); err != nil {
		resp.Diagnostics.AddError("Unable to Read IAM Actions", apiErrorText("Reading the action catalogue", err, readTimeoutHint(ctx, err)))
		return
	}
	state := iamActionsDataSourceModel{Timeouts: cfg.Timeouts}
	entries, parentOnly := withParentOnlyActions(catalogue)
	state.Actions, state.Names = keyedModels(ctx, entries, func(a iam.Action) (actionModel, string) {
		m := actionModelFromAPI(a)
		if parentOnly[a.Name] {
			m.Description = types.StringNull() // the API says nothing about it
		}
		return m, a.Name
	}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// withParentOnlyActions returns the catalogue with an entry for every action it names only as a
// parent (a policy can grant it, and the plan-time check accepts it), each just before the first
// entry it is the parent of; parentOnly holds their names.
func withParentOnlyActions(catalogue []iam.Action) (entries []iam.Action, parentOnly map[string]bool) {
	named := make(map[string]bool, len(catalogue))
	for _, a := range catalogue {
		named[a.Name] = true
	}
	parentOnly = map[string]bool{}
	entries = make([]iam.Action, 0, len(catalogue))
	for _, a := range catalogue {
		if a.Parent != "" && !named[a.Parent] && !parentOnly[a.Parent] {
			parentOnly[a.Parent] = true
			entries = append(entries, iam.Action{Name: a.Parent})
		}
		entries = append(entries, a)
	}
	return entries, parentOnly
}
