package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ resource.Resource                     = &iamClientSecretResource{}
	_ resource.ResourceWithConfigure        = &iamClientSecretResource{}
	_ resource.ResourceWithImportState      = &iamClientSecretResource{}
	_ resource.ResourceWithModifyPlan       = &iamClientSecretResource{}
	_ resource.ResourceWithConfigValidators = &iamClientSecretResource{}
	_ resource.ConfigValidator              = clientSecretValueSourceValidator{}
	_ resource.ConfigValidator              = renewBeforeNeedsExpiration{}
	_ planmodifier.String                   = secretValuePlanModifier{}
)

// NewIAMClientSecretResource is the constructor of aritma_iam_client_secret.
func NewIAMClientSecretResource() resource.Resource {
	return &iamClientSecretResource{resourceBase: newResourceBase("_iam_client_secret"), now: time.Now}
}

type iamClientSecretResource struct {
	resourceBase
	now func() time.Time // the clock of expiry checks, replaced in tests
}

func (r *iamClientSecretResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A secret of an Aritma IAM OAuth client, used with its `client_id` for the " +
			"`client_credentials` grant. A client can hold up to 20 secrets at once, which is what makes " +
			"rotation without downtime possible (see the *Rotating client secrets without downtime* guide).\n\n" +
			"The API returns a secret's value only once, when it is created, and has no way to change a secret: " +
			"a change of any argument replaces the secret, except `renew_before`, `timeouts`, an `expiration` " +
			"rewritten as the same instant, a `description` or `expiration` changed to what the API already holds " +
			"for the secret, and a `rotate_when_changed` that only records keepers (set for the " +
			"first time on an imported secret, or to `{}` from null). Supply the value in exactly " +
			"one of three ways:\n\n" +
			"- **`value_wo` + `value_wo_version` (recommended, Terraform or OpenTofu 1.11 or later):** a write-only value that " +
			"never appears in the plan or the state, for example from an ephemeral `random_password`, written on to " +
			"a secret store's write-only argument. Terraform cannot see a write-only value change, so bump " +
			"`value_wo_version` to replace the secret with a new `value_wo`.\n\n" +
			"- **`value`:** a value you choose, held in the state as a sensitive value (the API can never return it, " +
			"so the state is the only place it can be kept).\n\n" +
			"- **neither:** the provider generates a strong value (32 characters from `crypto/rand`) and holds it in " +
			"the sensitive `value` attribute, so the module can pass it on.\n\n" +
			"Protect the state when you use `value` or a generated value: anyone who can read it can read the secret.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the secret in Terraform: `<client_id>/<secret_id>`, which is also the import id.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "Id of the client the secret belongs to, for example `aritma_iam_client.example.client_id`. " +
					"Changing it replaces the secret.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{clientIDValidator()},
			},
			"secret_id": schema.StringAttribute{
				MarkdownDescription: "Id of the secret, assigned by the API.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the secret is for, at most 200 characters. Defaults to `\"\"`. " +
					"Changing it replaces the secret. Where the API stores it otherwise than sent (trimmed, say), " +
					"the state keeps the configured value, with a warning, and writing it as the API holds it is an " +
					"update of the state only.",
				Optional: true,
				Computed: true,
				Default:  stringdefault.StaticString(""),
				PlanModifiers: []planmodifier.String{replacesWhenChanged("description",
					"Replaces the secret when the description changes, unless to the one the API holds.")},
				Validators: []validator.String{stringCheck{
					summary:     "Invalid Description",
					description: fmt.Sprintf("value must be at most %d characters", maxSecretDescriptionLength),
					check:       checkSecretDescription,
				}},
			},
			"expiration": schema.StringAttribute{
				MarkdownDescription: "When the secret stops working, as an RFC 3339 timestamp with a time zone, " +
					"such as `2030-01-01T00:00:00Z`; it must be in the future when the secret is created. Omit it for a " +
					"secret that never expires. Changing it to another instant replaces the secret; writing the same " +
					"instant differently (another time zone offset) is an in-place update of the state only, without an " +
					"API call. Instants are compared to the second, as APIs cut or round fractions: one less than a " +
					"second away from the instant the API holds (not from how the state writes it) is the same instant, " +
					"and the state holds an expiration it reads at whole seconds. The latest is 9999-12-31T23:59:59Z in UTC. Where the API stores another expiration than sent (cut to a maximum lifetime, say), the " +
					"state keeps the configured one, with a warning; `renew_before` goes by the API's. An expired secret stays listed " +
					"(Terraform warns about it) until it is deleted; see `renew_before`. A replacement by `-replace` or taint " +
					"of a secret whose configured expiration has passed cannot be warned of (Terraform shows only errors of the " +
					"plan of the new object): its create fails at apply, after the old secret is deleted unless " +
					"`create_before_destroy` is set. Move the expiration on instead, which replaces the secret.",
				Optional: true,
				PlanModifiers: []planmodifier.String{replacesWhenChanged("expiration",
					"Replaces the secret when the expiration changes to another instant, unless to the one the API holds.")},
				Validators: []validator.String{stringCheck{
					summary:     "Invalid Expiration",
					description: "value must be an RFC 3339 timestamp with a time zone",
					check:       checkExpiration,
				}},
			},
			"created": schema.StringAttribute{
				MarkdownDescription: "When the secret was created, RFC 3339 in UTC; null until the next refresh when the API's create answer " +
					"leaves it out.",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"value": schema.StringAttribute{
				MarkdownDescription: "The secret's value, 8 to 32 characters, **held in the state**. Set it to choose the " +
					"value yourself; leave both `value` and `value_wo` unset to have the provider generate one and store it " +
					"here. Conflicts with `value_wo`, which is the recommended way because it keeps the value out of the " +
					"state. Changing it replaces the secret, and so does removing it: the new secret gets a generated value. Null for a secret created with `value_wo` and for an imported " +
					"secret, since the API never returns a value.",
				Optional:  true,
				Computed:  true,
				Sensitive: true,
				PlanModifiers: []planmodifier.String{
					secretValuePlanModifier{},
					stringplanmodifier.RequiresReplace(),
				},
				Validators: []validator.String{secretValueLengthValidator("value")},
			},
			"value_wo": schema.StringAttribute{
				MarkdownDescription: "The secret's value, 8 to 32 characters, **write-only**: it is sent to the API when " +
					"the secret is created and never stored in the plan or the state. Requires Terraform 1.11 or later (or " +
					"OpenTofu 1.11 or later) and " +
					"`value_wo_version`. Conflicts with `value`. Because Terraform cannot compare a write-only value, " +
					"changing it alone does nothing; bump `value_wo_version` to replace the secret with the new value.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{secretValueLengthValidator("value_wo")},
			},
			"value_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Version of `value_wo`, required with it. Change it (for example increment it, or " +
					"use `time_rotating.example.unix`) to replace the secret with the current `value_wo`.",
				Optional:      true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
			},
			"rotate_when_changed": schema.MapAttribute{
				MarkdownDescription: "Arbitrary keepers: any change to this map replaces the secret, adding it to an existing " +
					"secret included (only on an imported secret, whose value Terraform never had, does setting it for " +
					"the first time just record it; and an empty map counts as none), for example " +
					"`{ rotation = time_rotating.example.id }` to rotate on a schedule. Combine it with " +
					"`create_before_destroy` so the new secret exists before the old one is deleted.",
				ElementType: types.StringType,
				Optional:    true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplaceIf(
					func(ctx context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
						// No keepers and an empty map are the same: a module whose keepers variable
						// defaults to {} must not rotate every secret it adopts.
						imported, diags := isImportedSecret(ctx, req.State)
						resp.Diagnostics.Append(diags...)
						resp.RequiresReplace = keepersReplace(req.StateValue, req.PlanValue, imported)
					},
					"Any change replaces the secret, except keepers set for the first time on an imported secret.",
					"Any change replaces the secret, except keepers set for the first time on an imported secret.",
				)},
			},
			"renew_before": schema.StringAttribute{
				MarkdownDescription: "A duration such as `\"720h\"` (30 days). When the secret's `expiration` is " +
					"that close, or has passed, the plan proposes to replace the secret and warns about it, so " +
					"expiry never takes anyone by surprise. Move `expiration` on at the same time (for example derive it " +
					"from a `time_rotating` resource), or the new secret is due for renewal as well; a configured " +
					"`expiration` that has passed cannot be given to a new secret, so then the plan keeps the secret and " +
					"only warns. Changing " +
					"`renew_before` itself updates only the state, unless the new window already reaches the expiration. The time that counts is that of the refresh the plan " +
					"is made from, so the apply agrees with its plan: a plan with `-refresh=false` proposes the renewals " +
					"that were due at the last refresh, and only warns about a window that opened since. It must be known " +
					"at plan time on a secret that has an `expiration`.",
				Optional: true,
				Validators: []validator.String{stringCheck{
					summary:     "Invalid Renewal Window",
					description: "value must be a positive duration such as \"720h\"",
					check:       checkRenewBefore,
				}},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx, timeouts.Opts{Create: true, Read: true, Delete: true},
				"`create`, `read` and `delete` default to `5m`. There is no `update`: an update changes the state only (see `renew_before`, and the arguments that replace the secret)."),
		},
	}
}

