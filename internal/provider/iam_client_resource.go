package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ resource.Resource                   = &iamClientResource{}
	_ resource.ResourceWithConfigure      = &iamClientResource{}
	_ resource.ResourceWithImportState    = &iamClientResource{}
	_ resource.ResourceWithValidateConfig = &iamClientResource{}
	_ resource.ResourceWithModifyPlan     = &iamClientResource{}
)

// NewIAMClientResource returns the aritma_iam_client resource.
func NewIAMClientResource() resource.Resource {
	return &iamClientResource{resourceBase: newResourceBase("_iam_client")}
}

type iamClientResource struct {
	resourceBase
}

// iamClientResourceModel is clientModel plus what only the resource has.
type iamClientResourceModel struct {
	clientModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *iamClientResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An OAuth 2.0 client in Aritma IAM, for machine-to-machine access. A new client has no " +
			"secrets and no permissions: give it a secret with `aritma_iam_client_secret` and permissions with " +
			"`aritma_iam_policy` (use `subject_id` as the policy's `subject`).\n\n" +
			"Changing any argument updates the client in place. Deleting the client also deletes its secrets, " +
			"its policies and its group memberships.\n\n" +
			"A plan that destroys the client the provider itself signs in as (with `client_id` and `client_secret`), " +
			"or takes from it `client_credentials` or a scope the provider's token needs, warns: the apply would lock " +
			"every later run out. A replacement by `-replace` or taint cannot be warned of (Terraform shows only errors " +
			"of the plan of the new object).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The client id assigned by Aritma IAM (same as `client_id`).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "The client id assigned by Aritma IAM: what the service sends as `client_id` to the " +
					"token endpoint.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"subject_id": schema.StringAttribute{
				MarkdownDescription: "The client's IAM subject id, `client-<client_id>`: use it as the `subject` of an " +
					"`aritma_iam_policy`.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Display name of the client, 1 to 200 characters. Names need not be unique.",
				Required:            true,
				Validators: []validator.String{stringCheck{
					summary:     "Invalid Name",
					description: fmt.Sprintf("value must be between 1 and %d characters", maxClientNameLength),
					check:       checkClientName,
				}},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "Free text describing the client, at most 1000 characters. Defaults to `\"\"`.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(""),
				Validators: []validator.String{stringCheck{
					summary:     "Invalid Description",
					description: fmt.Sprintf("value must be at most %d characters", maxClientDescriptionLength),
					check:       checkClientDescription,
				}},
			},
			"allowed_grant_types": schema.SetAttribute{
				MarkdownDescription: "OAuth 2.0 grant types the client may use: `client_credentials` (machine-to-machine), " +
					"`authorization_code` (needs `redirect_uris`) and `refresh_token`. At least one.",
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.Set{
					setNotEmptyValidator("grant type"),
					noNullElementsValidator(),
					setvalidator.ValueStringsAre(grantTypeValidator()),
				},
			},
			"allowed_scopes": schema.SetAttribute{
				MarkdownDescription: "OAuth scopes the client may request a token for, such as `api` or `services.iam`. " +
					"At least one, although the API accepts none: a client without scopes gets tokens that no API " +
					"accepts. (Importing such a client plans an update that adds the configured scopes; the configuration " +
					"`plan -generate-config-out` writes for it has `allowed_scopes = []`, which needs a scope added by hand.) The API " +
					"rejects scopes it does not know (see its `GET /v1/scopes`); a plan that adds a scope checks it " +
					"against that list (read once per provider process), so the mistake fails the plan rather than the apply.",
				ElementType: types.StringType,
				Required:    true,
				Validators: []validator.Set{
					setNotEmptyValidator("scope"),
					noNullElementsValidator(),
					setvalidator.ValueStringsAre(oauthScopeValidator()),
				},
			},
			"redirect_uris": schema.SetAttribute{
				MarkdownDescription: "Redirect URIs for the `authorization_code` grant: absolute `https` URIs without a " +
					"fragment (`http` only for `localhost`, `127.0.0.1` and `[::1]`). Required when " +
					"`allowed_grant_types` contains `authorization_code`, and must be empty otherwise. Defaults to `[]`.",
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     setdefault.StaticValue(emptyStringSet()),
				Validators:  []validator.Set{noNullElementsValidator(), setvalidator.ValueStringsAre(redirectURIValidator())},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true},
				"Each defaults to `5m`."),
		},
	}
}

