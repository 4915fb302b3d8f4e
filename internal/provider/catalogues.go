package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// planCheckTimeout bounds a read made only for a plan-time check (a catalogue, whether a client
// exists). The check only brings forward what the API says at apply, so a read that does not
// finish in time skips it; and it is short, so a rate limit's long Retry-After (answered at once
// when it would outlast this) does not hold up every resource of a plan behind one check.
const planCheckTimeout = 10 * time.Second

// cachedList holds a catalogue of the API (its actions, its OAuth scopes), read once per provider
// process: a plan checks every new policy's action and every client's new scopes against it, and
// one read serves them all.
type cachedList[T any] struct {
	init sync.Once
	// turn is held by the one caller reading or looking at the catalogue; the others wait for
	// it, or for their own context.
	turn chan struct{}
	done bool
	list []T
	err  error
	// failed is the last failure that may pass (a 5xx, the network, a timeout), which is not
	// kept as the answer.
	failed error
}

// get returns the catalogue, reading it with fetch on first use. An answer is kept, and so is a
// refusal (a 4xx but 408 and 429), which a second read would only repeat. After a failure that
// may pass, a caller that needs the catalogue (a data source) passes again=true and reads it
// again; a plan-time check passes false and gets that failure without a read, so a failing
// catalogue costs a plan one read with its retries, not one per resource, one after another.
func (c *cachedList[T]) get(ctx context.Context, fetch func(context.Context) ([]T, error), again bool) ([]T, error) {
	c.init.Do(func() { c.turn = make(chan struct{}, 1) })
	if err := ctx.Err(); err != nil {
		return nil, err // select below would pick at random between a free turn and the end
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.turn }()
	if c.done {
		return c.list, c.err
	}
	if c.failed != nil && !again {
		return nil, c.failed
	}
	list, err := fetch(ctx)
	if err == nil || refused(err) {
		c.list, c.err, c.done = list, err, true
	} else {
		c.failed = err
	}
	return list, err
}

// refused reports an error answer that a repeat of the same request would get again.
func refused(err error) bool {
	var apiErr *iam.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	code := apiErr.StatusCode
	return code >= 400 && code < 500 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests
}

// catalogueNames reads a catalogue for a plan-time check and returns the names in it, in
// catalogue order without repeats; ok is false when it cannot be read (err says why) or names
// nothing, and the check is then left to the API at apply.
func catalogueNames[T any](ctx context.Context, c *cachedList[T], fetch func(context.Context) ([]T, error), names func(T) []string, what string) (_ []string, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	list, err := c.get(ctx, fetch, false)
	if err != nil {
		tflog.Debug(ctx, "Could not read the "+what+" for a plan-time check; the API checks at apply", map[string]any{"error": err.Error()})
		return nil, false, err
	}
	var out []string
	for _, v := range list {
		for _, n := range names(v) {
			// An entry whose name did not decode (a shape of the answer this provider does not
			// know) names nothing, rather than a "" that every name would fail against.
			if n != "" && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	// An API without a catalogue (or one that shows this caller none) is no ground to fail.
	return out, len(out) > 0, nil
}

// reportRefusedCredentials fails the plan, once per provider process, when a plan-time read was
// refused for the provider's authentication: the token endpoint refused its credentials or a scope
// it asks for, or is not at token_url, or the API refused its token (401). Every call of the apply
// would be refused the same way, so a plan that shows changes and exits 0 would only promise an
// apply that cannot succeed. Other failures of such a read (a 403 for the catalogue, a 5xx, a
// timeout) leave the check to the apply.
func (p *providerData) reportRefusedCredentials(err error, diags *diag.Diagnostics) {
	refused := errors.Is(err, iam.ErrUnauthorized) ||
		iam.IsTokenError(err) && (errors.Is(err, iam.ErrInvalidScope) || errors.Is(err, iam.ErrNoTokenEndpoint))
	if !refused || !p.refusalReported.CompareAndSwap(false, true) {
		return
	}
	diags.AddError("Aritma Authentication Failed", apiErrorText("Reading the API's catalogues for this plan's checks", err,
		"Every call of an apply would be refused the same way, so the plan stops here."))
}

// actionNames reads the action catalogue for a best-effort check: ok is false when it cannot be
// read. A parent is an action too, even where the catalogue gives it no entry of its own (the
// published table shows owner only as a parent).
func (p *providerData) actionNames(ctx context.Context) ([]string, bool, error) {
	return catalogueNames(ctx, &p.actions, p.client.ListActions, func(a iam.Action) []string { return []string{a.Name, a.Parent} }, "action catalogue")
}

// checkActionInCatalogue reports at plan time an action the API would reject at apply, with the
// API's reason, so a typo does not leave a configuration half applied.
func (p *providerData) checkActionInCatalogue(ctx context.Context, action string, diags *diag.Diagnostics) {
	names, ok, err := p.actionNames(ctx)
	p.reportRefusedCredentials(err, diags)
	if !ok || slices.Contains(names, action) {
		return
	}
	diags.AddAttributeError(path.Root("action"), "Unknown Action",
		fmt.Sprintf("action %q is not in the action catalogue (GET /v1/actions), so the API cannot grant it. "+
			"List the actions with the aritma_iam_actions data source.", action))
}

// checkScopesInCatalogue reports at plan time the scopes of a client that the API would reject
// at apply, in the API's words.
func (p *providerData) checkScopesInCatalogue(ctx context.Context, scopes []string, diags *diag.Diagnostics) {
	names, ok, err := catalogueNames(ctx, &p.scopes, p.client.ListScopes, func(s iam.OAuthScope) []string { return []string{s.Name} }, "scope catalogue")
	p.reportRefusedCredentials(err, diags)
	if !ok {
		return
	}
	for _, s := range scopes {
		if !slices.Contains(names, s) {
			diags.AddAttributeError(path.Root("allowed_scopes"), "Unsupported Scope",
				fmt.Sprintf("scope %q is not supported; allowed: %s. List them with the aritma_iam_scopes data source.",
					s, strings.Join(names, ", ")))
		}
	}
}

// plannedChange reads one attribute of a plan and of its prior state (the zero value, null, for a
// create), for a ModifyPlan that checks what a plan changes. changed is false when there is nothing
// to check: a destroy, a plan equal to its state (every refresh plans every resource, and this
// comparison is cheaper than the reads), or an attribute that could not be read.
func plannedChange[T attr.Value](ctx context.Context, req resource.ModifyPlanRequest, p path.Path, diags *diag.Diagnostics) (planned, prior T, changed bool) {
	if req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return planned, prior, false
	}
	diags.Append(req.Plan.GetAttribute(ctx, p, &planned)...)
	if !req.State.Raw.IsNull() {
		diags.Append(req.State.GetAttribute(ctx, p, &prior)...)
	}
	return planned, prior, !diags.HasError()
}
