package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// catalogueCheckTimeout bounds reading a catalogue for a plan-time check. The check only brings
// forward what the API says at apply, so a catalogue that cannot be read in time skips it.
const catalogueCheckTimeout = time.Minute

// cachedList holds a catalogue of the API (its actions, its OAuth scopes), read once per provider
// process: a plan checks every new policy's action and every client's new scopes against it, and
// one read serves them all.
type cachedList[T any] struct {
	mu   sync.Mutex
	done bool
	list []T
	err  error
}

// get returns the catalogue, reading it with fetch on first use. An answer, an error included, is
// kept; a read cut short by its context is not, as it says nothing about the catalogue.
func (c *cachedList[T]) get(ctx context.Context, fetch func(context.Context) ([]T, error)) ([]T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.done {
		c.list, c.err = fetch(ctx)
		c.done = ctx.Err() == nil
	}
	return c.list, c.err
}

// catalogueNames reads a catalogue for a plan-time check and returns the names in it; ok is false
// when it cannot be read, and the check is then left to the API at apply.
func catalogueNames[T any](ctx context.Context, c *cachedList[T], fetch func(context.Context) ([]T, error), name func(T) string, what string) ([]string, bool) {
	ctx, cancel := context.WithTimeout(ctx, catalogueCheckTimeout)
	defer cancel()
	list, err := c.get(ctx, fetch)
	if err != nil {
		tflog.Debug(ctx, "Could not read the "+what+" for a plan-time check; the API checks at apply", map[string]any{"error": err.Error()})
		return nil, false
	}
	names := make([]string, len(list))
	for i, v := range list {
		names[i] = name(v)
	}
	return names, true
}

// checkActionInCatalogue reports at plan time an action the API would reject at apply, with the
// API's reason, so a typo does not leave a configuration half applied.
func (p *providerData) checkActionInCatalogue(ctx context.Context, action string, diags *diag.Diagnostics) {
	names, ok := catalogueNames(ctx, &p.actions, p.client.ListActions, func(a iam.Action) string { return a.Name }, "action catalogue")
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
	names, ok := catalogueNames(ctx, &p.scopes, p.client.ListScopes, func(s iam.OAuthScope) string { return s.Name }, "scope catalogue")
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