// secretValueLengthValidator applies the API's length rule to attr, value or value_wo.
func secretValueLengthValidator(attr string) validator.String {
	return stringCheck{
		summary: "Invalid Secret Value",
		description: fmt.Sprintf("%s must be between %d and %d characters",
			attr, minSecretValueLength, maxSecretValueLength),
		check: func(s string) error { return checkSecretValueLength(attr, s) },
	}
}

func (r *iamClientSecretResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{clientSecretValueSourceValidator{}, renewBeforeNeedsExpiration{}}
}

// ModifyPlan checks what only the plan can check: that a new secret expires in the future, and
// whether an existing one is within renew_before of its expiration and must be replaced.
func (r *iamClientSecretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy: nothing to check
	}
	now := r.now()

	if req.State.Raw.IsNull() {
		// A create, including the create half of a replacement (Terraform plans it with a null
		// prior state). The API would reject a past expiration only at apply time.
		r.checkNotSubjectID(ctx, req.Plan, &resp.Diagnostics)
		var expiration, renew types.String
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("expiration"), &expiration)...)
		resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("renew_before"), &renew)...)
		if expiration.IsNull() || expiration.IsUnknown() {
			return
		}
		if err := checkFutureExpiration(expiration.ValueString(), now); err != nil {
			// A warning, not an error: terraform destroy plans the configuration before it
			// destroys, and a plan error there would keep everything else from being destroyed
			// (an expired secret deleted outside Terraform is planned to be created again). Create
			// refuses it with the same words.
			resp.Diagnostics.AddAttributeWarning(path.Root("expiration"), "IAM Client Secret Expiration Has Passed",
				err.Error()+", so creating this secret will fail. "+laterExpirationAdvice)
			return
		}
		warnDueAtOnce(&resp.Diagnostics, expiration, renew, now, false)
		return
	}

	changed := !req.Plan.Raw.Equal(req.State.Raw)

	// Whether the secret is due is decided by the time it was last read, not by the clock:
	// Terraform plans again at apply, from the same prior state, and a decision that flipped in
	// between (the renew_before window opening after the plan) would fail the apply with
	// "inconsistent final plan".
	wallClock := now
	if req.Private != nil {
		now = renewalClock(ctx, req.Private, now)
	}

	// Every refresh plans every secret: look at renew_before alone before reading whole models,
	// which only a change or a renewal window needs.
	var renew types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("renew_before"), &renew)...)
	if resp.Diagnostics.HasError() || (renew.IsNull() && !changed) {
		return
	}
	var plan, state clientSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	stored, heldAt := storedAs(ctx, req.Private), expirationHeld(ctx, req.Private)
	if changed && replacementCannotBeCreated(plan, state, stored, heldAt, wallClock, &resp.Diagnostics) {
		return
	}
	// Renewal goes by when the secret really expires: what the API holds, where the state records
	// the configured value over it (see appliedSecret).
	held := state.Expiration
	if !held.IsNull() {
		held = stored.held("expiration", state)
	}
	if renew.IsNull() || held.IsNull() {
		return
	}
	if plan.RenewBefore.IsUnknown() {
		// Terraform plans again at apply with the value known, and a renewal decided only then
		// would replace a secret the plan promised to keep ("inconsistent final plan"). A secret
		// replaced anyway has no renewal left to decide.
		if !replacedAnyway(plan, state, stored, heldAt) {
			resp.Diagnostics.AddAttributeError(path.Root("renew_before"), "Unknown renew_before",
				fmt.Sprintf("renew_before of secret %q of client %q is not known until apply, so the plan cannot decide "+
					"whether the secret, which expires at %s, is due for renewal. Give renew_before a value known at plan "+
					"time, or apply what it depends on first (terraform apply -target=<that resource>, or tofu apply with the same flag). "+
					destroyWithoutPlanNote,
					state.SecretID.ValueString(), state.ClientID.ValueString(), held.ValueString()))
		}
		return
	}
	expiration, err := parseExpiration(held.ValueString())
	if err != nil {
		return // an expiration the provider cannot read did not come from the provider; leave it to Read
	}
	renewBefore, err := parseRenewBefore(plan.RenewBefore.ValueString())
	if err != nil {
		return // the schema validator has reported it
	}
	// The new secret would get the configured expiration; when that has passed as well, the
	// replacement could not be created, so it is not planned (without create_before_destroy, the
	// old secret would be deleted before the create failed). A warning, not an error, for the same
	// reason as a create's past expiration: a destroy plans the configuration first. By the wall
	// clock, not the renewal clock: a plan without a refresh (-refresh=false) after the instant has
	// passed must not plan the replacement either, and an instant once passed stays passed, so the
	// apply's plan agrees.
	planned, err := parseExpiration(plan.Expiration.ValueString())
	cannotRenew := !plan.Expiration.IsNull() && !plan.Expiration.IsUnknown() && err == nil && !planned.After(wallClock)
	warnCannotRenew := func() {
		verb := "expires"
		if !expiration.After(wallClock) {
			verb = "expired"
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("expiration"), "IAM Client Secret Cannot Be Renewed",
			fmt.Sprintf("Secret %q of client %q %s at %s, within renew_before (%s), but Terraform does not replace it: "+
				"the new secret would get the configured expiration %s, which has passed, and a secret's expiration must "+
				"be in the future. "+laterExpirationAdvice,
				state.SecretID.ValueString(), state.ClientID.ValueString(), verb, held.ValueString(),
				plan.RenewBefore.ValueString(), plan.Expiration.ValueString()))
	}
	if !dueForRenewal(now, expiration, renewBefore) {
		switch {
		case !dueForRenewal(wallClock, expiration, renewBefore):
		case cannotRenew:
			// A refreshing plan could not renew it either: say what can.
			warnCannotRenew()
		default:
			// The window opened after the last refresh, and a plan without one (-refresh=false)
			// must not decide on it by itself: the apply would plan again at a later time.
			resp.Diagnostics.AddAttributeWarning(path.Root("expiration"), "IAM Client Secret Renewal Not Planned",
				fmt.Sprintf("Secret %q of client %q expires at %s, which is within renew_before (%s) of now (%s), "+
					"but the renewal window opened after the secret was last refreshed (at %s), and renewal is decided "+
					"at a refresh so that an apply agrees with its plan. Run a plan that refreshes (without "+
					"-refresh=false) to replace it.",
					state.SecretID.ValueString(), state.ClientID.ValueString(), held.ValueString(),
					plan.RenewBefore.ValueString(), formatAPITime(wallClock), formatAPITime(now)))
		}
		return
	}
	if cannotRenew {
		warnCannotRenew()
		return
	}

	// Terraform core honours a RequiresReplace path only where the planned value differs from the
	// prior one, and an unchanged expiration does not. The computed ids become unknown (the new
	// secret gets new ones), which both makes the replacement take effect and tells the truth.
	for _, p := range []string{"id", "secret_id", "created"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(p), types.StringUnknown())...)
	}
	resp.RequiresReplace = append(resp.RequiresReplace, path.Root("expiration"), path.Root("secret_id"))

	detail := fmt.Sprintf("Secret %q of client %q expires at %s, which is within renew_before (%s) of now (%s), "+
		"so Terraform plans to replace it with a new secret.",
		state.SecretID.ValueString(), state.ClientID.ValueString(), held.ValueString(),
		plan.RenewBefore.ValueString(), formatAPITime(now))
	switch {
	case !sameExpiration(held, state.Expiration):
		// The API cut the configured expiration short; it will likely cut the new one alike.
		detail += " The API holds an earlier expiration than the configured one (it shortens expirations), and will " +
			"likely shorten the new secret's the same way: with a renew_before longer than the lifetime the API allows, " +
			"every plan replaces the secret. Use a shorter renew_before then."
	case sameExpiration(state.Expiration, plan.Expiration):
		detail += " The configured expiration has not moved, so the new secret will expire at the same time: set a " +
			"later expiration (for example derived from a time_rotating resource), or it will be due for renewal again."
	}
	if !plan.ValueWOVersion.IsNull() {
		// A renewal does not change value_wo_version, which is what write-only consumers of the
		// same value key on: with a value made anew in every run, they would keep the old one.
		detail += " The new secret gets the value_wo of this run. If that value is made anew in every run (an " +
			"ephemeral random_password), change value_wo_version in the same apply, so that the write-only " +
			"arguments that receive it with that version get the new value before the old secret is deleted."
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("expiration"), "IAM Client Secret Due for Renewal", detail)
}

