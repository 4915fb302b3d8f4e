package provider

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ datasource.DataSource                     = &iamPermissionsDataSource{}
	_ datasource.DataSourceWithConfigure        = &iamPermissionsDataSource{}
	_ datasource.DataSourceWithConfigValidators = &iamPermissionsDataSource{}
)

// NewIAMPermissionsDataSource returns the aritma_iam_permissions data source.
func NewIAMPermissionsDataSource() datasource.DataSource {
	return &iamPermissionsDataSource{dataSourceBase: newDataSourceBase("_iam_permissions")}
}

type iamPermissionsDataSource struct {
	dataSourceBase
}

type iamPermissionsDataSourceModel struct {
	SubjectID        types.String      `tfsdk:"subject_id"`
	ClientID         types.String      `tfsdk:"client_id"`
	ResourceType     types.String      `tfsdk:"resource_type"`
	ResourceProvider types.String      `tfsdk:"resource_provider"`
	Action           types.String      `tfsdk:"action"`
	Scope            types.String      `tfsdk:"scope"`
	Permissions      []permissionModel `tfsdk:"permissions"`
	Allowed          types.Bool        `tfsdk:"allowed"`
	Timeouts         timeouts.Value    `tfsdk:"timeouts"`
}

func (d *iamPermissionsDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Effective permissions of one subject: every policy that applies to it, directly or " +
			"through its groups (transitively). Pages through every result.\n\n" +
			"With `action` set, `allowed` answers \"may this subject perform this action\" — on `scope` when that " +
			"is set too — taking parent actions (`iam.manage` grants `iam.client.read`) and parent scopes " +
			"(`/subscriptions/123` covers `/subscriptions/123/resource-groups/x`, `/` covers everything) into account. " +
			"Use it in a `precondition` or `check` block.",
		Attributes: map[string]schema.Attribute{
			"subject_id": schema.StringAttribute{
				MarkdownDescription: "Subject whose permissions to list, such as `client-<client_id>`, `user-<id>` or " +
					"`group-<id>`. Set exactly one of `subject_id` and `client_id`; with `client_id` this is computed.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{subjectIDValidator()},
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "Client whose permissions to list. Set exactly one of `subject_id` and `client_id`.",
				Optional:            true,
				Validators:          []validator.String{clientIDValidator()},
			},
			"resource_type": schema.StringAttribute{
				MarkdownDescription: "Keeps permissions whose scope ends in this resource type, such as `subscriptions` " +
					"or `resource-groups` (exact match; not empty: leave it out to keep all).",
				Optional:   true,
				Validators: []validator.String{permissionFilterValidator("resource_type")},
			},
			"resource_provider": schema.StringAttribute{
				MarkdownDescription: "Keeps permissions of this resource provider, such as `aritma.control` (exact match; " +
					"not empty: leave it out to keep all).",
				Optional:   true,
				Validators: []validator.String{permissionFilterValidator("resource_provider")},
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "Keeps permissions that grant this action: the action itself or any of its " +
					"ancestors (`owner` and `iam.manage` grant `iam.client.read`). Also makes `allowed` known.",
				Optional:   true,
				Validators: []validator.String{notEmptyFilter("action", "to keep every permission", actionValidator())},
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "Scope for `allowed`, such as `/subscriptions/123`. Requires `action`. It does not " +
					"filter `permissions`: a grant on the scope or on any ancestor of it counts.",
				Optional: true,
				Validators: []validator.String{
					notEmptyFilter("scope", "where allowed is not wanted, or give the scope to answer allowed for, such as \"/\"",
						permissionScopeValidator()),
					stringvalidator.AlsoRequires(path.MatchRoot("action")),
				},
			},
			"permissions": schema.ListNestedAttribute{
				MarkdownDescription: "The effective permissions, ordered by action, scope and granted_via.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"action": schema.StringAttribute{
						MarkdownDescription: "Granted action.",
						Computed:            true,
					},
					"scope": schema.StringAttribute{
						MarkdownDescription: "Scope the action is granted on.",
						Computed:            true,
					},
					"resource_type": schema.StringAttribute{
						MarkdownDescription: "Resource type of the scope (its last type segment); empty for `/`.",
						Computed:            true,
					},
					"resource_provider": schema.StringAttribute{
						MarkdownDescription: "Resource provider of the scope, such as `aritma.control`; may be empty.",
						Computed:            true,
					},
					"granted_via": schema.StringAttribute{
						MarkdownDescription: "Subject id the policy was granted to: the subject itself, or a group it is in.",
						Computed:            true,
					},
				}},
			},
			"allowed": schema.BoolAttribute{
				MarkdownDescription: "Whether the subject may perform `action` — on `scope` when set, else on at least " +
					"one scope. Not affected by `resource_type` and `resource_provider`. Null unless `action` is set. " +
					"A grant of a parent action counts when the action catalogue (`GET /v1/actions`) shows it is one; " +
					"when the catalogue cannot be read, only grants of `action` itself count, and a warning names the " +
					"grants that could not be checked: `allowed` never takes a grant for more than it is known to be.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{"timeouts": dataSourceTimeoutsBlock(ctx)},
	}
}

