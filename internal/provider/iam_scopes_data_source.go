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
	_ datasource.DataSource              = &iamScopesDataSource{}
	_ datasource.DataSourceWithConfigure = &iamScopesDataSource{}
)

// NewIAMScopesDataSource returns the aritma_iam_scopes data source.
func NewIAMScopesDataSource() datasource.DataSource {
	return &iamScopesDataSource{dataSourceBase: newDataSourceBase("_iam_scopes")}
}

type iamScopesDataSource struct {
	dataSourceBase
}

type iamScopesDataSourceModel struct {
	Scopes   []oauthScopeModel `tfsdk:"scopes"`
	Names    types.Set         `tfsdk:"names"`
	Timeouts timeouts.Value    `tfsdk:"timeouts"`
}

// oauthScopeModel is one OAuth scope the server knows.
type oauthScopeModel struct {
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
}

func (d *iamScopesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The OAuth scopes the server knows: what a client's `allowed_scopes` may hold and a token " +
			"may be asked for (`services.iam` is the IAM API's own). Not to be confused with a policy's `scope`, " +
			"which is a resource path. Modules use `names` to validate the scopes they are given.",
		Attributes: map[string]schema.Attribute{
			"scopes": schema.ListNestedAttribute{
				MarkdownDescription: "Every scope, in the API's order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						MarkdownDescription: "Name of the scope, such as `services.iam`.",
						Computed:            true,
					},
					"description": schema.StringAttribute{
						MarkdownDescription: "What the scope gives access to.",
						Computed:            true,
					},
				}},
			},
			"names": schema.SetAttribute{
				MarkdownDescription: "The names of every scope, for `contains(...)` checks.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamScopesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamScopesDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	catalogue, err := d.data.client.ListScopes(ctx)
	if err = d.data.confirmNotFound(ctx, err); err != nil {
		resp.Diagnostics.AddError("Unable to Read IAM Scopes", apiErrorText("Reading the OAuth scopes", err, readTimeoutHint(ctx, err)))
		return
	}
	state := iamScopesDataSourceModel{Timeouts: cfg.Timeouts}
	state.Scopes, state.Names = keyedModels(ctx, catalogue, func(s iam.OAuthScope) (oauthScopeModel, string) {
		return oauthScopeModel{Name: types.StringValue(s.Name), Description: types.StringValue(s.Description)}, s.Name
	}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
