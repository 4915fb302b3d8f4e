package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ resource.Resource                = &iamPolicyResource{}
	_ resource.ResourceWithConfigure   = &iamPolicyResource{}
	_ resource.ResourceWithImportState = &iamPolicyResource{}
	_ resource.ResourceWithModifyPlan  = &iamPolicyResource{}
)

// NewIAMPolicyResource returns the aritma_iam_policy resource.
func NewIAMPolicyResource() resource.Resource {
	return &iamPolicyResource{resourceBase: newResourceBase("_iam_policy")}
}

type iamPolicyResource struct {
	resourceBase
}

// iamPolicyResourceModel is policyModel plus what only the resource has.
type iamPolicyResourceModel struct {
	policyModel
	Timeouts timeouts.Value `tfsdk:"timeouts"`
}

func (r *iamPolicyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Grants one action to one subject on one scope in Aritma IAM. A policy has no id of its " +
			"own and cannot be changed: the triple (`subject`, `action`, `scope`) is its identity, and changing any " +
			"part replaces it. Granting an action also grants its descendants (`iam.manage` grants " +
			"`iam.client.read`), and a grant on a scope covers everything below it.\n\n" +
			"A replacement deletes the old grant before it creates the new one, so the subject is without either " +
			"for a moment; with `lifecycle { create_before_destroy = true }` the new grant exists first (the two " +
			"triples differ, so both can exist at once). A replacement of the same triple (`-replace`, " +
			"`replace_triggered_by`, or values unknown at plan that turn out the same) cannot be created first: " +
			"leave `create_before_destroy` off for those. Neither can replacements that hand grants round among " +
			"policies (`for_each` keys swapping actions): each new grant would be created while another policy still " +
			"holds it. The plan warns of such a ring; apply it without `create_before_destroy`.\n\n" +
			"A plan that deletes or replaces a grant on `/` giving the client the provider signs in as (with " +
			"`client_id` and `client_secret`) its IAM access (`owner`, `iam.manage`, `iam.*`) warns: unless another " +
			"grant gives the same, the calls after its delete are refused. A replacement by `-replace` or taint cannot " +
			"be warned of.\n\n" +
			"Renaming a policy resource or its `for_each` key without a `moved` block deletes the old instance and " +
			"creates the new one, with the same triple, in parallel. A create that finds the grant still there waits " +
			"for that delete and grants again, so the subject is without the grant only for a moment; a `moved` block " +
			"avoids even that. (With `-parallelism=1` Terraform cannot start the delete while the create waits for it: " +
			"the create fails after 5 seconds, the delete then removes the grant, and the next apply grants it again.)\n\n" +
			"Creating a policy that already exists fails and asks you to import it: the provider never silently " +
			"takes over a grant that someone else made. The one exception is a create the provider had to " +
			"repeat because its first answer was lost (a timeout, or a 5xx other than 501, 503 and 505, which say the " +
			"request was not carried out): a conflict on the repeat most likely means the first " +
			"attempt succeeded, so the policy is taken as created; so is a grant found by its triple after a lost answer " +
			"that was not repeated (an interrupt, or `max_retries = 0`). Terraform would take over someone else's grant " +
			"only if they granted the very same triple in that moment, or if the grant already existed and the lost " +
			"answer came from a gateway that never passed the first attempt on; destroying the policy then deletes that grant.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<subject>,<action>,<scope>`, e.g. `client-1234,iam.client.read,/subscriptions/123`; " +
					"also the import id.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"subject": schema.StringAttribute{
				MarkdownDescription: "Subject id that receives the grant: `client-<client_id>` (see " +
					"`aritma_iam_client.subject_id`), `user-<id>` or `group-<id>`. Changing it replaces the policy.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{subjectIDValidator()},
			},
			"action": schema.StringAttribute{
				MarkdownDescription: "Action granted, such as `iam.client.read`, `banking.pis.create` or `owner`: " +
					"dot-separated lower-case segments from the API's catalogue (`aritma_iam_actions`). A plan that " +
					"creates the policy checks the action against that catalogue (read once per provider process), so a typo fails " +
					"the plan rather than the apply. Changing it replaces the policy.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{actionValidator()},
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "Resource scope of the grant: `/` (everything) or `/<type>/<id>` pairs such as " +
					"`/subscriptions/123/resource-groups/my-company`. Segments use `A-Z a-z 0-9 . _ ~ -`, with no empty " +
					"segment and no trailing `/`; at most 512 characters. Changing it replaces the policy.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{policyScopeValidator()},
			},
			"tenant": schema.StringAttribute{
				MarkdownDescription: "Tenant the policy belongs to: the tenant of the provider's credentials.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{Create: true, Read: true, Delete: true},
				"`create`, `read` and `delete` default to `5m`. There is no `update`: changing the policy replaces it."),
		},
	}
}

