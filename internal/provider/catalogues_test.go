package provider

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// TestCachedList: parallel callers share one read, an error is kept like an answer, and a read
// cut short by its context is not kept.
func TestCachedList(t *testing.T) {
	t.Parallel()
	var reads atomic.Int64
	fetch := func(ctx context.Context) ([]string, error) {
		reads.Add(1)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return []string{"owner"}, nil
	}

	var c cachedList[string]
	// A read cut short by its context (here: cancelled while it runs) is not kept.
	cancelled, cancel := context.WithCancel(context.Background())
	if _, err := c.get(cancelled, func(ctx context.Context) ([]string, error) { cancel(); return fetch(ctx) }, true); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if list, err := c.get(context.Background(), fetch, true); err != nil || len(list) != 1 {
				t.Errorf("got %v, %v", list, err)
			}
		})
	}
	wg.Wait()
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2 (the cancelled one, then one for all)", n)
	}

	// A failure that may pass is read again by a caller that asks to (a data source), not by a
	// plan-time check; a refusal is kept for both.
	for _, tc := range []struct {
		err       error
		again     bool
		wantReads int64
	}{
		{errors.New("connection reset"), true, 3},
		{&iam.APIError{StatusCode: http.StatusServiceUnavailable}, true, 3},
		{&iam.APIError{StatusCode: http.StatusTooManyRequests}, true, 3},
		{&iam.APIError{StatusCode: http.StatusForbidden}, true, 1},
		{errors.New("connection reset"), false, 1},
		{&iam.APIError{StatusCode: http.StatusServiceUnavailable}, false, 1},
		{&iam.APIError{StatusCode: http.StatusForbidden}, false, 1},
	} {
		var failing cachedList[string]
		var n atomic.Int64
		for range 3 {
			if _, err := failing.get(context.Background(), func(context.Context) ([]string, error) { n.Add(1); return nil, tc.err }, tc.again); !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		}
		if n.Load() != tc.wantReads {
			t.Errorf("%v (again %v): %d reads for 3 calls, want %d", tc.err, tc.again, n.Load(), tc.wantReads)
		}
	}

	// After a check gave up on a failing catalogue, a data source still reads it, and its answer
	// then serves the checks too.
	var mended cachedList[string]
	if _, err := mended.get(context.Background(), func(context.Context) ([]string, error) { return nil, errors.New("connection reset") }, false); err == nil {
		t.Fatal("the failing read reported no error")
	}
	if list, err := mended.get(context.Background(), fetch, true); err != nil || len(list) != 1 {
		t.Fatalf("a data source's read after a failed check: %v, %v", list, err)
	}
	if list, err := mended.get(context.Background(), fetch, false); err != nil || len(list) != 1 {
		t.Fatalf("a check after a data source's good read: %v, %v", list, err)
	}

	// A caller waiting for another's read stops when its own context ends.
	var slow cachedList[string]
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = slow.get(context.Background(), func(context.Context) ([]string, error) { close(started); <-release; return nil, nil }, true)
	}()
	<-started
	waiting, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if _, err := slow.get(waiting, fetch, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiter whose context ended got %v, want context.DeadlineExceeded", err)
	}
	close(release)
}

// TestCatalogueChecks: the plan-time checks against catalogues of shapes the API may answer.
func TestCatalogueChecks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, actions, scopes string
		action                string
		scopes2               []string
		want                  []string // error summaries
	}{
		{name: "known", actions: `[{"name":"banking.manage","parent":"owner"}]`, action: "banking.manage", scopes: `[{"name":"api"}]`, scopes2: []string{"api"}},
		{name: "unknown", actions: `[{"name":"banking.manage","parent":"owner"}]`, action: "banking.mange", scopes: `[{"name":"api"}]`, scopes2: []string{"apj"}, want: []string{"Unknown Action", "Unsupported Scope"}},
		// The published table names owner only as a parent.
		{name: "parent without an entry", actions: `[{"name":"banking.manage","parent":"owner"}]`, action: "owner", scopes: `[{"name":"api"}]`},
		// Entries of a shape this provider does not read name nothing: no ground to fail.
		{name: "unreadable names", actions: `[{"action":"banking.manage"}]`, action: "banking.manage", scopes: `[{"scope":"api"}]`, scopes2: []string{"api"}},
		{name: "empty", actions: `[]`, action: "x.y", scopes: `[]`, scopes2: []string{"api"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := catalogueProvider(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				body := tc.actions
				if r.URL.Path == "/v1/scopes" {
					body = tc.scopes
				}
				_, _ = w.Write([]byte(body))
			})
			var diags diag.Diagnostics
			p.checkActionInCatalogue(context.Background(), tc.action, &diags)
			p.checkScopesInCatalogue(context.Background(), tc.scopes2, &diags)
			var got []string
			for _, d := range diags.Errors() {
				got = append(got, d.Summary())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("errors %q, want %q (%v)", got, tc.want, diags)
			}
		})
	}

	// A failing catalogue is read once per process, with its retries, not once per check.
	t.Run("failing", func(t *testing.T) {
		t.Parallel()
		var reads atomic.Int64
		p := catalogueProvider(t, func(w http.ResponseWriter, _ *http.Request) {
			reads.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
		})
		for range 5 {
			var diags diag.Diagnostics
			p.checkActionInCatalogue(context.Background(), "x.y", &diags)
			if diags.HasError() {
				t.Fatalf("an unreadable catalogue failed the check: %v", diags)
			}
		}
		if n := reads.Load(); n != 2 {
			t.Errorf("%d reads of a failing catalogue for 5 checks, want 2 (one read and its one retry)", n)
		}
	})
}

// catalogueProvider is a provider whose API client calls handler.
func catalogueProvider(t *testing.T, handler http.HandlerFunc) *providerData {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := iam.NewClient(iam.Config{Endpoint: srv.URL, TokenURL: srv.URL + "/connect/token", AccessToken: "token", MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &providerData{client: c}
}