// replacementCannotBeCreated fails the plan of a change that replaces the secret (a new expiration,
// value, version or keeper) when the new secret's expiration has passed: the apply would delete the
// secret first (unless create_before_destroy) and then fail to create the new one. An error, unlike
// a create's past expiration, since it is the configuration that changed: an unchanged
// configuration, as terraform destroy plans it, never gets here.
func replacementCannotBeCreated(plan, state clientSecretModel, stored storedSecret, heldAt *time.Time, now time.Time, diags *diag.Diagnostics) bool {
	if plan.Expiration.IsNull() || plan.Expiration.IsUnknown() || !replacedAnyway(plan, state, stored, heldAt) {
		return false
	}
	if err := checkFutureExpiration(plan.Expiration.ValueString(), now); err != nil {
		diags.AddAttributeError(path.Root("expiration"), "Invalid Expiration",
			fmt.Sprintf("%s, so this change, which replaces secret %q of client %q, would fail to create the new one, "+
				"after deleting this one unless create_before_destroy is set. %s %s", err, state.SecretID.ValueString(), state.ClientID.ValueString(),
				laterExpirationAdvice, destroyWithoutPlanNote))
		return true
	}
	// The create of the new secret is planned once more at apply, and Terraform shows that plan's
	// warnings only then: say it here, where the plan is read.
	warnDueAtOnce(diags, plan.Expiration, plan.RenewBefore, now, false)
	// The check above holds for now; a saved plan applied later, or a slow approval, may come after
	// the instant, and without create_before_destroy the apply deletes the secret before its create
	// fails. Nothing between plan and delete can stop that, so say it while there is time.
	if planned, err := parseExpiration(plan.Expiration.ValueString()); err == nil && planned.Sub(now) < expiresSoon {
		diags.AddAttributeWarning(path.Root("expiration"), "New IAM Client Secret Expires Soon",
			fmt.Sprintf("The new secret expires at %s, %s from now. An apply of this plan after that instant deletes "+
				"secret %q of client %q (unless create_before_destroy is set, which creates the new secret first) "+
				"and then fails to create the new one. Apply before then, set create_before_destroy, or set a later "+
				"expiration.", plan.Expiration.ValueString(), planned.Sub(now).Round(time.Second),
				state.SecretID.ValueString(), state.ClientID.ValueString()))
	}
	return false
}

// expiresSoon is how close a replacement's new expiration must be for its plan to warn that a
// late apply would lose the secret.
const expiresSoon = time.Hour