func (r *iamPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan iamPolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultOperationTimeout)
	resp.Diagnostics.Append(diags...)
	p, diags := policyFromModel(plan.policyModel)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An interrupt must not abandon a create the API has received (see iam.CreateContext).
	interrupt := ctx
	ctx, cancel := iam.CreateContext(withOperation(ctx, "create"), timeout)
	defer cancel()

	id := policyID(p.Subject, p.Action, p.Scope)
	key := "policy " + id
	create := func() (created *iam.Policy, twice bool, err error) {
		end := r.data.created.begin(key)
		defer end()
		// A policy on a client this apply has just created may come before the API knows the client.
		created, err = createAfterClient(ctx, interrupt, &r.data.created, subjectClientID(p.Subject), subjectUnknown,
			func(ctx context.Context) (*iam.Policy, error) { return r.data.client.CreatePolicy(ctx, p) })
		if errors.Is(err, iam.ErrOutcomeUnknown) {
			// The triple is the grant's identity, so reading it says what the lost answer would
			// have (as a 409 to a repeat does): an interrupt stops the repeats of a create
			// that may have been applied for this. Read again for a while as the look-ups of
			// clients and secrets do, for an API that shows a new grant late.
			lookup, cancel := outcomeLookupContext(ctx, interrupt)
			found, ok, _ := findVisible(lookup, interrupt, func(list, _ context.Context) (*iam.Policy, bool) {
				got, lerr := r.data.client.GetPolicy(list, p.Subject, p.Action, p.Scope)
				return got, lerr == nil
			})
			cancel()
			if ok {
				tflog.Debug(ctx, "The policy create's answer was lost; the grant exists", map[string]any{"policy_id": id})
				created, err = found, nil
			}
		}
		// CreatePolicy counts a 409 on a repeated create as its own success; if another resource
		// of this run made the grant, the success is that resource's: a second declaration.
		twice = err == nil && r.data.created.has(key)
		if err == nil && !twice {
			r.data.created.add(key)
		}
		return created, twice, err
	}
	created, twice, err := create()
	if errors.Is(err, iam.ErrConflict) && !r.declaredTwice(ctx, key) && r.data.deletes.await(ctx, id, renamedPolicyGrace) {
		// The grant was another resource instance's, which this apply has just deleted (a renamed
		// for_each key or address): now it can be made again.
		created, twice, err = create()
	} else if err == nil && !twice && r.data.deletes.busy(id) && r.data.deletes.await(ctx, id, 0) {
		// This apply was deleting the same grant (a rename) while it was created: the success may
		// be CreatePolicy's reading of a 409 after a repeated attempt, answered by the grant the
		// delete then took away. Grant it again; a 409 now is the grant this create made.
		again, err2 := r.data.client.CreatePolicy(ctx, p)
		switch {
		case err2 == nil:
			created = again
		case !errors.Is(err2, iam.ErrConflict):
			err = err2
		}
	}
	if err == nil && !twice {
		// After any delete of this apply of the same grant (a rename) has dropped its key.
		r.data.fresh.add(key)
	}
	switch {
	case twice:
		resp.Diagnostics.AddError("IAM Policy Declared Twice", declaredTwiceDetail(id))
		return
	case errors.Is(err, iam.ErrConflict) && r.declaredTwice(ctx, key):
		resp.Diagnostics.AddError("IAM Policy Declared Twice", declaredTwiceDetail(id)+"\n\n"+apiErrorDetail(err))
		return
	case errors.Is(err, iam.ErrConflict):
		resp.Diagnostics.AddError("IAM Policy Already Exists",
			fmt.Sprintf("The policy %q already exists in Aritma IAM, so Terraform did not create it. Terraform does not "+
				"take over a grant it did not make. To manage it with this configuration, import it, replacing <name> "+
				"with this resource's name:\n\n  terraform import aritma_iam_policy.<name> '%s'\n\n"+
				"or remove this resource from the configuration. "+importAddressNote("aritma_iam_policy")+"\n\n"+
				"If this apply also destroys a policy with the same subject, action and scope (a rename without a moved "+
				"block), apply again once it has finished. If it replaces policies with create_before_destroy so that "+
				"their grants move from one to another (for_each keys swapping actions, say), every new grant is created "+
				"while another policy still holds it, and applying again ends here again: apply that change without "+
				"create_before_destroy. A policy's subject, action and scope are its identity, "+
				"so terraform apply -replace (or tofu apply -replace) of a policy with create_before_destroy (or a tainted one, "+
				"or one whose replace_triggered_by fired) always ends here: apply without -replace (terraform untaint, or "+
				"tofu untaint, a tainted one; "+
				"take create_before_destroy off a policy with replace_triggered_by).\n\n%s", id, id, apiErrorDetail(err)))
		return
	case errors.Is(err, iam.ErrOutcomeUnknown):
		// CreatePolicy already retries and resolves a 409 after a retry, so this is rare.
		resp.Diagnostics.AddError("IAM Policy May Have Been Created",
			joinHints(fmt.Sprintf("The request to create policy %q was sent, but its response was lost or did not say "+
				"whether it was created, so the policy may or may "+
				"not exist now.\n\n%s\n\nIf it exists, import it, replacing <name> with this resource's name:\n\n"+
				"  terraform import aritma_iam_policy.<name> '%s'\n\notherwise apply again. "+importAddressNote("aritma_iam_policy"), id, apiErrorDetail(err), id),
				resourceTimeoutHint(ctx, err)))
		return
	case err != nil:
		resp.Diagnostics.AddError("Unable to Create IAM Policy", apiErrorText(fmt.Sprintf("Creating policy %q", id), err,
			unknownSubjectHint(err), interruptedCreateHint(err), resourceTimeoutHint(ctx, err)))
		return
	}
	tflog.Debug(ctx, "Created IAM policy", map[string]any{"policy_id": id})

	if stored := (iam.Policy{Subject: created.Subject, Action: created.Action, Scope: created.Scope}); stored.Subject != "" &&
		stored.Action != "" && stored.Scope != "" && (stored.Subject != p.Subject || stored.Action != p.Action || stored.Scope != p.Scope) {
		// The triple is the grant's identity: stored otherwise (normalised, say), the grant could
		// never be read, deleted or imported by the configured values, and would be reported
		// as deleted outside Terraform and then as already existing, for ever. Take it back and
		// say how to write it, when the API shows that is what happened.
		if r.undoNormalisedCreate(ctx, id, p, stored, resp) {
			return
		}
	}

	// The create response is the source of truth: reading back right away could miss the
	// policy on an eventually consistent API.
	state := iamPolicyResourceModel{policyModel: policyModelFromAPI(created), Timeouts: plan.Timeouts}
	// The answer matches the plan where it names the triple (see above); where it leaves a part
	// out, the plan says it. The tenant comes from the API.
	state.Subject, state.Action, state.Scope, state.ID = plan.Subject, plan.Action, plan.Scope, types.StringValue(id)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(markCreated(ctx, resp.Private)...)
	resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
}