func (d *iamPermissionsDataSource) ConfigValidators(_ context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("subject_id"), path.MatchRoot("client_id")),
	}
}

func (d *iamPermissionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg iamPermissionsDataSourceModel
	ctx, cancel := dataSourceReadContext(ctx, req.Config, &cfg, &cfg.Timeouts, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	who := fmt.Sprintf("subject %q", cfg.SubjectID.ValueString())
	missing := checkSubjectIDAdvice
	list := func(f iam.PermissionFilter) iter.Seq2[iam.Permission, error] {
		return d.data.client.ListPermissions(ctx, cfg.SubjectID.ValueString(), f)
	}
	if !cfg.ClientID.IsNull() {
		who = fmt.Sprintf("client %q", cfg.ClientID.ValueString())
		missing = "check client_id"
		cfg.SubjectID = types.StringValue(clientSubjectID(cfg.ClientID.ValueString()))
		list = func(f iam.PermissionFilter) iter.Seq2[iam.Permission, error] {
			return d.data.client.ListClientPermissions(ctx, cfg.ClientID.ValueString(), f)
		}
	}
	// A client or a grant this apply has just created must count (allowed = false right after the
	// grant would fail a precondition), so wait until they are visible.
	d.data.awaitFresh(ctx, freshPermissions(cfg.SubjectID.ValueString()))
	listAll := func(f iam.PermissionFilter) ([]iam.Permission, bool) {
		perms, err := collect(list(f), func(p iam.Permission) iam.Permission { return p })
		err = d.data.confirmNotFound(ctx, err)
		if err != nil {
			hint, subjectHint, gone := "", "", ""
			if iam.IsNotFound(err) {
				hint, gone = fmt.Sprintf("The %s does not exist: %s.", who, missing), goneLookupHint
				if !cfg.ClientID.IsNull() {
					subjectHint = subjectIDHint(cfg.ClientID.ValueString())
				}
			}
			resp.Diagnostics.AddError("Unable to Read IAM Permissions",
				apiErrorText("Listing the permissions of the "+who, err, hint, subjectHint, gone, readTimeoutHint(ctx, err)))
			return nil, false
		}
		return perms, true
	}

	filter := iam.PermissionFilter{
		ResourceType:     cfg.ResourceType.ValueString(),
		ResourceProvider: cfg.ResourceProvider.ValueString(),
		Action:           cfg.Action.ValueString(),
	}
	perms, ok := listAll(filter)
	if !ok {
		return
	}
	match := d.actionMatcher(ctx, filter.Action)
	perms = keep(perms, filter, match.grants)
	// The order the docs promise, whatever order the API lists them in.
	slices.SortFunc(perms, func(a, b iam.Permission) int {
		return cmp.Or(strings.Compare(a.Action, b.Action), strings.Compare(a.Scope, b.Scope), strings.Compare(a.GrantedVia, b.GrantedVia))
	})
	cfg.Permissions = make([]permissionModel, 0, len(perms))
	for _, p := range perms {
		cfg.Permissions = append(cfg.Permissions, permissionModelFromAPI(p))
	}

	cfg.Allowed = types.BoolNull()
	if !cfg.Action.IsNull() {
		candidates := perms
		if filter.ResourceType != "" || filter.ResourceProvider != "" {
			// allowed answers for the subject as a whole, so it must not lose grants on scopes of
			// other resource types (such as "/") to the list's filters.
			onlyAction := iam.PermissionFilter{Action: filter.Action}
			if candidates, ok = listAll(onlyAction); !ok {
				return
			}
			candidates = keep(candidates, onlyAction, match.grants)
		}
		allowed, unproven := decideAllowed(candidates, cfg.Scope, match)
		cfg.Allowed = types.BoolValue(allowed)
		switch {
		case unproven != "":
			resp.Diagnostics.AddAttributeWarning(path.Root("allowed"), "Allowed Not Proven", unproven)
		case !allowed:
			d.data.warnUnknownAction(ctx, cfg.Action.ValueString(), "allowed is false", &resp.Diagnostics)
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}

// warnUnknownAction warns when action is not in the catalogue at all, and so cannot be granted: a
// typo would otherwise read as a missing grant in a check block. outcome says what the data source
// reports because of it. A catalogue that cannot be read says nothing.
func (p *providerData) warnUnknownAction(ctx context.Context, action, outcome string, diags *diag.Diagnostics) {
	names, ok, _ := p.actionNames(ctx)
	if !ok || slices.Contains(names, action) {
		return
	}
	diags.AddAttributeWarning(path.Root("action"), "Unknown Action",
		fmt.Sprintf("%q is not in the action catalogue, so no policy can grant it and %s. Check the "+
			"spelling; the aritma_iam_actions data source lists every action.", action, outcome))
}

// actionMatch decides whether a granted action grants action: it is action itself or one of its
// ancestors in the catalogue (CONTRACT.md §6), the rule of the API's action filter, applied again
// so that a server that filters more loosely, or not at all, cannot put into permissions a grant
// the configuration's filter excludes, nor make allowed true. The catalogue is read at the first
// granted action other than action itself.
type actionMatch struct {
	load   func() ([]iam.Action, error)
	action string
	read   bool
	// unverified: the catalogue could not be read, or is empty, so no ancestry can be checked.
	unverified bool
	ancestry   []string
}

func (d *iamPermissionsDataSource) actionMatcher(ctx context.Context, action string) *actionMatch {
	return &actionMatch{action: action, load: func() ([]iam.Action, error) {
		return d.data.actions.get(ctx, d.data.client.ListActions, true)
	}}
}

func (m *actionMatch) readCatalogue() {
	if m.read {
		return
	}
	m.read = true
	catalogue, err := m.load()
	m.unverified = err != nil || len(catalogue) == 0
	m.ancestry = actionAncestry(catalogue, m.action)
}

// grants is the list's filter. Without a catalogue the API's answer stands: what it filtered is
// all there is to go by, and the list is no reason to fail the read.
func (m *actionMatch) grants(granted string) bool {
	if m.action == "" || granted == m.action {
		return true
	}
	m.readCatalogue()
	return m.unverified || slices.Contains(m.ancestry, granted)
}

// proves is allowed's test, which must never take a grant for more than it is known to be: a
// precondition on allowed gates a deploy. Without a catalogue only a grant of action itself
// proves it.
func (m *actionMatch) proves(granted string) bool {
	return m.grants(granted) && (granted == m.action || m.action == "" || !m.unverified)
}

// decideAllowed answers allowed from the grants listed for action (candidates): one that proves
// action and covers scope (any scope when null). When it is false only because the catalogue
// could not tell whether a listed grant that covers scope is of a parent action, unproven says so.
func decideAllowed(candidates []iam.Permission, scope types.String, m *actionMatch) (allowed bool, unproven string) {
	// A grant the API names no scope for covers nothing, also when scope is null ("any scope").
	covers := func(p iam.Permission) bool {
		return p.Scope != "" && (scope.IsNull() || scopeCovers(p.Scope, scope.ValueString()))
	}
	if slices.ContainsFunc(candidates, func(p iam.Permission) bool { return covers(p) && m.proves(p.Action) }) {
		return true, ""
	}
	var others []string
	for _, p := range candidates {
		if covers(p) && !slices.Contains(others, p.Action) {
			others = append(others, p.Action)
		}
	}
	if len(others) == 0 {
		return false, ""
	}
	slices.Sort(others)
	return false, fmt.Sprintf("The API lists grants of %s that cover this scope, which the provider could not check: "+
		"they may be of parent actions of %q, but the action catalogue (GET /v1/actions) could not be read or is empty, "+
		"so allowed counts only grants of %q itself: it is false. Make sure the provider's token may read the "+
		"catalogue, or grant %q itself.", strings.Join(others, ", "), m.action, m.action, m.action)
}

// keep applies the API's filters (CONTRACT.md §6) again to what it answered: the resource filters
// exactly, the action filter with grants (see actionMatcher).
func keep(perms []iam.Permission, f iam.PermissionFilter, grants func(string) bool) []iam.Permission {
	return slices.DeleteFunc(perms, func(p iam.Permission) bool {
		return (f.ResourceType != "" && p.ResourceType != f.ResourceType) ||
			(f.ResourceProvider != "" && p.ResourceProvider != f.ResourceProvider) || !grants(p.Action)
	})
}
