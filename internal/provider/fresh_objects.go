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
	// polling holds, for each key a data source is reading back, a channel closed when it is done:
	// data sources that need the same object wait for that one read instead of reading too.
	polling map[string]chan struct{}
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
		if k == "client "+clientID || strings.HasPrefix(k, "secret "+clientID+"/") || freshPolicySubject(k) == clientSubjectID(clientID) {
			delete(f.at, k)
		}
	}
}

// freshPolicy is the policy the key k names, ok false for another kind of key. It parses the id
// rather than matching a prefix: client ids are opaque and may hold a comma.
func freshPolicy(k string) (p iam.Policy, ok bool) {
	id, ok := strings.CutPrefix(k, "policy ")
	if !ok {
		return p, false
	}
	subject, action, scope, err := parsePolicyID(id)
	return iam.Policy{Subject: subject, Action: action, Scope: scope}, err == nil
}

// freshPolicySubject is the subject of the policy key k, "" for another kind of key.
func freshPolicySubject(k string) string {
	p, _ := freshPolicy(k)
	return p.Subject
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

// claim makes the caller the one reading key back, or returns the channel of the one that is.
func (f *freshObjects) claim(key string) (done chan struct{}, mine bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch, ok := f.polling[key]; ok {
		return ch, false
	}
	if f.polling == nil {
		f.polling = map[string]chan struct{}{}
	}
	ch := make(chan struct{})
	f.polling[key] = ch
	return ch, true
}

// release ends the caller's reading of key back: seen (and forgotten), or not.
func (f *freshObjects) release(key string, seen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seen {
		delete(f.at, key)
	}
	close(f.polling[key])
	delete(f.polling, key)
}

// still reports whether key is still fresh: not seen, deleted or too old.
func (f *freshObjects) still(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, ok := f.at[key]
	return ok && time.Since(at) < readAfterCreateWindow
}

// freshClient matches the fresh client clientID.
func freshClient(clientID string) func(string) bool {
	return func(k string) bool { return k == "client "+clientID }
}

// freshSubjectItself matches the fresh client a subject id names, for reads of the subject
// itself (not of what it is granted).
func freshSubjectItself(subjectID string) func(string) bool {
	client, isClient := strings.CutPrefix(subjectID, clientSubjectPrefix)
	return func(k string) bool { return isClient && k == "client "+client }
}

// freshPermissions matches what the effective permissions of subjectID depend on: the client it
// names, the policies granted to it, and those granted to any group, which may hold it (directly
// or through other groups).
func freshPermissions(subjectID string) func(string) bool {
	itself := freshSubjectItself(subjectID)
	return func(k string) bool {
		subject := freshPolicySubject(k)
		return itself(k) || subject == subjectID || strings.HasPrefix(subject, "group-")
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
		p, ok := freshPolicy(k)
		return ok && f.Matches(p)
	}
}

// awaitFresh waits until the fresh objects that match are visible to reads, each at most until
// readAfterCreateWindow after its creation, like readAfterCreate; then the caller reads. One data
// source reads each object back; others that need it wait for that read. An object still not
// found by then, a read that fails otherwise, or the end of ctx, is left for the caller's own read
// to report.
func (p *providerData) awaitFresh(ctx context.Context, match func(key string) bool) {
	for _, f := range p.fresh.pending(match) {
		for ctx.Err() == nil && p.fresh.still(f.key) {
			done, mine := p.fresh.claim(f.key)
			if !mine {
				select {
				case <-done: // look again: the reader may have given up early, with its own timeout
				case <-ctx.Done():
				}
				continue
			}
			p.fresh.release(f.key, p.readFresh(ctx, f))
			break
		}
	}
}

// readFresh reads the fresh object f back until it is found or its window ends; whether it was.
func (p *providerData) readFresh(ctx context.Context, f freshKey) bool {
	get := p.freshGetter(f.key)
	if get == nil {
		return false
	}
	read := func(ctx context.Context) (struct{}, error) { return struct{}{}, get(ctx) }
	if _, err := retryNotFound(ctx, f.at.Add(readAfterCreateWindow), read, struct{}{}, get(ctx)); err != nil {
		tflog.Debug(ctx, "Reading on without a fresh object visible", map[string]any{"object": f.key, "error": err.Error()})
		return false
	}
	return true
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
		policy, ok := freshPolicy(key)
		if !ok {
			return nil
		}
		return func(ctx context.Context) error {
			_, err := p.client.GetPolicy(ctx, policy.Subject, policy.Action, policy.Scope)
			return err
		}
	}
	return nil
}