// undoNormalisedCreate handles a create answer that names another triple than the one sent. Only
// when the grant cannot be found by the sent triple but can by the answer's was it stored
// otherwise: then it deletes that grant (this create made it: an existing one is a 409) and fails
// with the triple to write, and reports true. An answer that only spells the triple otherwise, or
// a grant not visible yet either way, is left alone (false): the state keeps what was planned.
func (r *iamPolicyResource) undoNormalisedCreate(ctx context.Context, id string, sent, stored iam.Policy, resp *resource.CreateResponse) bool {
	if _, err := r.data.client.GetPolicy(ctx, sent.Subject, sent.Action, sent.Scope); !iam.IsNotFound(err) {
		return false
	}
	if _, err := r.data.client.GetPolicy(ctx, stored.Subject, stored.Action, stored.Scope); err != nil {
		tflog.Warn(ctx, "The API answered a policy create with another triple, and the grant is not visible by either yet",
			map[string]any{"policy_id": id, "answer": policyID(stored.Subject, stored.Action, stored.Scope)})
		return false
	}
	storedID := policyID(stored.Subject, stored.Action, stored.Scope)
	detail := fmt.Sprintf("The API stored the grant %q as %q: it changed the subject, action or scope it was sent. Terraform "+
		"finds a policy by those three values, so it could not manage this grant as configured. Write the policy as the API "+
		"stores it:\n\n  subject = %q\n  action  = %q\n  scope   = %q\n\n", id, storedID, stored.Subject, stored.Action, stored.Scope)
	if err := r.data.client.DeletePolicy(ctx, stored.Subject, stored.Action, stored.Scope); err != nil && !iam.IsNotFound(err) {
		resp.Diagnostics.AddError("IAM Policy Stored Differently",
			detail+fmt.Sprintf("Deleting the grant again failed, so it exists: after changing the configuration, import it:\n\n"+
				"  terraform import aritma_iam_policy.<name> '%s'\n\n%s\n\n%s", storedID, importAddressNote("aritma_iam_policy"), apiErrorDetail(err)))
		return true
	}
	resp.Diagnostics.AddError("IAM Policy Stored Differently", detail+"The grant was deleted again, so nothing was left behind; the "+
		"next apply creates it as written.")
	return true
}

