package mockserver

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStress fires several hundred concurrent mixed requests and then checks
// that every successful create is visible and nothing deadlocked.
func TestStress(t *testing.T) {
	e := newEnv(t)
	const workers, perWorker = 200, 3 // 600 operations, each several requests, 200 at a time
	group := e.newGroup("stress")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var created sync.Map // clientID -> name
	var failures atomic.Int64
	client := &http.Client{Timeout: 20 * time.Second}
	do := func(method, path string, body any) *result {
		// env.call fails the test from another goroutine; use a local request instead.
		req := mustReq(t, ctx, e, method, path, body)
		resp, err := client.Do(req)
		if err != nil {
			failures.Add(1)
			return &result{}
		}
		defer resp.Body.Close()
		return &result{status: resp.StatusCode}
	}

	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				name := fmt.Sprintf("stress-%02d-%02d", w, i)
				req := mustReq(t, ctx, e, "POST", "/v1/clients", clientBodyOK(name))
				resp, err := client.Do(req)
				if err != nil || resp.StatusCode != http.StatusCreated {
					failures.Add(1)
					if resp != nil {
						resp.Body.Close()
					}
					continue
				}
				id := decodeID(resp)
				created.Store(id, name)
				sid := "client-" + id
				checks := []struct {
					status int
					res    *result
				}{
					{200, do("GET", "/v1/clients/"+id, nil)},
					{201, do("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "stress-secret", "description": ""})},
					{200, do("POST", "/v1/policies", map[string]any{"subject": sid, "scope": "/subscriptions/" + id, "action": "banking.ais.read"})},
					{204, do("POST", "/v1/subjects/groups/"+group+"/members", map[string]any{"subjectIds": []string{sid}})},
					{200, do("GET", "/v1/subjects?pageSize=50", nil)},
					{200, do("GET", "/v1/subjects/"+sid+"/permissions", nil)},
					{200, do("PUT", "/v1/clients/"+id, clientBodyOK(name))},
				}
				for _, c := range checks {
					if c.res.status != c.status {
						failures.Add(1)
					}
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("stress test timed out: deadlock?")
	}
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d requests failed", n)
	}
	want := workers * perWorker
	list := e.want(e.call("GET", "/v1/clients?searchText=stress-&pageSize=100", nil), 200)
	if list.num("metadata.totalCount") != want {
		t.Errorf("clients = %d, want %d", list.num("metadata.totalCount"), want)
	}
	if n := e.want(e.call("GET", "/v1/subjects/groups/"+group+"/members?pageSize=200", nil), 200).num("total"); n != want {
		t.Errorf("members = %d, want %d", n, want)
	}
	if n := e.want(e.call("GET", "/v1/policies?action=banking.ais.read&pageSize=200", nil), 200).num("total"); n != want {
		t.Errorf("policies = %d, want %d", n, want)
	}
}