// timeoutsBlock is a timeouts block with the operations in opts, documented; defaults says what
// they default to.
func timeoutsBlock(ctx context.Context, opts timeouts.Opts, defaults string) schema.Block {
	b := timeouts.Block(ctx, opts)
	if nb, ok := b.(schema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long each operation may take, retries included, as Go durations such as " +
			"`\"10m\"`. " + defaults
		for k, a := range nb.Attributes {
			if sa, ok := a.(schema.StringAttribute); ok {
				sa.Validators = slices.Concat(sa.Validators, []validator.String{positiveTimeoutValidator()}) // never shared with the other attributes' slice
				nb.Attributes[k] = sa
			}
		}
		return nb
	}
	return b
}

// ValidateConfig checks the rule that spans two attributes: redirect URIs belong to, and only to,
// the authorization_code grant.
func (r *iamClientResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var grants, uris types.Set
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("allowed_grant_types"), &grants)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("redirect_uris"), &uris)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(validateClientRedirectURIs(grants, uris)...)
}

func (r *iamClientResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan iamClientResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultOperationTimeout)
	resp.Diagnostics.Append(diags...)
	body, diags := clientRequestFromModel(plan.clientModel)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An interrupt must not abandon a create the API has received (see iam.CreateContext).
	interrupt := ctx
	ctx, cancel := iam.CreateContext(withOperation(ctx, "create"), timeout)
	defer cancel()

	end := r.data.created.begin("client name " + body.Name)
	created, err := r.data.client.CreateClient(ctx, body)
	switch {
	case err == nil:
		r.data.created.add("client " + created.ClientID)
		r.data.fresh.add("client " + created.ClientID)
	case errors.Is(err, iam.ErrOutcomeUnknown):
		r.data.created.loseAnswer("client name " + body.Name)
	}
	end()
	if err != nil {
		if errors.Is(err, iam.ErrOutcomeUnknown) {
			resp.Diagnostics.AddError("IAM Client May Have Been Created",
				joinHints(r.outcomeUnknownDetail(ctx, interrupt, body.Name, err), resourceTimeoutHint(ctx, err)))
			return
		}
		resp.Diagnostics.AddError("Unable to Create IAM Client", apiErrorText(fmt.Sprintf("Creating IAM client %q", body.Name), err, interruptedCreateHint(err), resourceTimeoutHint(ctx, err)))
		return
	}
	tflog.Debug(ctx, "Created IAM client", map[string]any{"client_id": created.ClientID})

	// The create response gives the ids: reading the client back right away could miss it on an
	// eventually consistent API.
	state := iamClientResourceModel{Timeouts: plan.Timeouts}
	var differs []string
	state.clientModel, differs = appliedModel(plan.clientModel, created)
	warnAppliedDiffers(&resp.Diagnostics, "created", created.ClientID, differs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(markCreated(ctx, resp.Private)...)
	resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
}

// clientLookupFound is what one listing of a lost client create's look-up found: clients of the
// name, and those of them that other resources of this run created.
type clientLookupFound struct {
	lookupListing
	ids, siblings []string
}

func (f *clientLookupFound) foundSome() bool { return len(f.ids) > 0 }