func (r *iamPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state iamPolicyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p, diags := policyFromModel(state.policyModel)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := withTimeout(ctx, "read", state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	id := policyID(p.Subject, p.Action, p.Scope)
	got, err := readAfterCreate(ctx, req.Private, func(ctx context.Context) (*iam.Policy, error) {
		return r.data.client.GetPolicy(ctx, p.Subject, p.Action, p.Scope)
	})
	err = r.data.confirmNotFound(ctx, err)
	if iam.IsNotFound(err) {
		r.data.removeVanished(ctx, resp, "IAM Policy Not Found", fmt.Sprintf("IAM policy %q", id), "it, or its subject,")
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read IAM Policy", apiErrorText(fmt.Sprintf("Reading policy %q", id), err, resourceTimeoutHint(ctx, err)))
		return
	}

	state.policyModel = policyModelFromAPI(got)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(clearCreated(ctx, resp.Private)...)
	resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
}

// Update only ever sees a changed timeouts block: every other argument forces replacement, so
// there is nothing to send to the API.
func (r *iamPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state iamPolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.Timeouts = plan.Timeouts
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *iamPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state iamPolicyResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p, diags := policyFromModel(state.policyModel)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := withTimeout(ctx, "delete", state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	// A policy that is already gone (deleted by hand, or with its client) is what Delete wants.
	end := r.data.deletes.begin(policyID(p.Subject, p.Action, p.Scope))
	err := r.data.confirmNotFound(ctx, r.data.client.DeletePolicy(ctx, p.Subject, p.Action, p.Scope))
	if err == nil || iam.IsNotFound(err) {
		// Before end: a create of the same grant waiting for this delete (a rename) then adds the
		// key of its own grant, which this must not take away.
		r.data.fresh.drop("policy " + policyID(p.Subject, p.Action, p.Scope))
	}
	end(err == nil || iam.IsNotFound(err))
	if err != nil && !iam.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Delete IAM Policy", apiErrorText(
			fmt.Sprintf("Deleting policy %q", policyID(p.Subject, p.Action, p.Scope)), err,
			resourceTimeoutHint(ctx, err), "The policy is kept in the state; apply or destroy again once the cause is fixed."))
	}
}

// ImportState splits "<subject>,<action>,<scope>" and checks the parts with the schema's own rules,
// so a malformed id fails here, not as a confusing API error; Read then finds the policy.
func (r *iamPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	subject, action, scope, err := parsePolicyID(req.ID)
	if err == nil {
		err = checkPolicyTriple(subject, action, scope)
	}
	if err != nil {
		resp.Diagnostics.AddError("Invalid Import ID",
			"Unable to import aritma_iam_policy: "+err.Error()+".\n\n"+
				"Use: terraform import aritma_iam_policy.<name> '<subject>,<action>,<scope>'")
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), policyID(subject, action, scope))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("subject"), subject)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("action"), action)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("scope"), scope)...)
	markImported(ctx, resp)
}

// declaredTwiceDetail says that two resources of the configuration declare the policy id.
// renamedPolicyGrace is how long a create answered 409 waits for a delete of the same policy by
// this apply to start (see deletesHere): Terraform hands over the two operations of a rename at
// about the same time, in either order.
const renamedPolicyGrace = 5 * time.Second

