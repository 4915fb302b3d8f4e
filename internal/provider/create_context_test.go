package provider

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCreateContext(t *testing.T) {
	t.Parallel()
	received := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received <- struct{}{}
		time.Sleep(300 * time.Millisecond) // the answer takes a while, like a slow API
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	post := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(`{"name":"x"}`))
		if err != nil {
			return nil, err
		}
		return http.DefaultClient.Do(req)
	}

	t.Run("interrupt before sending stops at once", func(t *testing.T) {
		parent, stop := context.WithCancel(context.Background())
		ctx, cancel := createContext(parent, time.Minute)
		defer cancel()
		stop()
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			t.Fatal("the create context ignored an interrupt before any request was sent")
		}
	})

	t.Run("interrupt after sending lets the create finish", func(t *testing.T) {
		parent, stop := context.WithCancel(context.Background())
		ctx, cancel := createContext(parent, time.Minute)
		defer cancel()
		go func() {
			<-received
			stop() // Terraform's graceful stop, while the API works on the create
		}()
		resp, err := post(ctx)
		if err != nil {
			t.Fatalf("the interrupt aborted a create the API had received: %v", err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})

	t.Run("the timeout still bounds it", func(t *testing.T) {
		ctx, cancel := createContext(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		resp, err := post(ctx)
		if err == nil {
			_ = resp.Body.Close()
			t.Fatal("a create slower than its timeout succeeded")
		}
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Fatalf("the timeout of 100ms ended the request after %s", d)
		}
	})
}