// outcomeUnknownDetail explains a create whose response was lost, or was a 500 that does not say
// how far the server got. It looks for clients with the
// same name (best effort, briefly), so the user can tell which one to import or delete.
func (r *iamClientResource) outcomeUnknownDetail(ctx, interrupt context.Context, name string, cause error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The request to create IAM client %q was sent, but its response was lost or did not say "+
		"whether it was created, so the client may "+
		"or may not exist now. Terraform has not recorded it: applying again could create a second client with "+
		"the same name.\n\n%s\n\n", name, apiErrorDetail(cause))

	lookup, cancel := outcomeLookupContext(ctx, interrupt)
	defer cancel()
	key := "client name " + name
	var complete *clientLookupFound // the last listing that went through
	f, done, cut := findVisible(lookup, interrupt, func(list, wait context.Context) (f clientLookupFound, done bool) {
		defer rememberListing(&complete, &f)
		r.data.created.settle(wait, key)
		var named []string
		for c, err := range r.data.client.ListClients(list, iam.ListClientsOptions{SearchText: name}) {
			if err != nil {
				f.listErr = err
				break
			}
			if c.Name == name {
				named = append(named, c.ClientID)
			}
		}
		// A create of the same name that started during the listing may have made one of these
		// before recording it: then list again once it has. One that ended has recorded what it
		// made (add, or loseAnswer, comes before end), so only now are this run's told apart.
		f.unsure = r.data.created.busy(key)
		for _, id := range named {
			if r.data.created.has("client " + id) {
				f.siblings = append(f.siblings, id) // another resource of this run made it
			} else {
				f.ids = append(f.ids, id)
			}
		}
		// Every create of this name whose answer was lost may have made one, but client names need
		// not be unique and a client has no creation time: as many as were lost may include one
		// made before this apply while the API still hides this apply's. Only more than that ends
		// the look-up early (it can then name none as "the" one anyway); as many goes on looking
		// until the window has passed.
		return f, !f.unsure && (f.listErr != nil || len(f.ids) > r.data.created.lostAnswers(key))
	})
	partial, cut := keepLastListing(&f, complete, lookup.Err(), cut)
	ids, siblings, listErr := f.ids, f.siblings, f.listErr
	lost := r.data.created.lostAnswers(key)
	// settled: the look-up saw what it looked for and no more, having waited out the API's lag.
	settled := !done && cut == nil && !f.unsure && listErr == nil && partial == ""
	other := ""
	if len(siblings) > 0 {
		other = "other "
		fmt.Fprintf(&b, "Not these clients named %q, which this run created for other resources: %s. ",
			name, strings.Join(siblings, ", "))
	}
	switch {
	case len(ids) == 0 && listErr != nil:
		fmt.Fprintf(&b, "Looking for clients named %q failed as well (%s). ", name, listErr.Error())
	case len(ids) == 0:
		fmt.Fprintf(&b, "No %sclient named %q was visible after the failure, %s; it may still appear. ", other, name, lookupEndText(cut))
	case len(ids) == 1 && lost == 1 && settled:
		fmt.Fprintf(&b, "A client named %q exists now: %s, the only one %s. Client names need not be unique, "+
			"so make sure it is not one made before this apply (such a client would have secrets or policies of its "+
			"own). If it is the one this apply created, import it, replacing "+
			"<name> with this resource's name:\n\n  terraform import aritma_iam_client.<name> %s\n\n"+
			"or delete it through the API and apply again. "+importAddressNote("aritma_iam_client"), name, ids[0],
			lookupEndText(nil), ids[0])
		return b.String()
	default:
		fmt.Fprintf(&b, "Clients named %q now: %s%s. ", name, strings.Join(ids, ", "), partial)
	}
	if len(ids) > 0 && lost > 1 {
		fmt.Fprintf(&b, "%d creates of a client named %q lost their answers in this run, so no one of these is "+
			"this resource's for sure: import one into each of those resources. ", lost, name)
	}
	if len(ids) > 0 && f.unsure {
		fmt.Fprintf(&b, "Another create of a client named %q in this apply was still running when the look-up ended, "+
			"so one of these may be that resource's. ", name)
	}
	notSiblings := ""
	if len(siblings) > 0 {
		notSiblings = "; not one named above as another resource's"
	}
	b.WriteString("Find the client this apply created by its name (for example with GET " +
		"/v1/clients?searchText=<name>" + notSiblings + "), then either import it, " +
		"replacing <name> with this resource's name and " +
		"<client_id> with its id:\n\n  terraform import aritma_iam_client.<name> <client_id>\n\n" +
		"or delete it through the API and apply again. ")
	if len(ids) == 0 {
		b.WriteString("If no such client turns up, the failed create made none: apply again. ")
	}
	b.WriteString(importAddressNote("aritma_iam_client"))
	return b.String()
}

