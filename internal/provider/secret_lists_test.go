package provider

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// TestUnitSecretListsShared: the reads of one client's secrets share a list asked for within
// sharedListAge; a secret the list lacks, a list too old and a list a delete of this process made
// stale are each looked for again, so "gone" is decided only on a read's own request.
func TestUnitSecretListsShared(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	c := testAccCreateClients(t, e, "shared-lists")[0]
	var ids []string
	for i := range 3 {
		s, err := e.API.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: "shared-list-" + string(rune('a'+i)) + "-value"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ClientSecretID)
	}
	lists := func() int64 { return e.Mock.Stats().Count("GET", "/v1/clients/{clientId}/secrets") }
	now := time.Now()
	var clock sync.Mutex
	s := &secretLists{now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }}
	advance := func(d time.Duration) { clock.Lock(); now = now.Add(d); clock.Unlock() }

	before := lists()
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			got, err := s.find(ctx, e.API, c.ClientID, id)
			if err != nil || got.ClientSecretID != id || got.ClientID != c.ClientID {
				t.Errorf("find %s: %+v, %v", id, got, err)
			}
		})
	}
	wg.Wait()
	if n := lists() - before; n != 1 {
		t.Errorf("3 reads of one client's secrets listed them %d times, want once", n)
	}

	// A secret made since the list was asked for is not in it: its read asks again.
	extra, err := e.API.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: "shared-list-extra-value"})
	if err != nil {
		t.Fatal(err)
	}
	before = lists()
	if got, err := s.find(ctx, e.API, c.ClientID, extra.ClientSecretID); err != nil || got.ClientSecretID != extra.ClientSecretID {
		t.Errorf("find of a secret newer than the shared list: %+v, %v", got, err)
	}
	if n := lists() - before; n != 1 {
		t.Errorf("a secret the shared list lacks cost %d lists, want 1 of its own", n)
	}

	// Deleted outside this process: the shared list still holds it, but not for long.
	if err := e.API.DeleteClientSecret(ctx, c.ClientID, ids[0]); err != nil {
		t.Fatal(err)
	}
	advance(sharedListAge + time.Millisecond)
	if _, err := s.find(ctx, e.API, c.ClientID, ids[0]); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("find after sharedListAge of a secret deleted since: %v, want not found", err)
	}

	// Deleted by this process: forget makes the next read ask, within sharedListAge too.
	if _, err := s.find(ctx, e.API, c.ClientID, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := e.API.DeleteClientSecret(ctx, c.ClientID, ids[1]); err != nil {
		t.Fatal(err)
	}
	s.forget(c.ClientID)
	if _, err := s.find(ctx, e.API, c.ClientID, ids[1]); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("find of a secret this process deleted: %v, want not found", err)
	}

	// A list that failed is no answer for the others: each asks on its own, and a client that is
	// gone is reported as the API's 404 of its secrets.
	advance(sharedListAge + time.Millisecond)
	e.Mock.SetFaults(mockserver.Faults{ErrorRate: 1, Seed: 1})
	if _, err := s.find(ctx, e.API, c.ClientID, ids[2]); err == nil {
		t.Fatal("find through a failing API succeeded")
	}
	e.Mock.SetFaults(mockserver.Faults{})
	before = lists()
	if got, err := s.find(ctx, e.API, c.ClientID, ids[2]); err != nil || got.ClientSecretID != ids[2] {
		t.Errorf("find after a failed shared list: %+v, %v", got, err)
	}
	if n := lists() - before; n != 1 {
		t.Errorf("a read after a failed shared list made %d lists, want 1 of its own", n)
	}
	if err := e.API.DeleteClient(ctx, c.ClientID); err != nil {
		t.Fatal(err)
	}
	s.forget(c.ClientID)
	var apiErr *iam.APIError
	if _, err := s.find(ctx, e.API, c.ClientID, ids[2]); !errors.As(err, &apiErr) || !iam.IsNotFound(err) {
		t.Errorf("find of a secret of a deleted client: %v, want the API's 404", err)
	}
}