// destroyWithoutPlanNote ends the plan errors an unchanged configuration can meet: terraform destroy
// plans the configuration first (when it refreshes) and stops on them.
const destroyWithoutPlanNote = "(To destroy the configuration regardless, destroy it without a refresh, which does " +
	"not plan it first: terraform destroy -refresh=false, or tofu destroy -refresh=false with OpenTofu.)"

// laterExpirationAdvice ends the diagnostics of a configured expiration that has passed.
const laterExpirationAdvice = "Set a later expiration (for example derived from a time_rotating resource), or remove " +
	"expiration for a secret that does not expire."

// isImportedSecret reports whether state is of a secret brought in by import: Terraform has
// neither its value nor a write-only version of it.
func isImportedSecret(ctx context.Context, state tfsdk.State) (bool, diag.Diagnostics) {
	var value types.String
	var version types.Int64
	diags := state.GetAttribute(ctx, path.Root("value"), &value)
	diags.Append(state.GetAttribute(ctx, path.Root("value_wo_version"), &version)...)
	return value.IsNull() && version.IsNull(), diags
}

// warnDueAtOnce warns when a secret about to be created (or just created) would already be within
// renew_before of its expiration: every plan after the apply would propose to replace it again.
// shortened says the expiration is one the API cut short of the configured one, which a later
// configured expiration cannot move: only a shorter renew_before helps then.
func warnDueAtOnce(diags *diag.Diagnostics, expiration, renew types.String, now time.Time, shortened bool) {
	if renew.IsNull() || renew.IsUnknown() {
		return
	}
	exp, err := parseExpiration(expiration.ValueString())
	if err != nil {
		return
	}
	renewBefore, err := parseRenewBefore(renew.ValueString())
	if err != nil || !dueForRenewal(now, exp, renewBefore) {
		return
	}
	detail := fmt.Sprintf("The new secret expires at %s, which is within renew_before (%s) of now (%s), so every plan "+
		"after this apply will propose to replace it again. Set an expiration later than %s (for example "+
		"derived from a time_rotating resource), or a shorter renew_before.",
		expiration.ValueString(), renew.ValueString(), formatAPITime(now), formatAPITime(now.Add(renewBefore)))
	if shortened {
		detail = fmt.Sprintf("The API shortened the new secret's expiration to %s, which is within renew_before (%s) of now, "+
			"so every plan after this apply will propose to replace it again, and the API will shorten the next "+
			"one alike. Use a renew_before shorter than the lifetime the API allows (%s here).",
			expiration.ValueString(), renew.ValueString(), exp.Sub(now).Round(time.Minute))
	}
	diags.AddAttributeWarning(path.Root("expiration"), "New IAM Client Secret Due for Renewal at Once", detail)
}

func (r *iamClientSecretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config clientSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	// A write-only value is only ever in the configuration: the framework nulls it in the plan.
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultOperationTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An interrupt must not abandon a create the API has received (see iam.CreateContext).
	interrupt := ctx
	ctx, cancel := iam.CreateContext(withOperation(ctx, "create"), timeout)
	defer cancel()

	clientID := plan.ClientID.ValueString()
	var value string
	mode := "generated"
	switch {
	case !config.ValueWO.IsNull():
		value, mode = config.ValueWO.ValueString(), "write-only"
		plan.Value = types.StringNull()
	case !plan.Value.IsNull() && !plan.Value.IsUnknown():
		value, mode = plan.Value.ValueString(), valueSourceConfigured
	default:
		v, err := generateSecretValue()
		if err != nil {
			resp.Diagnostics.AddError("Unable to Generate IAM Client Secret Value",
				"Reading the operating system's random source failed: "+err.Error())
			return
		}
		value = v
		plan.Value = types.StringValue(v)
	}
	// From here on, no log line written with ctx (the iam client's included) can show the value.
	ctx = maskSecrets(ctx, value)

	apiReq, err := secretRequestFromModel(plan, value)
	if err == nil && !plan.Expiration.IsNull() {
		// The plan only warned (see ModifyPlan); the API would refuse it in other words.
		if err = checkFutureExpiration(plan.Expiration.ValueString(), r.now()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("expiration"), "Invalid Expiration", err.Error()+". "+laterExpirationAdvice)
			return
		}
	}
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("expiration"), "Invalid Expiration", err.Error()+".")
		return
	}
	tflog.Debug(ctx, "Creating IAM client secret", map[string]any{"client_id": clientID, "value_source": mode})
	started := time.Now()
	end := r.data.created.begin(secretLookupKey(clientID, apiReq.Description))
	secret, err := createAfterClient(ctx, interrupt, &r.data.created, clientID, iam.IsNotFound, func(ctx context.Context) (*iam.ClientSecret, error) {
		return r.data.client.CreateClientSecret(ctx, clientID, apiReq)
	})
	switch {
	case err == nil:
		r.data.created.add("secret " + clientSecretID(clientID, secret.ClientSecretID))
		r.data.fresh.add("secret " + clientSecretID(clientID, secret.ClientSecretID))
	case errors.Is(err, iam.ErrOutcomeUnknown):
		r.data.created.loseAnswer(secretLookupKey(clientID, apiReq.Description))
	}
	end()
	if err != nil {
		if errors.Is(err, iam.ErrOutcomeUnknown) {
			resp.Diagnostics.AddError("IAM Client Secret May Have Been Created",
				joinHints(r.outcomeUnknownDetail(ctx, interrupt, clientID, plan.Description.ValueString(), value, mode, started, err),
					resourceTimeoutHint(ctx, err)))
			return
		}
		// A 404 says the client is gone only when it came from the API, not from an endpoint
		// that lacks its base path.
		err = r.data.confirmNotFound(ctx, err)
		resp.Diagnostics.AddError("Unable to Create IAM Client Secret",
			apiErrorText(fmt.Sprintf("Creating a secret for client %q", redact(clientID, value)), redactedError{err, value},
				createSecretHint(err, redact(clientID, value)), interruptedCreateHint(err), resourceTimeoutHint(ctx, err)))
		return
	}

	var stored storedSecret
	plan, stored = appliedSecret(plan, secret)
	plan.ValueWO = types.StringNull()
	tflog.Debug(ctx, "Created IAM client secret", map[string]any{"client_id": clientID, "secret_id": secret.ClientSecretID})
	if stored != nil {
		resp.Diagnostics.AddWarning("IAM Client Secret Stored Differently",
			fmt.Sprintf("The API created secret %q of client %q, but holds its %s. The state records the configured "+
				"values, so that Terraform does not replace the secret on every apply for a difference the API makes "+
				"itself; writing them as the API holds them is an update of the state only. renew_before goes by the "+
				"expiration the API holds where one is configured (it does nothing without), and the expiry warning "+
				"of a refresh by the API's. A later change of these on the API's side shows as a difference in the plan.",
				secret.ClientSecretID, clientID, stored.describe()))
		// Due at once by the expiration the API holds: a later configured expiration would be cut
		// short again, so only a shorter renew_before helps.
		if held := stored.held("expiration", plan); !plan.Expiration.IsNull() && !sameExpiration(held, plan.Expiration) {
			warnDueAtOnce(&resp.Diagnostics, held, plan.RenewBefore, r.now(), true)
		}
	}

	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	// No read-back: the create response is the source of truth, and the mark lets the next Read
	// wait out an eventually consistent list instead of dropping the new secret as deleted.
	resp.Diagnostics.Append(markCreated(ctx, resp.Private)...)
	resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
	resp.Diagnostics.Append(setRenewalClock(ctx, resp.Private, r.now())...)
	resp.Diagnostics.Append(setPrivateString(ctx, resp.Private, privateKeyValueSource, mode)...)
	resp.Diagnostics.Append(setStoredAs(ctx, resp.Private, stored)...)
	resp.Diagnostics.Append(setExpirationHeld(ctx, resp.Private, secret.Expiration)...)
}

