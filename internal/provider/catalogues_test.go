package provider

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
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
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.get(cancelled, fetch); !errors.Is(err, context.Canceled) {
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

	var failing cachedList[string]
	boom := errors.New("403")
	for range 3 {
		if _, err := failing.get(context.Background(), func(context.Context) ([]string, error) { reads.Add(1); return nil, boom }); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want %v", err, boom)
		}
	}
	if n := reads.Load(); n != 3 {
		t.Errorf("%d reads, want 3 (a failed read is kept)", n)
	}
}