func (r *iamClientResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state iamClientResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, "read", state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	id := state.ID.ValueString()
	c, err := readAfterCreate(ctx, req.Private, func(ctx context.Context) (*iam.OAuthClient, error) {
		return r.data.client.GetClient(ctx, id)
	})
	err = r.data.confirmNotFound(ctx, err)
	if iam.IsNotFound(err) {
		r.data.removeVanished(ctx, resp, "IAM Client Not Found", fmt.Sprintf("IAM client %q", id), "it")
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read IAM Client", apiErrorText(fmt.Sprintf("Reading IAM client %q", id), err, resourceTimeoutHint(ctx, err)))
		return
	}

	prior := state.clientModel
	state.clientModel = clientModelFromAPI(c)
	if unread := state.keepOmitted(c, &prior); len(unread) > 0 {
		resp.Diagnostics.AddWarning("IAM Client Partly Unreadable",
			fmt.Sprintf("The API's answer for IAM client %q left out %s. With no earlier value to keep, the state "+
				"records null, and the next apply sets what the configuration says. Changes made outside Terraform "+
				"to what the API leaves out cannot be detected.", id, strings.Join(unread, ", ")))
	} else if len(c.Omitted) > 0 {
		tflog.Debug(ctx, "The API's answer for the IAM client left fields out; keeping their last written values",
			map[string]any{"client_id": id, "omitted": c.Omitted})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	// The client has been seen, so a later 404 means it is gone, not that the API lags.
	resp.Diagnostics.Append(clearCreated(ctx, resp.Private)...)
	resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
}

func (r *iamClientResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state iamClientResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	body, diags := clientRequestFromModel(plan.clientModel)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := withTimeout(ctx, "update", plan.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	id := state.ID.ValueString()
	// Nothing may have read the client back since its create (apply -refresh=false): an
	// eventually consistent API may not know it yet, and its 404 is waited out as a read's is.
	updated, err := readAfterCreate(ctx, req.Private, func(ctx context.Context) (*iam.OAuthClient, error) {
		return r.data.client.UpdateClient(ctx, id, body)
	})
	if err != nil {
		err = r.data.confirmNotFound(ctx, err) // a 404 from an endpoint without its base path says nothing of the client
		hint := ""
		if iam.IsNotFound(err) {
			hint = "The client was deleted outside Terraform. Apply again (its refresh drops the " +
				"client from the state and plans to create it)."
		}
		resp.Diagnostics.AddError("Unable to Update IAM Client", apiErrorText(fmt.Sprintf("Updating IAM client %q", id), err, hint, resourceTimeoutHint(ctx, err)))
		return
	}

	var differs []string
	plan.clientModel, differs = appliedModel(plan.clientModel, updated)
	warnAppliedDiffers(&resp.Diagnostics, "updated", id, differs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if resp.Private != nil { // nil only when a unit test calls Update directly
		resp.Diagnostics.Append(clearCreated(ctx, resp.Private)...) // the API knows the client now
		resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
	}
}

func (r *iamClientResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state iamClientResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, "delete", state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	id := state.ID.ValueString()
	// A client that is already gone is what Delete wants: not an error.
	err := r.data.confirmNotFound(ctx, r.data.client.DeleteClient(ctx, id))
	r.data.secretLists.forget(id) // its secrets went with it
	if err == nil || iam.IsNotFound(err) {
		// Its secrets and policies went with it: no data source may wait for them.
		r.data.fresh.dropClient(id)
	}
	if err != nil && !iam.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Delete IAM Client", apiErrorText(fmt.Sprintf("Deleting IAM client %q", id), err,
			resourceTimeoutHint(ctx, err), "The client is kept in the state; apply or destroy again once the cause is fixed."))
	}
}

