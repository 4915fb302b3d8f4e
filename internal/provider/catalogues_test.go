package provider

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	if _, err := c.get(cancelled, func(ctx context.Context) ([]string, error) { cancel(); return fetch(ctx) }); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if list, err := c.get(context.Background(), fetch); err != nil || len(list) != 1 {
				t.Errorf("got %v, %v", list, err)
			}
		})
	}
	wg.Wait()
	if n := reads.Load(); n != 2 {
		t.Errorf("%d reads, want 2 (the cancelled one, then one for all)", n)
	}

	// A failure that may pass is read again; a refusal is kept.
	for _, tc := range []struct {
		err       error
		wantReads int64
	}{
		{errors.New("connection reset"), 3},
		{&iam.APIError{StatusCode: http.StatusServiceUnavailable}, 3},
		{&iam.APIError{StatusCode: http.StatusTooManyRequests}, 3},
		{&iam.APIError{StatusCode: http.StatusForbidden}, 1},
	} {
		var failing cachedList[string]
		var n atomic.Int64
		for range 3 {
			if _, err := failing.get(context.Background(), func(context.Context) ([]string, error) { n.Add(1); return nil, tc.err }); !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
		}
		if n.Load() != tc.wantReads {
			t.Errorf("%v: %d reads for 3 calls, want %d", tc.err, n.Load(), tc.wantReads)
		}
	}

	// A caller waiting for another's read stops when its own context ends.
	var slow cachedList[string]
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = slow.get(context.Background(), func(context.Context) ([]string, error) { close(started); <-release; return nil, nil })
	}()
	<-started
	waiting, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if _, err := slow.get(waiting, fetch); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiter whose context ended got %v, want context.DeadlineExceeded", err)
	}
	close(release)
}