// lostCreateClockMargin is how much earlier than the request, by the server's clock, a secret may
// have been created and still be listed as possibly the lost create's.
const lostCreateClockMargin = 3 * time.Second

// secretLookupKey is what a lost secret create is looked for by (see createdHere).
func secretLookupKey(clientID, description string) string {
	return "secret of " + clientID + " described " + description
}

// secretLookupFound is what one listing of a lost secret create's look-up found: the client's
// secrets of the description, made since shortly before the create, and those of them that other
// resources of this run created.
type secretLookupFound struct {
	lookupListing
	candidates []iam.ClientSecret
	siblings   []string
}

func (f *secretLookupFound) foundSome() bool { return len(f.candidates) > 0 }

// outcomeUnknownDetail explains a create whose answer was lost: the secret may exist, here is how
// to find it and import it. It lists the client's secrets with the planned description created
// since shortly before the request (allowing for clock skew), newest first.
func (r *iamClientSecretResource) outcomeUnknownDetail(ctx, interrupt context.Context, clientID, description, value, mode string, started time.Time, cause error) string {
	var b strings.Builder
	// What the diagnostic shows of the user's input, without the value: a value that equals a word
	// of the text around it would garble the text, and give the value away.
	shownClient, shownDescription := redact(clientID, value), redact(description, value)
	fmt.Fprintf(&b, "The request to create a secret for client %q reached the API, but its answer was lost or "+
		"did not say whether it was created: %s\n\n"+
		"The secret may exist even though Terraform has no record of it, and applying again would create another one "+
		"next to it. ", shownClient, redact(cause.Error(), value))

	// A secret made before the request went out is not its answer: another resource's, or the
	// very secret that a create_before_destroy replacement of this one replaces, which deleted as
	// "the stray" would leave the client without its working secret. "Before" by the server's
	// clock, as its answers' Date headers tell it, which assumes the clock that stamps a secret's
	// created agrees with them to within a few seconds (servers behind one address, kept in time).
	// Without a Date header, two minutes back by this machine's clock, for clock skew.
	// (The create's own answer may be a gateway's, whose clock is not the API's: the look-up's
	// listings tell it, so it is asked after each.)
	sinceStart := func() time.Time {
		if t, ok := r.data.client.ServerTime(started); ok {
			return t.Add(-lostCreateClockMargin)
		}
		return started.Add(-2 * time.Minute)
	}
	// surelyAfterStart: made after the request went out by the server's clock, margin aside. Only
	// such secrets can end the look-up early: one made in the margin may be an earlier run's stray
	// (a lost create applied again at once), which would stand in for this run's own while the API
	// still hides it.
	surelyAfterStart := func(s iam.ClientSecret) bool {
		t, ok := r.data.client.ServerTime(started)
		return ok && !s.Created.Before(t)
	}
	// A client this process created moments ago may be unknown to a lagging API still: its 404 is
	// waited out, as the create itself waited for it (see createAfterClient).
	clientFresh := func() bool {
		_, ok := r.data.created.recent("client " + clientID)
		return ok
	}
	lookup, cancel := outcomeLookupContext(ctx, interrupt)
	defer cancel()
	key := secretLookupKey(clientID, description)
	// As the client's look-up does (see there): settle, list, list again while a create of the
	// same description is in flight, tell this run's secrets apart only then, and look for as many
	// as creates of it lost their answers.
	var complete *secretLookupFound // the last listing that went through
	f, _, cut := findVisible(lookup, interrupt, func(list, wait context.Context) (f secretLookupFound, done bool) {
		defer rememberListing(&complete, &f)
		r.data.created.settle(wait, key)
		var described []iam.ClientSecret
		for s, err := range r.data.client.ListClientSecrets(list, clientID) {
			if err != nil {
				f.listErr = err
				break
			}
			if s.Description == description {
				described = append(described, s)
			}
		}
		since := sinceStart()
		described = slices.DeleteFunc(described, func(s iam.ClientSecret) bool { return s.Created.Before(since) })
		f.unsure = r.data.created.busy(key)
		sure := 0
		for _, s := range described {
			if r.data.created.has("secret " + clientSecretID(clientID, s.ClientSecretID)) {
				f.siblings = append(f.siblings, s.ClientSecretID) // another resource of this run made it
				continue
			}
			f.candidates = append(f.candidates, s)
			if surelyAfterStart(s) {
				sure++
			}
		}
		if f.listErr != nil {
			return f, !f.unsure && (!iam.IsNotFound(f.listErr) || !clientFresh())
		}
		// As many as were lost, all made since the request, or more than that (which no look-up
		// can tell apart anyway) end it; else it looks on until the window has passed.
		lost := r.data.created.lostAnswers(key)
		return f, !f.unsure && (sure >= lost || len(f.candidates) > lost)
	})
	partial, cut := keepLastListing(&f, complete, lookup.Err(), cut)
	candidates, siblings, listErr := f.candidates, f.siblings, f.listErr
	since := sinceStart()
	other := ""
	if len(siblings) > 0 {
		other = "other "
		fmt.Fprintf(&b, "Not these secrets with description %q, which this run created for other resources: %s. ",
			shownDescription, strings.Join(siblings, ", "))
	}
	slices.SortFunc(candidates, func(a, b iam.ClientSecret) int { return b.Created.Compare(a.Created) })

	switch {
	case listErr != nil:
		fmt.Fprintf(&b, "Listing the client's secrets to look for it failed as well (%s). Look for a secret with "+
			"description %q, for example with the aritma_iam_client_secrets data source, and import it with:\n\n"+
			"  terraform import aritma_iam_client_secret.<name> %s/<secret_id>\n", redact(listErr.Error(), value), shownDescription, shownClient)
	case len(candidates) == 0:
		fmt.Fprintf(&b, "No %ssecret with description %q created since %s is listed (yet), %s. Look again in a moment, "+
			"for example with the aritma_iam_client_secrets data source, and import it if it shows up:\n\n"+
			"  terraform import aritma_iam_client_secret.<name> %s/<secret_id>\n\nIf none shows up, the failed create "+
			"made none: apply again.\n", other, shownDescription, formatAPITime(since), lookupEndText(cut), shownClient)
	default:
		if lost := r.data.created.lostAnswers(key); lost > 1 {
			fmt.Fprintf(&b, "%d creates of a secret with description %q for this client lost their answers in this run: "+
				"import one of the secrets below into each of those resources. ", lost, shownDescription)
		}
		if f.unsure {
			fmt.Fprintf(&b, "Another create of a secret with description %q for this client was still running when the "+
				"look-up ended, so one of these may be that resource's. ", shownDescription)
		}
		fmt.Fprintf(&b, "These secrets of the client have description %q and were created since %s, newest first%s; "+
			"import the one that is yours:\n\n", shownDescription, formatAPITime(since), partial)
		for _, s := range candidates {
			fmt.Fprintf(&b, "  terraform import aritma_iam_client_secret.<name> %s    # created %s\n",
				clientSecretID(shownClient, s.ClientSecretID), formatAPITime(s.Created))
		}
	}
	b.WriteString("\nReplace <name> with the resource's name in your configuration. " + importAddressNote("aritma_iam_client_secret") + "\n\n")
	b.WriteString("If this create was the new half of a create_before_destroy replacement, Terraform kept the old " +
		"secret at this address and an import there is refused: delete the stray secret instead (below), and apply " +
		"again.\n\n")
	deleteIt := fmt.Sprintf("delete the stray secret (DELETE /v1/clients/%s/secrets/<secret_id>) and apply again", shownClient)
	if mode == "generated" {
		fmt.Fprintf(&b, "But the provider generated this secret's value and never recorded it, so it cannot be "+
			"recovered: an imported secret keeps a null value, and whatever reads this resource's value gets null. "+
			"Unless nothing does, %s, which creates a new secret with a new value.", deleteIt)
	} else {
		fmt.Fprintf(&b, "Terraform cannot read a secret's value back, so the plan after the import replaces the "+
			"secret: it creates a new one with your value and deletes the imported one. To get there in one "+
			"step, %s.", deleteIt)
	}
	return b.String()
}

