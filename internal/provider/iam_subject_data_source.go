package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/text/unicode/norm"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource                     = &iamSubjectDataSource{}
	_ datasource.DataSourceWithConfigure        = &iamSubjectDataSource{}
	_ datasource.DataSourceWithConfigValidators = &iamSubjectDataSource{}
)

// NewIAMSubjectDataSource returns the aritma_iam_subject data source.
func NewIAMSubjectDataSource() datasource.DataSource {
	return &iamSubjectDataSource{dataSourceBase: newDataSourceBase("_iam_subject")}
}

type iamSubjectDataSource struct {
	dataSourceBase
}

type iamSubjectDataSourceModel struct {
	SubjectID   types.String   `tfsdk:"subject_id"`
	Type        types.String   `tfsdk:"type"`
	DisplayName types.String   `tfsdk:"display_name"`
	ID          types.String   `tfsdk:"id"`
	Tenant      types.String   `tfsdk:"tenant"`
	Properties  types.Map      `tfsdk:"properties"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

func (d *iamSubjectDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up one IAM subject (user, client or group), either by `subject_id` or by `type` and " +
			"exact `display_name`. Looking up by name fails when no subject or more than one subject has that name, " +
			"and the error lists the candidates' subject ids.",
		Attributes: map[string]schema.Attribute{
			"subject_id": schema.StringAttribute{
				MarkdownDescription: "Subject id to look up, `<type>-<id>` (for example `user-<uuid>`). Set this, or `type` and `display_name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{subjectIDValidator()},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Subject type to search by name: `user`, `client` or `group`. Required with `display_name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{subjectTypeValidator(false)},
			},
			"display_name": schema.StringAttribute{
				MarkdownDescription: "Exact display name (case-sensitive) to look up, together with `type`. For a client it is the client's `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"id": schema.StringAttribute{
				MarkdownDescription: "Id of the subject within its type (for a client, its client id).",
				Computed:            true,
			},
			"tenant": schema.StringAttribute{
				MarkdownDescription: "Tenant the subject belongs to; null for a global subject.",
				Computed:            true,
			},
			"properties": schema.MapAttribute{
				MarkdownDescription: "Type-specific properties, such as `username` and `email` of a user, `clientId` and " +
					"`description` of a client, `description` and `memberCount` of a group. Values that are not strings " +
					"are given as JSON text (`jsondecode` them); properties whose value is null are left out, so read one " +
					"that may be with `lookup(properties, \"email\", null)`.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamSubjectDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("subject_id"), path.MatchRoot("display_name")),
		datasourcevalidator.RequiredTogether(path.MatchRoot("type"), path.MatchRoot("display_name")),
	}
}