// ImportState takes the client id; Read fills in the rest.
func (r *iamClientResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, err := parseClientID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Unable to import aritma_iam_client: "+err.Error()+".\n\nUse: terraform import aritma_iam_client.<name> <client_id>")
		return
	}
	if rest, ok := r.data.subjectIDOfClient(ctx, id); ok {
		resp.Diagnostics.AddError("Import ID Is a Subject ID",
			fmt.Sprintf("%q is the subject id of client %q, and aritma_iam_client is imported by its client id:\n\n"+
				"  terraform import aritma_iam_client.<name> %s", id, rest, rest))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	markImported(ctx, resp)
}

// ModifyPlan checks the scopes a plan adds to a client against the API's scope catalogue, so an
// unknown one fails the plan instead of the apply. Scopes the client already has are left alone:
// the API accepted them once, and a plan that does not touch them must not fail over them.
func (r *iamClientResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	if r.data.selfClientID != "" && !req.State.Raw.IsNull() && !req.Plan.Raw.Equal(req.State.Raw) {
		r.warnSelfClient(ctx, req, &resp.Diagnostics)
	}
	planned, prior, changed := plannedChange[types.Set](ctx, req, path.Root("allowed_scopes"), &resp.Diagnostics)
	if !changed {
		return
	}
	scopes, ok := knownStrings(planned)
	if !ok {
		return
	}
	had, _ := knownStrings(prior)
	added := slices.DeleteFunc(scopes, func(s string) bool { return slices.Contains(had, s) })
	if len(added) > 0 {
		r.data.checkScopesInCatalogue(ctx, added, &resp.Diagnostics)
	}
}

// warnSelfClient warns of a plan that takes away what the provider signs in with: it destroys the
// client the provider is configured with, or leaves it without client_credentials or without a
// scope the provider's token needs. A destroyed client takes its tokens with it, so the rest of
// the apply fails; a client left without what its token needs still works until the token in
// hand expires. Either way the next run of the configuration, its destroy included, cannot get a
// token. A warning, not an error: handing the configuration over to another client is a choice.
// (A replacement, -replace or taint, cannot be warned of: Terraform shows only the errors of the
// plan of the new object.)
func (r *iamClientResource) warnSelfClient(ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) {
	var id types.String
	diags.Append(req.State.GetAttribute(ctx, path.Root("client_id"), &id)...)
	if diags.HasError() || id.ValueString() != r.data.selfClientID {
		return
	}
	const after = " Sign the provider in as another client first (client_id and client_secret, or ARITMA_CLIENT_ID and " +
		"ARITMA_CLIENT_SECRET), or keep this client as it is."
	if req.Plan.Raw.IsNull() {
		diags.AddWarning("Plan Destroys the Provider's Own Client",
			fmt.Sprintf("This plan destroys IAM client %q, the client the provider signs in as, and with it its secrets, "+
				"its grants and its tokens: every call of this apply after the delete is refused, and so is every "+
				"later run of this configuration, its destroy included."+after, id.ValueString()))
		return
	}
	var grants, scopes types.Set
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("allowed_grant_types"), &grants)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("allowed_scopes"), &scopes)...)
	if diags.HasError() {
		return
	}
	var lost []string
	if planned, ok := knownStrings(grants); ok && !grants.IsUnknown() && !slices.Contains(planned, grantTypeClientCredentials) {
		lost = append(lost, "the grant type "+grantTypeClientCredentials)
	}
	if planned, ok := knownStrings(scopes); ok && !scopes.IsUnknown() {
		for _, s := range r.data.selfScopes {
			if !slices.Contains(planned, s) {
				lost = append(lost, fmt.Sprintf("the scope %q, which the provider's token needs", s))
			}
		}
	}
	if len(lost) > 0 {
		diags.AddWarning("Plan Locks the Provider Out",
			fmt.Sprintf("This plan takes from IAM client %q, the client the provider signs in as, %s, so the token "+
				"endpoint will refuse it a token once the one in hand expires: the next run of this configuration, "+
				"its destroy included, cannot sign in."+after, id.ValueString(), strings.Join(lost, " and ")))
	}
}