// createSecretHint adds what the user can do about the create failures they can act on.
func createSecretHint(err error, clientID string) string {
	switch {
	case clientLagHint(err) != "":
		return clientLagHint(err)
	case errors.Is(err, iam.ErrConflict):
		return "A client can hold at most 20 secrets. Delete secrets it no longer needs (expired ones stay " +
			"listed until deleted), then apply again. Rotating with create_before_destroy needs room for one more."
	case errors.Is(err, iam.ErrNotFound):
		return joinHints("The client does not exist: it may have been deleted outside Terraform. Check client_id.",
			subjectIDHint(clientID))
	}
	return ""
}

// redactedError is err with value redacted from its text, as errors.Is and errors.As still see
// it: the iam package keeps the values of a call out of its errors, but a value set as the client
// id is in the path of a call that did not carry it.
type redactedError struct {
	err   error
	value string
}

func (e redactedError) Error() string { return redact(e.err.Error(), e.value) }
func (e redactedError) Unwrap() error { return e.err }

// redact removes a secret value from the user's input (a client id, a description) that a
// diagnostic shows: set there by mistake, it must not reach the diagnostic. The iam package keeps
// values out of its errors already. Only the input is redacted, never the diagnostic's own words:
// a value that is one of them ("terraform") would garble the text and give itself away.
func redact(text, value string) string {
	// In every form the iam package knows: a value set as a client id is path-escaped in a call.
	return iam.Redact(text, value)
}

func (r *iamClientSecretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state clientSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, "read", state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if !state.Value.IsNull() {
		ctx = maskSecrets(ctx, state.Value.ValueString())
	}

	clientID, secretID := state.ClientID.ValueString(), state.SecretID.ValueString()
	shared := true // the first look may share a list with the client's other secrets; waits for a new one may not
	secret, err := readAfterCreate(ctx, req.Private, func(ctx context.Context) (*iam.ClientSecret, error) {
		if shared {
			shared = false
			return r.data.secretLists.find(ctx, r.data.client, clientID, secretID)
		}
		return r.data.client.GetClientSecret(ctx, clientID, secretID)
	})
	err = r.data.confirmNotFound(ctx, err)
	if iam.IsNotFound(err) {
		cause, hints := "it", []string(nil)
		if apiErr := (*iam.APIError)(nil); errors.As(err, &apiErr) {
			// The API answered 404 for the client's secrets (GetClientSecret's own "not among
			// them" is no APIError): the client is what does not exist.
			cause = "its client"
			hints = []string{fmt.Sprintf("No client has the id %q (an import id names the client first: "+
				"<client_id>/<secret_id>).", clientID), subjectIDHint(clientID)}
		}
		r.data.removeVanished(ctx, resp, "IAM Client Secret Not Found", fmt.Sprintf("Secret %q of client %q", secretID, clientID),
			cause, hints...)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Unable to Read IAM Client Secret",
			apiErrorText(fmt.Sprintf("Reading secret %q of client %q", secretID, clientID), err, resourceTimeoutHint(ctx, err)))
		return
	}

	// value, value_wo_version, rotate_when_changed, renew_before and timeouts are Terraform's own:
	// the API knows nothing of them, so they stay as they are.
	// Only a secret this provider created has a value source; an imported one takes the API's
	// spelling of its client id.
	_, created := privateString(ctx, req.Private, privateKeyValueSource)
	state.applySecret(secret, created)
	// What the API stored otherwise at create keeps showing as configured (see appliedSecret).
	storedAs(ctx, req.Private).restore(&state)
	if secret.Expiration != nil && !secret.Expiration.After(r.now()) {
		resp.Diagnostics.AddWarning("IAM Client Secret Expired",
			fmt.Sprintf("Secret %q of client %q expired at %s and no longer works at the token endpoint. Replace it "+
				"with a later expiration (renew_before makes Terraform propose that on time), or delete it.",
				secretID, clientID, formatAPITime(*secret.Expiration)))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	// The secret has been seen, so a later 404 means it is gone, not that the API lags. (Private
	// is nil only when a unit test calls Read directly.)
	if resp.Private != nil {
		resp.Diagnostics.Append(clearCreated(ctx, resp.Private)...)
		resp.Diagnostics.Append(r.data.noteEndpoint(ctx, resp.Private)...)
		resp.Diagnostics.Append(setRenewalClock(ctx, resp.Private, r.now())...)
		resp.Diagnostics.Append(setExpirationHeld(ctx, resp.Private, secret.Expiration)...)
	}
}

