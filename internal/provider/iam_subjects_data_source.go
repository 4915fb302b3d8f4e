package provider

import (
	"context"
	"fmt"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource              = &iamSubjectsDataSource{}
	_ datasource.DataSourceWithConfigure = &iamSubjectsDataSource{}
)

// NewIAMSubjectsDataSource returns the aritma_iam_subjects data source.
func NewIAMSubjectsDataSource() datasource.DataSource {
	return &iamSubjectsDataSource{dataSourceBase: newDataSourceBase("_iam_subjects")}
}

type iamSubjectsDataSource struct {
	dataSourceBase
}

type iamSubjectsDataSourceModel struct {
	Type        types.String   `tfsdk:"type"`
	SearchQuery types.String   `tfsdk:"search_query"`
	Subjects    []subjectModel `tfsdk:"subjects"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

// subjectAttributes is the schema of one subject, shared by the list and the single lookup.
func subjectAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"subject_id": schema.StringAttribute{
			MarkdownDescription: "Subject id, `<type>-<id>` (for example `client-<client_id>`): what a policy's `subject` takes.",
			Computed:            true,
		},
		"id": schema.StringAttribute{
			MarkdownDescription: "Id of the subject within its type (for a client, its client id).",
			Computed:            true,
		},
		"type": schema.StringAttribute{
			MarkdownDescription: "Subject type: `user`, `client` or `group`.",
			Computed:            true,
		},
		"display_name": schema.StringAttribute{
			MarkdownDescription: "Display name (for a client, its `name`).",
			Computed:            true,
		},
		"tenant": schema.StringAttribute{
			MarkdownDescription: "Tenant the subject belongs to; null for a global subject.",
			Computed:            true,
		},
	}
}

// subjectTypeValidator accepts the type filters the API has a path for.
func subjectTypeValidator(withAll bool) validator.String {
	if withAll {
		return stringvalidator.OneOf(subjectTypeAll, subjectTypeUser, subjectTypeClient, subjectTypeGroup)
	}
	return stringvalidator.OneOf(subjectTypeUser, subjectTypeClient, subjectTypeGroup)
}

func (d *iamSubjectsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists IAM subjects — users, clients and groups — optionally of one type and matching a search. " +
			"Pages through every result. Use it to find the `subject_id` a policy needs.",
		Attributes: map[string]schema.Attribute{
			"type": schema.StringAttribute{
				MarkdownDescription: "Subject type to list: `all` (the default), `user`, `client` or `group`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{subjectTypeValidator(true)},
			},
			"search_query": schema.StringAttribute{
				MarkdownDescription: "Keeps subjects whose display name contains this text, ignoring case, in either Unicode form: a name the API holds decomposed (as macOS writes it) is found by the composed text Terraform passes, at the cost of two more searches where the text has an accented letter (each form, then the first again, to catch a name that changed form in between).",
				Optional:            true,
			},
			"subjects": schema.ListNestedAttribute{
				MarkdownDescription: "The matching subjects, ordered by display name, then subject id (by byte value, so upper case before lower case).",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: subjectAttributes()},
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamSubjectsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamSubjectsDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.Type.IsNull() {
		cfg.Type = types.StringValue(subjectTypeAll)
	}
	opts := iam.SubjectListOptions{SearchQuery: cfg.SearchQuery.ValueString()}
	if t := cfg.Type.ValueString(); t != subjectTypeAll {
		opts.Type = t
	}
	if opts.Type == "" || opts.Type == "client" {
		d.data.awaitFresh(ctx, freshClients)
	}

	subjects, err := collectSearch(opts.SearchQuery, func(q string) iter.Seq2[iam.Subject, error] {
		o := opts
		o.SearchQuery = q
		return d.data.client.ListSubjects(ctx, o)
	}, subjectModelFromAPI, func(m subjectModel) string { return m.SubjectID.ValueString() })
	if err = d.data.confirmNotFound(ctx, err); err != nil {
		what := fmt.Sprintf("Listing IAM subjects of type %q", cfg.Type.ValueString())
		if opts.SearchQuery != "" {
			what += fmt.Sprintf(" matching %q", opts.SearchQuery)
		}
		resp.Diagnostics.AddError("Unable to List IAM Subjects", apiErrorText(what, err, readTimeoutHint(ctx, err)))
		return
	}
	sortSubjects(subjects)
	cfg.Subjects = subjects
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