func (d *iamSubjectDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamSubjectDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	var (
		found iam.Subject
		ok    bool
	)
	if !cfg.SubjectID.IsNull() {
		d.data.awaitFresh(ctx, freshSubjectItself(cfg.SubjectID.ValueString()))
		found, ok = d.findByID(ctx, cfg.SubjectID.ValueString(), resp)
	} else {
		if t := cfg.Type.ValueString(); t == subjectTypeAll || t == "client" {
			d.data.awaitFresh(ctx, freshClients)
		}
		found, ok = d.findByName(ctx, cfg.Type.ValueString(), cfg.DisplayName.ValueString(), resp)
	}
	if !ok {
		return
	}

	m := subjectModelFromAPI(found)
	props, diags := subjectPropertiesFromAPI(ctx, found.Properties)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state := iamSubjectDataSourceModel{
		SubjectID: m.SubjectID, Type: m.Type, DisplayName: m.DisplayName,
		ID: m.ID, Tenant: m.Tenant, Properties: props, Timeouts: cfg.Timeouts,
	}
	if !cfg.DisplayName.IsNull() {
		state.DisplayName = cfg.DisplayName // the name asked for, which may differ from the API's in normal form only
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// findByID pages through the subjects of the type the id's prefix names (all subjects when the
// prefix is not a known type): the API has no "get one subject" call. A client's subject is
// looked for first by the client's name, which its client id gives (see clientSubject).
func (d *iamSubjectDataSource) findByID(ctx context.Context, subjectID string, resp *datasource.ReadResponse) (iam.Subject, bool) {
	if s, ok := d.clientSubject(ctx, subjectID); ok {
		return s, true
	}
	opts := iam.SubjectListOptions{}
	if prefix, _, cut := strings.Cut(subjectID, "-"); cut {
		switch prefix {
		case subjectTypeUser, subjectTypeClient, subjectTypeGroup:
			opts.Type = prefix
		}
	}
	// Read twice before saying "not found": a subject deleted and another added ahead of it
	// between two pages leave the total as it was, so the paging cannot see that the subject
	// moved onto a page already read.
	for range 2 {
		s, found, err := d.data.client.FindSubject(ctx, opts, func(s iam.Subject) bool { return s.SubjectID == subjectID })
		if err = d.data.confirmNotFound(ctx, err); err != nil {
			resp.Diagnostics.AddError("Unable to Read IAM Subject",
				apiErrorText(fmt.Sprintf("Looking up subject %q", subjectID), err, readTimeoutHint(ctx, err)))
			return iam.Subject{}, false
		}
		if found {
			return s, true
		}
	}
	resp.Diagnostics.AddAttributeError(path.Root("subject_id"), "IAM Subject Not Found",
		joinHints(fmt.Sprintf("No IAM subject has the subject id %q. Subject ids look like user-<id>, client-<client_id> or "+
			"group-<id>; list them with the aritma_iam_subjects data source.", subjectID), goneLookupHint))
	return iam.Subject{}, false
}

// clientSubject finds the subject of a client, client-<client_id>, in two calls: the client, for
// its name (a client subject's display name), then a search of client subjects for that name.
// Paging through every client subject instead costs a call per 200 clients, for every look-up. It
// answers false whenever that does not find the subject (not a client's id, a client the caller
// may not read, a name changed in between), and findByID then pages through them all.
func (d *iamSubjectDataSource) clientSubject(ctx context.Context, subjectID string) (iam.Subject, bool) {
	clientID, ok := strings.CutPrefix(subjectID, clientSubjectPrefix)
	if !ok || !isIDSegment(clientID) {
		return iam.Subject{}, false
	}
	c, err := d.data.client.GetClient(ctx, clientID)
	if err != nil || c.Name == "" {
		return iam.Subject{}, false
	}
	s, found, err := d.data.client.FindSubject(ctx, iam.SubjectListOptions{Type: subjectTypeClient, SearchQuery: c.Name},
		func(s iam.Subject) bool { return s.SubjectID == subjectID })
	return s, err == nil && found
}

// findByName searches with the API's case-insensitive substring search, then keeps exact matches.
// Exact is up to Unicode normalisation: the name is searched for in each form it has (see
// searchForms), and a display name matches in either.
func (d *iamSubjectDataSource) findByName(ctx context.Context, typ, name string, resp *datasource.ReadResponse) (iam.Subject, bool) {
	var matches []iam.Subject
	want := norm.NFC.String(name)
	for _, query := range searchForms(name) {
		for s, err := range d.data.client.ListSubjects(ctx, iam.SubjectListOptions{Type: typ, SearchQuery: query}) {
			if err = d.data.confirmNotFound(ctx, err); err != nil {
				resp.Diagnostics.AddError("Unable to Read IAM Subject",
					apiErrorText(fmt.Sprintf("Searching %s subjects named %q", typ, name), err, readTimeoutHint(ctx, err)))
				return iam.Subject{}, false
			}
			if norm.NFC.String(s.DisplayName) == want && !slices.ContainsFunc(matches, func(m iam.Subject) bool { return m.SubjectID == s.SubjectID }) {
				matches = append(matches, s)
			}
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], true
	case 0:
		resp.Diagnostics.AddAttributeError(path.Root("display_name"), "IAM Subject Not Found",
			joinHints(fmt.Sprintf("No %s subject has the display name %q. Display names match exactly, including case; "+
				"search with the aritma_iam_subjects data source and search_query.", typ, name), goneLookupHint))
	default:
		ids := make([]string, len(matches))
		for i, s := range matches {
			ids[i] = s.SubjectID
		}
		resp.Diagnostics.AddAttributeError(path.Root("display_name"), "Several IAM Subjects Match",
			fmt.Sprintf("%d %s subjects have the display name %q: %s. Look the subject up by subject_id instead; %s",
				len(matches), typ, name, strings.Join(ids, ", "), destroyRegardlessHint))
	}
	return iam.Subject{}, false
}