// Update only ever sees changes that need no API call: renew_before, timeouts, an expiration
// written differently for the same instant, or a description or expiration now written as the
// API holds it. Every other argument forces a replacement, so the plan is the new state.
func (r *iamClientSecretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan clientSecretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	if stored := storedAs(ctx, req.Private); stored != nil && resp.Private != nil {
		resp.Diagnostics.Append(setStoredAs(ctx, resp.Private, stored.updated(plan))...)
	}
}

func (r *iamClientSecretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state clientSecretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := withTimeout(ctx, "delete", state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	if !state.Value.IsNull() {
		ctx = maskSecrets(ctx, state.Value.ValueString())
	}

	clientID, secretID := state.ClientID.ValueString(), state.SecretID.ValueString()
	err := r.data.confirmNotFound(ctx, r.data.client.DeleteClientSecret(ctx, clientID, secretID))
	r.data.secretLists.forget(clientID)
	if err == nil || iam.IsNotFound(err) {
		r.data.fresh.drop("secret " + clientSecretID(clientID, secretID))
	}
	if err != nil && !iam.IsNotFound(err) {
		resp.Diagnostics.AddError("Unable to Delete IAM Client Secret", apiErrorText(
			fmt.Sprintf("Deleting secret %q of client %q", secretID, clientID), err,
			resourceTimeoutHint(ctx, err), "The secret is kept in the state; apply or destroy again once the cause is fixed."))
		return
	}
	// Already gone (or its client is) is what Delete wanted.
	tflog.Debug(ctx, "Deleted IAM client secret", map[string]any{"client_id": clientID, "secret_id": secretID})
}

// ImportState takes "<client_id>/<secret_id>"; Read fills in the rest. The value stays null: the
// API never returns it.
func (r *iamClientSecretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	clientID, secretID, err := parseClientSecretID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid IAM Client Secret Import ID", err.Error()+
			". Import a client secret as: terraform import aritma_iam_client_secret.<name> <client_id>/<secret_id>")
		return
	}
	if rest, ok := r.data.subjectIDOfClient(ctx, clientID); ok {
		resp.Diagnostics.AddError("Import ID Has a Subject ID",
			fmt.Sprintf("%q is the subject id of client %q, and an aritma_iam_client_secret import id starts with the "+
				"client id:\n\n  terraform import aritma_iam_client_secret.<name> %s", clientID, rest, clientSecretID(rest, secretID)))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), clientSecretID(clientID, secretID))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("client_id"), clientID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("secret_id"), secretID)...)
	markImported(ctx, resp)
}

// privateKeyValueSource records where a secret's value came from at Create ("generated",
// "configured" or "write-only"), so that a plan can tell a value the configuration stopped giving
// from one the provider generated: both are null in the configuration and known in the state.
const privateKeyValueSource = "value_source"

// privateKeyStoredAs records what the API holds of a secret's description and expiration when
// it stored them otherwise than created (see appliedSecret): Read keeps the configured values in
// the state while the API holds exactly these, and renewal goes by the expiration held here.
const privateKeyStoredAs = "stored_as"

// privateKeyExpirationHeld records the expiration the API holds, as exactly as it answered at the
// create or the last read; absent for a secret without one (see changesExpiration).
const privateKeyExpirationHeld = "expiration_held"

// setExpirationHeld records t under privateKeyExpirationHeld, or removes the record when t is nil.
func setExpirationHeld(ctx context.Context, p privateState, t *time.Time) diag.Diagnostics {
	if t == nil {
		return p.SetKey(ctx, privateKeyExpirationHeld, nil)
	}
	return setPrivateTime(ctx, p, privateKeyExpirationHeld, *t)
}

// expirationHeld reads what setExpirationHeld recorded; nil when nothing (readable) is there.
func expirationHeld(ctx context.Context, p privateState) *time.Time {
	if p == nil {
		return nil
	}
	if t, ok := privateTime(ctx, p, privateKeyExpirationHeld); ok {
		return &t
	}
	return nil
}

// storedAs reads what privateKeyStoredAs records; nil when nothing (readable) is there.
func storedAs(ctx context.Context, p privateState) storedSecret {
	if p == nil {
		return nil
	}
	raw, diags := p.GetKey(ctx, privateKeyStoredAs)
	var s storedSecret
	if diags.HasError() || len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return nil
	}
	return s
}

// setStoredAs records s under privateKeyStoredAs, or removes the record when s is empty.
func setStoredAs(ctx context.Context, p privateState, s storedSecret) diag.Diagnostics {
	if len(s) == 0 {
		return p.SetKey(ctx, privateKeyStoredAs, nil)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddError("Unable to Record IAM Client Secret", "Encoding what the API holds of the secret failed: "+err.Error())
		return diags
	}
	return p.SetKey(ctx, privateKeyStoredAs, raw)
}

// replacesWhenChanged is the plan modifier of a secret argument the API takes at create only:
// a new value replaces the secret, and so does not writing the same expiration instant otherwise,
// or the value the API holds (see storedSecret.changes).
func replacesWhenChanged(name, description string) planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			var plan, state clientSecretModel
			*plan.argument(name), *state.argument(name) = req.PlanValue, req.StateValue
			stored := storedAs(ctx, req.Private)
			if name == "expiration" {
				resp.RequiresReplace = stored.changesExpiration(plan, state, expirationHeld(ctx, req.Private))
				return
			}
			resp.RequiresReplace = stored.changes(name, plan, state)
		}, description, description)
}

// valueSourceConfigured is the value source of a secret whose value the configuration gave.
const valueSourceConfigured = "configured"

// secretValuePlanModifier plans the computed side of value. The provider generates a value only
// when it creates a secret; on an existing secret a null value in the configuration keeps what
// the state holds, null included, unless the configuration gave that value (see
// privateKeyValueSource). That null is what an imported secret has, and replacing it
// just because nobody knows its value would be a surprise. (UseStateForUnknown would not do:
// it leaves the value unknown when the state holds null.)
type secretValuePlanModifier struct{}

func (m secretValuePlanModifier) Description(_ context.Context) string {
	return "Generates a value on create unless value_wo is used; keeps the state's value otherwise."
}

