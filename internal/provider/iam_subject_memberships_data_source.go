package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamSubjectMembershipsDataSource{}
	_ datasource.DataSourceWithConfigure = &iamSubjectMembershipsDataSource{}
)

// NewIAMSubjectMembershipsDataSource returns the aritma_iam_subject_memberships data source.
func NewIAMSubjectMembershipsDataSource() datasource.DataSource {
	return &iamSubjectMembershipsDataSource{dataSourceBase: newDataSourceBase("_iam_subject_memberships")}
}

type iamSubjectMembershipsDataSource struct {
	dataSourceBase
}

type iamSubjectMembershipsDataSourceModel struct {
	SubjectID types.String   `tfsdk:"subject_id"`
	Groups    []subjectModel `tfsdk:"groups"`
	GroupIDs  types.Set      `tfsdk:"group_ids"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

func (d *iamSubjectMembershipsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the groups a subject (user, client or group) is a direct member of. Pages through " +
			"every result. A subject also holds the policies of the groups those groups belong to; " +
			"`aritma_iam_permissions` shows every grant that applies and names the group it comes through " +
			"(`granted_via`).",
		Attributes: map[string]schema.Attribute{
			"subject_id": schema.StringAttribute{
				MarkdownDescription: "Subject id whose groups to list: `client-<client_id>` (see " +
					"`aritma_iam_client.subject_id`), `user-<id>` or `group-<id>`.",
				Required:   true,
				Validators: []validator.String{subjectIDValidator()},
			},
			"groups": schema.ListNestedAttribute{
				MarkdownDescription: "The groups, ordered by display name, then subject id (by byte value, so upper case before lower case).",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: subjectAttributes()},
			},
			"group_ids": schema.SetAttribute{
				MarkdownDescription: "The `subject_id` of every group, for `contains(...)` checks.",
				ElementType:         types.StringType,
				Computed:            true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamSubjectMembershipsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamSubjectMembershipsDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	subjectID := cfg.SubjectID.ValueString()
	d.data.awaitFresh(ctx, freshSubjectItself(subjectID))
	groups, err := collect(d.data.client.ListMemberships(ctx, subjectID), subjectModelFromAPI)
	if err = d.data.confirmNotFound(ctx, err); err != nil {
		hint, gone := "", ""
		if iam.IsNotFound(err) {
			hint, gone = fmt.Sprintf("The subject %q does not exist: %s.", subjectID, checkSubjectIDAdvice), goneLookupHint
		}
		resp.Diagnostics.AddError("Unable to List IAM Subject Memberships", apiErrorText(
			fmt.Sprintf("Listing the groups of subject %q", subjectID), err, hint, gone, readTimeoutHint(ctx, err)))
		return
	}
	sortSubjects(groups)
	cfg.Groups, cfg.GroupIDs = keyedModels(ctx, groups, func(g subjectModel) (subjectModel, string) {
		return g, g.SubjectID.ValueString()
	}, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
