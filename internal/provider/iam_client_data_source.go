package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamClientDataSource{}
	_ datasource.DataSourceWithConfigure = &iamClientDataSource{}
)

// NewIAMClientDataSource returns the aritma_iam_client data source.
func NewIAMClientDataSource() datasource.DataSource {
	return &iamClientDataSource{dataSourceBase: newDataSourceBase("_iam_client")}
}

type iamClientDataSource struct {
	dataSourceBase
}

type iamClientDataSourceModel struct {
	clientModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (d *iamClientDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one OAuth 2.0 client by its client id — for example a client created outside " +
			"this configuration — and gives its `subject_id` for policies.",
		Attributes: map[string]schema.Attribute{
			"client_id": schema.StringAttribute{
				MarkdownDescription: "Client id of the client to read.",
				Required:            true,
				Validators:          []validator.String{clientIDValidator()},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "Same as `client_id`.",
				Computed:            true,
			},
			"subject_id": schema.StringAttribute{
				MarkdownDescription: "Subject id of the client, `client-<client_id>`: what a policy's `subject` takes.",
				Computed:            true,
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the client (also its subject's display name).",
				Computed:            true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Description of the client; may be empty. Null if the API's answer leaves it out.",
				Computed:            true,
			},
			"allowed_grant_types": schema.SetAttribute{
				MarkdownDescription: "OAuth 2.0 grant types the client may use: `client_credentials`, `authorization_code`, `refresh_token`. Null if the API's answer leaves them out.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"allowed_scopes": schema.SetAttribute{
				MarkdownDescription: "OAuth scopes the client may request, such as `services.iam`. Null if the API's answer leaves them out.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"redirect_uris": schema.SetAttribute{
				MarkdownDescription: "Redirect URIs (for `authorization_code`); empty otherwise. Null if the API's answer leaves them out.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamClientDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamClientDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	clientID := cfg.ClientID.ValueString()
	d.data.awaitFresh(ctx, freshClient(clientID))
	c, err := d.data.client.GetClient(ctx, clientID)
	err = d.data.confirmNotFound(ctx, err)
	if err != nil {
		if iam.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("client_id"), "IAM Client Not Found",
				joinHints(fmt.Sprintf("No IAM client has the client id %q. List clients with the aritma_iam_clients data source.",
					clientID), subjectIDHint(clientID), goneLookupHint, err.Error()))
			return
		}
		resp.Diagnostics.AddError("Unable to Read IAM Client",
			apiErrorText(fmt.Sprintf("Reading IAM client %q", clientID), err, readTimeoutHint(ctx, err)))
		return
	}
	state := iamClientDataSourceModel{clientModel: clientModelFromAPI(c), Timeouts: cfg.Timeouts}
	// A field the API's answer leaves out is null, not empty: nothing here knows its value.
	state.keepOmitted(c, nil)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}