func (m secretValuePlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m secretValuePlanModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return // configured: the plan is the configuration
	}
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	if req.State.Raw.IsNull() {
		// Create. With value_wo the secret's value lives outside Terraform: nothing to generate or
		// store. Otherwise the value stays unknown and Create generates it. A value_wo or
		// value_wo_version still unknown may turn out null (a module's optional input), and then
		// the value is generated: only known ones plan null, or the apply would contradict the plan.
		var wo types.String
		var version types.Int64
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo"), &wo)...)
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo_version"), &version)...)
		if presenceOf(wo) == configPresent || presenceOf(version) == configPresent {
			resp.PlanValue = types.StringNull()
		}
		return
	}
	if !req.StateValue.IsNull() && req.Private != nil {
		// A value the configuration gave and no longer gives: the user asks for a generated one
		// instead (perhaps because the given one was committed somewhere), so plan a new secret
		// rather than keep the old value silently. A generated value stays.
		if source, _ := privateString(ctx, req.Private, privateKeyValueSource); source == valueSourceConfigured {
			resp.PlanValue = types.StringUnknown()
			return
		}
	}
	resp.PlanValue = req.StateValue
}

// replacedAnyway reports whether the plan changes, or may change, an argument that replaces the
// secret by itself (see the attributes' RequiresReplace; the resource's ModifyPlan does not get
// their verdict, so it judges as they do: the expiration by the instant the API holds, heldAt). It
// errs towards true for a value still unknown.
func replacedAnyway(plan, state clientSecretModel, stored storedSecret, heldAt *time.Time) bool {
	changed := func(p, s attr.Value) bool { return p.IsUnknown() || !p.Equal(s) }
	imported := state.Value.IsNull() && state.ValueWOVersion.IsNull()
	return changed(plan.ClientID, state.ClientID) || stored.changes("description", plan, state) ||
		stored.changesExpiration(plan, state, heldAt) || changed(plan.ValueWOVersion, state.ValueWOVersion) ||
		(changed(plan.RotateWhenChanged, state.RotateWhenChanged) && keepersReplace(state.RotateWhenChanged, plan.RotateWhenChanged, imported)) ||
		(!plan.Value.IsNull() && changed(plan.Value, state.Value))
}

// clientSecretValueSourceValidator enforces "exactly one way to supply the value": value,
// value_wo with value_wo_version, or neither.
type clientSecretValueSourceValidator struct{}

func (v clientSecretValueSourceValidator) Description(_ context.Context) string {
	return "value and value_wo are mutually exclusive, and value_wo and value_wo_version go together"
}

func (v clientSecretValueSourceValidator) MarkdownDescription(_ context.Context) string {
	return "`value` and `value_wo` are mutually exclusive, and `value_wo` and `value_wo_version` go together"
}

func (v clientSecretValueSourceValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var value, wo types.String
	var version types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value"), &value)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo"), &wo)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("value_wo_version"), &version)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Only what is known can conflict. A module passes each way through a variable that may be
	// null, and every variable is unknown while `validate` runs: judging unknown as set failed
	// every such module. What is still unknown at plan is judged when the CLI validates the
	// configuration again with its final values, before it applies it.
	for _, d := range clientSecretValueSourceErrors(presenceOf(value), presenceOf(wo), presenceOf(version)) {
		resp.Diagnostics.AddAttributeError(path.Root(d.attribute), d.summary, d.detail)
	}
}

// presence is whether a configuration value is set, as far as it is known yet.
type presence int

const (
	configAbsent presence = iota
	configUnknown
	configPresent
)

func presenceOf(v attr.Value) presence {
	switch {
	case v.IsUnknown():
		return configUnknown
	case v.IsNull():
		return configAbsent
	}
	return configPresent
}

// renewBeforeNeedsExpiration warns about renew_before on a secret without an expiration, where it
// can never do anything: the mistake would otherwise pass silently until the secret expires.
type renewBeforeNeedsExpiration struct{}

func (v renewBeforeNeedsExpiration) Description(_ context.Context) string {
	return "renew_before has an effect only with expiration"
}

func (v renewBeforeNeedsExpiration) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v renewBeforeNeedsExpiration) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var renew, expiration types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("renew_before"), &renew)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("expiration"), &expiration)...)
	if !renew.IsNull() && expiration.IsNull() {
		resp.Diagnostics.AddAttributeWarning(path.Root("renew_before"), "renew_before Without expiration",
			"renew_before replaces a secret when it comes within that long of its expiration, and this secret has no "+
				"expiration, so renew_before does nothing. Set expiration, or remove renew_before.")
	}
}

type attributeError struct{ attribute, summary, detail string }

// clientSecretValueSourceErrors is the rule of clientSecretValueSourceValidator as a pure function:
// only a combination that is wrong whatever the unknown values turn out to be is an error.
func clientSecretValueSourceErrors(value, valueWO, valueWOVersion presence) []attributeError {
	var errs []attributeError
	if value == configPresent && valueWO == configPresent {
		errs = append(errs, attributeError{"value_wo", "Conflicting Secret Values",
			"Only one of value and value_wo can be set. Use value_wo (write-only, never stored; recommended) or value " +
				"(held in state), or neither to have the provider generate a value."})
	}
	if valueWO == configPresent && valueWOVersion == configAbsent {
		errs = append(errs, attributeError{"value_wo_version", "Missing value_wo_version",
			"value_wo_version is required when value_wo is set. Terraform never stores value_wo, so it cannot see " +
				"it change: bump value_wo_version to replace the secret with a new value_wo."})
	}
	if valueWOVersion == configPresent && valueWO == configAbsent {
		errs = append(errs, attributeError{"value_wo", "Missing value_wo",
			"value_wo is required when value_wo_version is set: value_wo_version versions the write-only value_wo " +
				"and means nothing without it."})
	}
	return errs
}

// checkNotSubjectID catches a client's subject id given as client_id (client-<id>, the value
// most often passed by mistake) at plan time instead of at apply.
func (r *iamClientSecretResource) checkNotSubjectID(ctx context.Context, plan tfsdk.Plan, diags *diag.Diagnostics) {
	var clientID types.String
	diags.Append(plan.GetAttribute(ctx, path.Root("client_id"), &clientID)...)
	if r.data == nil || clientID.IsUnknown() {
		return
	}
	if _, ok := r.data.subjectIDOfClient(ctx, clientID.ValueString()); !ok {
		return
	}
	diags.AddAttributeError(path.Root("client_id"), "Invalid Client ID",
		fmt.Sprintf("No IAM client has the client id %q. %s", clientID.ValueString(), subjectIDHint(clientID.ValueString())))
}

// keepersReplace is the rule of rotate_when_changed, shared by its plan modifier and replacedAnyway:
// no keepers and an empty map are the same, and keepers set for the first time on an imported
// secret are only recorded. Any other change replaces the secret.
func keepersReplace(state, plan types.Map, imported bool) bool {
	none := func(v types.Map) bool { return v.IsNull() || (!v.IsUnknown() && len(v.Elements()) == 0) }
	if none(state) && none(plan) {
		return false
	}
	if none(state) {
		return !imported
	}
	return true
}
