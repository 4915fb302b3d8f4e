package provider

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamClientSecretsDataSource{}
	_ datasource.DataSourceWithConfigure = &iamClientSecretsDataSource{}
)

// NewIAMClientSecretsDataSource returns the aritma_iam_client_secrets data source.
func NewIAMClientSecretsDataSource() datasource.DataSource {
	return &iamClientSecretsDataSource{dataSourceBase: newDataSourceBase("_iam_client_secrets"), now: time.Now}
}

type iamClientSecretsDataSource struct {
	dataSourceBase
	now func() time.Time // the clock of expired and expires_in_days, replaced in tests
}

type iamClientSecretsDataSourceModel struct {
	ClientID types.String                `tfsdk:"client_id"`
	Secrets  []clientSecretMetadataModel `tfsdk:"secrets"`
	Timeouts timeouts.Value              `tfsdk:"timeouts"`
}

func (d *iamClientSecretsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the secrets of a client — metadata only: the API never returns a secret's value " +
			"after it was created. `expired` and `expires_in_days` make expiry monitoring a one-liner in a `check` block.",
		Attributes: map[string]schema.Attribute{
			"client_id": schema.StringAttribute{
				MarkdownDescription: "Client id whose secrets to list.",
				Required:            true,
				Validators:          []validator.String{clientIDValidator()},
			},
			"secrets": schema.ListNestedAttribute{
				MarkdownDescription: "The client's secrets, oldest first. Expired secrets stay listed until deleted.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"secret_id": schema.StringAttribute{
						MarkdownDescription: "Id of the secret.",
						Computed:            true,
					},
					"description": schema.StringAttribute{
						MarkdownDescription: "Description of the secret; may be empty.",
						Computed:            true,
					},
					"expiration": schema.StringAttribute{
						MarkdownDescription: "When the secret stops working (RFC 3339, UTC); null when it never expires.",
						Computed:            true,
					},
					"created": schema.StringAttribute{
						MarkdownDescription: "When the secret was created (RFC 3339, UTC); null when the API does not say.",
						Computed:            true,
					},
					"expired": schema.BoolAttribute{
						MarkdownDescription: "Whether the expiration has passed at the time of the read; always false without expiration.",
						Computed:            true,
					},
					"expires_in_days": schema.Int64Attribute{
						MarkdownDescription: "Whole days left until expiration at the time of the read, rounded down: `0` on " +
							"the last day, negative once expired. Null when the secret never expires.",
						Computed: true,
					},
				}},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamClientSecretsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamClientSecretsDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	clientID := cfg.ClientID.ValueString()
	d.data.awaitFresh(ctx, freshClientSecrets(clientID))
	now := d.now()
	listed, err := collect(d.data.client.ListClientSecrets(ctx, clientID), func(s iam.ClientSecret) iam.ClientSecret { return s })
	err = d.data.confirmNotFound(ctx, err)
	switch {
	case iam.IsNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("client_id"), "IAM Client Not Found",
			joinHints(fmt.Sprintf("No IAM client has the client id %q, so it has no secrets to list. Check client_id.", clientID),
				subjectIDHint(clientID), goneLookupHint, err.Error()))
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to List IAM Client Secrets",
			apiErrorText(fmt.Sprintf("Listing the secrets of client %q", clientID), err, readTimeoutHint(ctx, err)))
		return
	}
	// Oldest first, as the docs promise, whatever order the API lists them in.
	slices.SortFunc(listed, func(a, b iam.ClientSecret) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ClientSecretID, b.ClientSecretID))
	})
	cfg.Secrets = make([]clientSecretMetadataModel, len(listed))
	for i, s := range listed {
		cfg.Secrets[i] = clientSecretMetadataFromAPI(s, now)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
