package provider

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// freshObjects are the objects this provider process created and no data source has seen yet,
// by the keys of createdHere ("client <id>", "secret <client_id>/<secret_id>", "policy <policy
// id>"), with the time each was created. A create returns as soon as the API answers, without
// reading the object back (one call per resource), but an eventually consistent API may not show
// it to reads for a while: a data source that depends on it in the same apply (a client's subject,
// the permissions a new policy grants) would then fail with "not found" or, worse, answer
// allowed = false. Such a data source first waits, with awaitFresh, until the fresh objects it
// depends on are visible.
type freshObjects struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (f *freshObjects) add(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.at == nil {
		f.at = map[string]time.Time{}
	}
	f.at[key] = time.Now()
}

// drop forgets key: what was deleted or has been seen.
func (f *freshObjects) drop(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.at, key)
}

// dropClient forgets a deleted client with its secrets and policies, which went with it.
func (f *freshObjects) dropClient(clientID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.at {
		if k == "client "+clientID || strings.HasPrefix(k, "secret "+clientID+"/") ||
			strings.HasPrefix(k, "policy "+clientSubjectID(clientID)+",") {
			delete(f.at, k)
		}
	}
}

// freshKey is a fresh object and when it was created.
type freshKey struct {
	key string
	at  time.Time
}

// pending lists the fresh objects that match, created within readAfterCreateWindow; older ones
// are forgotten, as readAfterCreate stops waiting for them too.
func (f *freshObjects) pending(match func(key string) bool) []freshKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []freshKey
	for k, at := range f.at {
		switch {
		case time.Since(at) >= readAfterCreateWindow:
			delete(f.at, k)
		case match(k):
			out = append(out, freshKey{k, at})
		}
	}
	return out
}

// freshClient matches the fresh client clientID.
func freshClient(clientID string) func(string) bool {
	return func(k string) bool { return k == "client "+clientID }
}

// freshSubject matches what a read about subjectID depends on: the client it names, and the
// policies granted to it.
func freshSubject(subjectID string) func(string) bool {
	client, isClient := strings.CutPrefix(subjectID, clientSubjectPrefix)
	return func(k string) bool {
		return (isClient && k == "client "+client) || strings.HasPrefix(k, "policy "+subjectID+",")
	}
}

// freshClientSecrets matches the fresh client clientID and its fresh secrets.
func freshClientSecrets(clientID string) func(string) bool {
	return func(k string) bool { return k == "client "+clientID || strings.HasPrefix(k, "secret "+clientID+"/") }
}

// freshClients matches every fresh client: a search or a list may name any of them.
func freshClients(k string) bool { return strings.HasPrefix(k, "client ") }

// freshPolicies matches the fresh policies that the policy list filtered by f would include.
func freshPolicies(f iam.PolicyFilter) func(string) bool {
	return func(k string) bool {
		id, ok := strings.CutPrefix(k, "policy ")
		if !ok {
			return false
		}
		subject, action, scope, err := parsePolicyID(id)
		return err == nil && (f.Subject == "" || f.Subject == subject) && (f.Action == "" || f.Action == action) &&
			(f.Scope == "" || f.Scope == scope)
	}
}

// awaitFresh waits until the fresh objects that match are visible to reads, each at most until
// readAfterCreateWindow after its creation, like readAfterCreate; then the caller reads. An object
// still not found by then, a read that fails otherwise, or the end of ctx, is left for the
// caller's own read to report.
func (p *providerData) awaitFresh(ctx context.Context, match func(key string) bool) {
	for _, f := range p.fresh.pending(match) {
		get := p.freshGetter(f.key)
		if get == nil || ctx.Err() != nil {
			continue
		}
		read := func(ctx context.Context) (struct{}, error) { return struct{}{}, get(ctx) }
		if _, err := retryNotFound(ctx, f.at.Add(readAfterCreateWindow), read, struct{}{}, get(ctx)); err != nil {
			tflog.Debug(ctx, "Reading on without a fresh object visible", map[string]any{"object": f.key, "error": err.Error()})
			continue
		}
		p.fresh.drop(f.key)
	}
}

// freshGetter reads the fresh object key back; nil for a key it does not know.
func (p *providerData) freshGetter(key string) func(context.Context) error {
	kind, id, _ := strings.Cut(key, " ")
	switch kind {
	case "client":
		return func(ctx context.Context) error { _, err := p.client.GetClient(ctx, id); return err }
	case "secret":
		client, secret, ok := strings.Cut(id, "/")
		if !ok {
			return nil
		}
		return func(ctx context.Context) error { _, err := p.client.GetClientSecret(ctx, client, secret); return err }
	case "policy":
		subject, action, scope, err := parsePolicyID(id)
		if err != nil {
			return nil
		}
		return func(ctx context.Context) error { _, err := p.client.GetPolicy(ctx, subject, action, scope); return err }
	}
	return nil
}