func declaredTwiceDetail(id string) string {
	return fmt.Sprintf("Another resource in this configuration has just created the policy %q: two resources "+
		"declare the same subject, action and scope, and one grant cannot be managed by both. Remove one of them.", id)
}

// declaredTwice reports whether this provider process created the policy behind key in this run,
// which makes a 409 for it a second declaration of the same grant rather than one made outside
// Terraform. It first waits for creates of the same policy still in flight (the two resources
// are created in parallel), at most a few seconds.
func (r *iamPolicyResource) declaredTwice(ctx context.Context, key string) bool {
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r.data.created.settle(wait, key)
	return r.data.created.has(key)
}

// ModifyPlan checks a new or changed action against the API's catalogue, so a typo fails the plan
// instead of the apply, after the client and secret the policy was meant for were made.
func (r *iamPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil {
		return
	}
	// Both changes are read before either check runs: plannedChange reports no change once the
	// diagnostics it is given hold an error, and the action check may add one.
	action, priorAction, actionChanged := plannedChange[types.String](ctx, req, path.Root("action"), &resp.Diagnostics)
	subject, priorSubject, subjectChanged := plannedChange[types.String](ctx, req, path.Root("subject"), &resp.Diagnostics)
	if actionChanged && !action.IsNull() && !action.IsUnknown() && !action.Equal(priorAction) {
		r.data.checkActionInCatalogue(ctx, action.ValueString(), &resp.Diagnostics)
	}
	if subjectChanged && !subject.IsNull() && !subject.IsUnknown() && !subject.Equal(priorSubject) {
		r.checkSubjectNotDoubled(ctx, subject.ValueString(), &resp.Diagnostics)
	}
	if actionChanged && !req.State.Raw.IsNull() {
		r.warnRing(ctx, req, resp)
	}
	if r.data.selfClientID != "" && !req.State.Raw.IsNull() && !req.Plan.Raw.Equal(req.State.Raw) {
		r.warnSelfGrant(ctx, req, &resp.Diagnostics)
	}
}

// warnSelfGrant warns of a plan that deletes or replaces a grant giving the client the provider
// signs in as IAM access on "/" (the scope IAM checks, CONTRACT.md §1). A replacement too, and
// whatever replaces it: Terraform deletes the old grant first unless create_before_destroy is set,
// which the provider cannot see, and then the create is refused. Unless another grant gives the
// same, the calls after the delete are refused, in this apply and in every later run, a destroy
// included. A warning, not an error: the configuration may be handed over. (-replace and taint
// cannot be warned of: Terraform shows only the errors of the plan of the new object.)
func (r *iamPolicyResource) warnSelfGrant(ctx context.Context, req resource.ModifyPlanRequest, diags *diag.Diagnostics) {
	var state iamPolicyResourceModel
	diags.Append(req.State.Get(ctx, &state)...)
	if diags.HasError() || state.Subject.ValueString() != clientSubjectID(r.data.selfClientID) || state.Scope.ValueString() != "/" {
		return
	}
	verb := "deletes"
	if !req.Plan.Raw.IsNull() {
		var plan iamPolicyResourceModel
		diags.Append(req.Plan.Get(ctx, &plan)...)
		unknown := plan.Subject.IsUnknown() || plan.Action.IsUnknown() || plan.Scope.IsUnknown()
		if diags.HasError() || !unknown && plan.Action.Equal(state.Action) && plan.Subject.Equal(state.Subject) && plan.Scope.Equal(state.Scope) {
			return
		}
		verb = "replaces"
		if unknown {
			verb = "may replace (its subject, action or scope is not known until apply)"
		}
	}
	if !r.grantsIAM(ctx, state.Action.ValueString()) {
		return
	}
	diags.AddWarning("Plan Removes the Provider's Own Grant",
		fmt.Sprintf("This plan %s policy %q, which grants %q on \"/\" to the client the provider signs in as, the IAM "+
			"access the provider works with. A replacement deletes the grant before it creates the new one unless "+
			"create_before_destroy is set, and then the create is refused. Unless another grant gives that client the "+
			"same (directly or through a group), the calls after the delete are refused with 403, in this apply and in "+
			"every later run of this configuration, its destroy included. Keep the grant, or sign the provider in as "+
			"another client first.",
			verb, policyID(state.Subject.ValueString(), state.Action.ValueString(), state.Scope.ValueString()), state.Action.ValueString()))
}

