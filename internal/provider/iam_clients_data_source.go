package provider

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamClientsDataSource{}
	_ datasource.DataSourceWithConfigure = &iamClientsDataSource{}
)

// NewIAMClientsDataSource returns the aritma_iam_clients data source.
func NewIAMClientsDataSource() datasource.DataSource {
	return &iamClientsDataSource{dataSourceBase: newDataSourceBase("_iam_clients")}
}

type iamClientsDataSource struct {
	dataSourceBase
}

type iamClientsDataSourceModel struct {
	SearchText types.String         `tfsdk:"search_text"`
	Clients    []clientSummaryModel `tfsdk:"clients"`
	Timeouts   timeouts.Value       `tfsdk:"timeouts"`
}

// clientSummaryModel is one client of aritma_iam_clients: what the API's list returns (no grant
// types, scopes or redirect URIs; read those with aritma_iam_client).
type clientSummaryModel struct {
	ClientID    types.String `tfsdk:"client_id"`
	SubjectID   types.String `tfsdk:"subject_id"`
	Name        types.String `tfsdk:"name"`
	Description types.String `tfsdk:"description"`
}

// clientSummaryFromAPI keeps the list fields of the shared client converter.
func clientSummaryFromAPI(c iam.OAuthClient) clientSummaryModel {
	m := clientModelFromAPI(&c)
	return clientSummaryModel{ClientID: m.ClientID, SubjectID: m.SubjectID, Name: m.Name, Description: m.Description}
}

func (d *iamClientsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists OAuth 2.0 clients, optionally those whose name contains a text. Pages through every result. " +
			"Read a client's grant types, scopes and redirect URIs with `aritma_iam_client`.",
		Attributes: map[string]schema.Attribute{
			"search_text": schema.StringAttribute{
				MarkdownDescription: "Keeps clients whose name contains this text, ignoring case, in either Unicode form: a name the API holds decomposed (as macOS writes it) is found by the composed text Terraform passes, at the cost of two more searches where the text has an accented letter (each form, then the first again, to catch a name that changed form in between).",
				Optional:            true,
			},
			"clients": schema.ListNestedAttribute{
				MarkdownDescription: "The matching clients, ordered by name, then client id (by byte value, so upper case before lower case).",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"client_id": schema.StringAttribute{
						MarkdownDescription: "Client id.",
						Computed:            true,
					},
					"subject_id": schema.StringAttribute{
						MarkdownDescription: "Subject id of the client, `client-<client_id>`: what a policy's `subject` takes.",
						Computed:            true,
					},
					"name": schema.StringAttribute{
						MarkdownDescription: "Name of the client.",
						Computed:            true,
					},
					"description": schema.StringAttribute{
						MarkdownDescription: "Description of the client; may be empty.",
						Computed:            true,
					},
				}},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamClientsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamClientsDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	search := cfg.SearchText.ValueString()
	d.data.awaitFresh(ctx, freshClients)
	clients, err := collectSearch(search, func(q string) iter.Seq2[iam.OAuthClient, error] {
		return d.data.client.ListClients(ctx, iam.ListClientsOptions{SearchText: q})
	}, clientSummaryFromAPI, func(m clientSummaryModel) string { return m.ClientID.ValueString() })
	if err = d.data.confirmNotFound(ctx, err); err != nil {
		what := "Listing the IAM clients"
		if search != "" {
			what = fmt.Sprintf("Listing the IAM clients whose name contains %q", search)
		}
		resp.Diagnostics.AddError("Unable to List IAM Clients", apiErrorText(what, err, readTimeoutHint(ctx, err)))
		return
	}
	// The order the docs promise, whatever order the API lists them in.
	slices.SortFunc(clients, func(a, b clientSummaryModel) int {
		return cmp.Or(compareNames(a.Name.ValueString(), b.Name.ValueString()),
			strings.Compare(a.ClientID.ValueString(), b.ClientID.ValueString()))
	})
	cfg.Clients = clients
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