// grantsIAM reports whether action grants an IAM action (iam.*): it is one, or an ancestor of one
// in the catalogue. Without a catalogue, by the contract's: owner, iam.manage and iam.*.
func (r *iamPolicyResource) grantsIAM(ctx context.Context, action string) bool {
	if strings.HasPrefix(action, "iam.") {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	catalogue, err := r.data.actions.get(ctx, r.data.client.ListActions, false)
	if err != nil || len(catalogue) == 0 {
		return action == "owner"
	}
	return slices.ContainsFunc(catalogue, func(a iam.Action) bool {
		return strings.HasPrefix(a.Name, "iam.") && slices.Contains(actionAncestry(catalogue, a.Name), action)
	})
}

// warnRing warns about a replacement that closes a ring of grants moving between policies (see
// policyHandovers) while the plan can still be changed: applied with create_before_destroy, which
// the provider cannot see, it fails every time, each create refused with "IAM Policy Already
// Exists"; without, each old grant is deleted first and the apply goes through.
func (r *iamPolicyResource) warnRing(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var plan, state iamPolicyResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, v := range []types.String{plan.Subject, plan.Action, plan.Scope} {
		if v.IsUnknown() {
			return
		}
	}
	from := policyID(state.Subject.ValueString(), state.Action.ValueString(), state.Scope.ValueString())
	to := policyID(plan.Subject.ValueString(), plan.Action.ValueString(), plan.Scope.ValueString())
	if from == to {
		return
	}
	ring := r.data.handovers.replace(from, to)
	if ring == nil {
		return
	}
	resp.Diagnostics.AddWarning("IAM Policies Swap Grants",
		fmt.Sprintf("This plan replaces policies so that their grants move from one to the next around a ring: %s. "+
			"A grant's subject, action and scope are its identity, so two policies never hold the same one at once. "+
			"Without create_before_destroy the apply deletes each old grant before it creates the new one, and goes "+
			"through. With lifecycle { create_before_destroy = true } on these policies, it would create every new "+
			"grant while another policy still holds it, and fail with \"IAM Policy Already Exists\" on every apply: "+
			"apply this change without create_before_destroy.", "'"+strings.Join(ring, "' → '")+"'"))
}

// checkSubjectNotDoubled catches, at plan time instead of at apply, a client's subject id made
// from its subject id rather than its client id (client_subject_id(aritma_iam_client.x.subject_id)
// gives client-client-<id>). Client ids are opaque, so the subject is refused only when no client
// has the id client-<id> and client <id> exists; only subjects of that form cost the reads.
func (r *iamPolicyResource) checkSubjectNotDoubled(ctx context.Context, subject string, diags *diag.Diagnostics) {
	inner := subjectClientID(subject)
	if !strings.HasPrefix(inner, clientSubjectPrefix) {
		return
	}
	clientID, ok := r.data.subjectIDOfClient(ctx, inner)
	if !ok {
		return
	}
	diags.AddAttributeError(path.Root("subject"), "Invalid Subject",
		fmt.Sprintf("subject %q names client %q, and no IAM client has that id; client %q exists, and its subject id is %q. "+
			"The subject was made from a client's subject id instead of its client id: use aritma_iam_client.<name>.subject_id, "+
			"or provider::aritma::client_subject_id with the client id (aritma_iam_client.<name>.client_id).",
			subject, inner, clientID, clientSubjectID(clientID)))
}

// unknownSubjectHint says what to do when the API does not know the policy's subject. A client
// this provider process made was waited for already (createAfterClient); one made elsewhere moments
// ago may only need a moment more.
func unknownSubjectHint(err error) string {
	if !subjectUnknown(err) {
		return ""
	}
	if hint := clientLagHint(err); hint != "" {
		return hint
	}
	return "Check the subject: a client's is aritma_iam_client.<name>.subject_id, a user's or group's comes from the " +
		"aritma_iam_subject data source. A subject created moments ago may not be known to the API yet, where this " +
		"provider configuration did not create it (outside this apply, or through another provider configuration, such " +
		"as an alias, which it does not wait for): then apply again in a moment."
}

// subjectUnknown reports whether err is the API refusing a policy because its subject does not
// exist: a 400 with a field error on subject.
func subjectUnknown(err error) bool {
	return errors.Is(err, iam.ErrValidation) && iam.HasFieldError(err, "subject")
}
