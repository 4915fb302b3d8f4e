package mockserver

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// statusSequence sends n GETs and records the statuses.
func statusSequence(e *env, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = e.call("GET", "/v1/clients", nil).status
	}
	return out
}

func TestFaultDeterminism(t *testing.T) {
	f := Faults{ErrorRate: 0.5, Seed: 42}
	run := func() []int {
		e := newEnv(t)
		e.ts.SetFaults(f)
		return statusSequence(e, 40)
	}
	a, b := run(), run()
	fails := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sequences differ at %d: %v vs %v", i, a, b)
		}
		if a[i] != 200 {
			fails++
			if a[i] != 500 && a[i] != 502 && a[i] != 503 {
				t.Errorf("unexpected status %d", a[i])
			}
		}
	}
	if fails == 0 || fails == len(a) {
		t.Errorf("error rate 0.5 gave %d/%d failures", fails, len(a))
	}
	// Options.Seed is used when Faults.Seed is 0.
	seeded := func() []int {
		e := newEnv(t, func(o *Options) { o.Seed = 7 })
		e.ts.SetFaults(Faults{ErrorRate: 0.5})
		return statusSequence(e, 20)
	}
	c, d := seeded(), seeded()
	for i := range c {
		if c[i] != d[i] {
			t.Fatalf("Options.Seed not deterministic: %v vs %v", c, d)
		}
	}
}

func TestFaultErrorsLeaveStateAlone(t *testing.T) {
	e := newEnv(t)
	e.ts.SetFaults(Faults{ErrorRate: 1})
	for range 10 {
		res := e.call("POST", "/v1/clients", clientBodyOK("never"))
		if res.status < 500 {
			t.Fatalf("status %d", res.status)
		}
		if res.status == 503 && res.header.Get("Retry-After") != "1" {
			t.Errorf("503 without Retry-After")
		}
	}
	e.ts.SetFaults(Faults{})
	if n := e.want(e.call("GET", "/v1/clients?searchText=never", nil), 200).num("metadata.totalCount"); n != 0 {
		t.Errorf("%d clients created by failed requests", n)
	}
	// Token requests are not subject to ErrorRate.
	e.ts.SetFaults(Faults{ErrorRate: 1})
	e.mustToken(testAdminID, testAdminSecret)
}

func TestFaultRateLimit(t *testing.T) {
	e := newEnv(t)
	e.ts.SetFaults(Faults{RateLimitRPS: 0.5, RateLimitBurst: 3})
	for range 3 {
		e.want(e.call("GET", "/v1/clients", nil), 200)
	}
	res := e.call("GET", "/v1/clients", nil)
	e.wantProblem(res, 429, "", "")
	ra, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 2 {
		t.Errorf("Retry-After = %q", res.header.Get("Retry-After"))
	}
	e.golden("fault_429", res)
	// The token endpoint shares the bucket.
	tok := e.tokenReq("/connect/token", nil, nil)
	if tok.status != 429 || tok.header.Get("Retry-After") == "" {
		t.Errorf("token endpoint not limited: %d", tok.status)
	}
	// Control endpoints are never limited.
	for range 5 {
		if r := e.callAs("", "GET", "/_mock/stats", nil); r.status != 200 {
			t.Fatalf("control limited: %d", r.status)
		}
	}
}

func TestFaultLatency(t *testing.T) {
	e := newEnv(t)
	e.ts.SetFaults(Faults{LatencyMS: 3000, JitterMS: 10})
	start := time.Now()
	e.want(e.call("GET", "/v1/clients", nil), 200)
	if d := time.Since(start); d < 3000*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
	start = time.Now()
	e.want(e.callAs("", "GET", "/_mock/faults", nil), 200)
	if d := time.Since(start); d >= 2000*time.Millisecond { // far below the latency, far above a busy answer
		t.Errorf("latency applied to /_mock/: %v", d)
	}
}

func TestFaultReadLag(t *testing.T) {
	e := newEnv(t)
	e.ts.SetFaults(Faults{ReadLagMS: 1000})
	id := e.newClient("laggy")
	sid := "client-" + id
	e.wantProblem(e.call("GET", "/v1/clients/"+id, nil), 404, "", "")
	if n := e.want(e.call("GET", "/v1/clients?searchText=laggy", nil), 200).num("metadata.totalCount"); n != 0 {
		t.Errorf("lagging client listed")
	}
	// The writes that name it do not see it yet either.
	e.wantProblem(e.call("POST", "/v1/policies", map[string]any{"subject": sid, "scope": "/", "action": "owner"}),
		400, "subject", "subject \""+sid+"\" does not exist")
	e.wantProblem(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "12345678", "description": ""}), 404, "", "")
	e.wantProblem(e.call("PUT", "/v1/clients/"+id, clientBodyOK("renamed")), 404, "", "")
	group := e.newGroup("laggy-group")
	e.wantProblem(e.call("POST", "/v1/subjects/groups/"+group+"/members", map[string]any{"subjectIds": []string{"user-" + SeedUserAliceID}}),
		404, "", "")
	// A lagging object is still there for conflicts and deletes.
	alice := "user-" + SeedUserAliceID
	e.grant(alice, "/lags/1", "owner")
	e.wantProblem(e.call("POST", "/v1/policies", map[string]any{"subject": alice, "scope": "/lags/1", "action": "owner"}), 409, "", "")
	if n := e.want(e.call("GET", "/v1/policies?subject="+alice+"&scope=/lags/1", nil), 200).num("total"); n != 0 {
		t.Errorf("lagging policy listed")
	}
	// The admin client (seeded) is never hidden, nor is its bootstrap secret, which shows when
	// it was made rather than the zero time.
	e.want(e.call("GET", "/v1/clients/"+testAdminID, nil), 200)
	if got := e.want(e.call("GET", "/v1/clients/"+testAdminID+"/secrets", nil), 200).str("items.0.created"); got != "2030-01-01T12:00:00Z" {
		t.Errorf("bootstrap secret created = %q, want the start time 2030-01-01T12:00:00Z", got)
	}

	e.clock.Advance(time.Second)
	e.want(e.call("GET", "/v1/clients/"+id, nil), 200)
	if n := e.want(e.call("GET", "/v1/policies?subject="+alice+"&scope=/lags/1", nil), 200).num("total"); n != 1 {
		t.Errorf("policy not visible after the lag")
	}
	e.grant(sid, "/", "owner")
	e.want(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "12345678", "description": ""}), 201)
	e.want(e.call("PUT", "/v1/clients/"+id, clientBodyOK("renamed")), 200)
	e.want(e.call("POST", "/v1/subjects/groups/"+group+"/members", map[string]any{"subjectIds": []string{sid}}), 204)
	// A group made after the client, still lagging, is refused as a member.
	late := e.newGroup("late-group")
	e.wantProblem(e.call("POST", "/v1/subjects/groups/"+group+"/members", map[string]any{"subjectIds": []string{"group-" + late}}),
		400, "subjectIds", "does not exist")
	other := e.newClient("deletable")
	e.want(e.call("DELETE", "/v1/clients/"+other, nil), 204)
}

func TestFaultCommitThenFail(t *testing.T) {
	e := newEnv(t)
	e.ts.SetFaults(Faults{CommitThenFailRate: 1})
	res := e.call("POST", "/v1/clients", clientBodyOK("ghost-write"))
	e.wantProblem(res, 502, "", "")
	e.golden("fault_502_commit", res)
	// Validation failures are not turned into 502s (nothing was committed).
	e.wantProblem(e.call("POST", "/v1/clients", map[string]any{}), 400, "name", "required")
	// Non-create writes are not affected.
	e.ts.SetFaults(Faults{})
	list := e.want(e.call("GET", "/v1/clients?searchText=ghost-write", nil), 200)
	if list.num("metadata.totalCount") != 1 {
		t.Fatalf("the create did not commit: %s", list.raw)
	}
	id := list.str("items.0.clientId")
	e.ts.SetFaults(Faults{CommitThenFailRate: 1})
	e.want(e.call("PUT", "/v1/clients/"+id, clientBodyOK("renamed")), 200)
	e.wantProblem(e.call("POST", "/v1/policies", map[string]any{"subject": "client-" + id, "scope": "/", "action": "owner"}), 502, "", "")
	e.wantProblem(e.call("POST", "/v1/subjects/groups", map[string]any{"displayName": "g"}), 502, "", "")
	e.wantProblem(e.call("POST", "/v1/clients/"+id+"/secrets", map[string]any{"value": "12345678", "description": ""}), 502, "", "")
	e.ts.SetFaults(Faults{})
	if n := e.want(e.call("GET", "/v1/policies?subject=client-"+id, nil), 200).num("total"); n != 1 {
		t.Errorf("policy not committed")
	}
	e.wantProblem(e.call("POST", "/v1/policies", map[string]any{"subject": "client-" + id, "scope": "/", "action": "owner"}), 409, "", "")
}

func TestControlEndpoints(t *testing.T) {
	e := newEnv(t)
	put := e.callAs("", "PUT", "/_mock/faults", map[string]any{"latencyMs": 0, "errorRate": 0.25, "seed": 9})
	e.want(put, 200)
	if got := e.ts.Faults(); got.ErrorRate != 0.25 || got.Seed != 9 {
		t.Errorf("faults = %+v", got)
	}
	e.golden("control_faults", e.want(e.callAs("", "GET", "/_mock/faults", nil), 200))
	e.wantProblem(e.callAs("", "PUT", "/_mock/faults", map[string]any{"errorRate": 2}), 400, "errorRate", "between 0 and 1")
	e.wantProblem(e.callAs("", "PUT", "/_mock/faults", "nope"), 400, "", "not valid JSON")
	e.ts.SetFaults(Faults{})

	e.ts.ResetStats()
	e.want(e.call("GET", "/v1/clients/"+testAdminID, nil), 200)
	e.want(e.call("GET", "/v1/clients/nope", nil), 404)
	e.mustToken(testAdminID, testAdminSecret)
	e.want(e.call("DELETE", "/v1/clients", nil), 405)
	e.want(e.call("GET", "/v1/nope", nil), 404)
	st := e.ts.Stats()
	if st.Count("GET", "/v1/clients/{clientId}") != 2 || st.CountStatus("GET", "/v1/clients/{clientId}", 404) != 1 ||
		st.CountStatus("POST", "/connect/token", 200) != 1 || st.CountStatus("DELETE", "/v1/clients", 405) != 1 ||
		st.CountStatus("GET", "/v1/", 404) != 1 || st.Total != 5 {
		t.Errorf("stats = %+v", st)
	}
	res := e.want(e.callAs("", "GET", "/_mock/stats", nil), 200)
	e.golden("control_stats", res)
	e.want(e.callAs("", "DELETE", "/_mock/stats", nil), 204)
	if e.ts.Stats().Total != 0 {
		t.Error("stats not reset")
	}
	// ServeMux sends HEAD to a GET route; it counts as what it was.
	if r := e.call("HEAD", "/v1/clients", nil); r.status != 200 {
		t.Errorf("HEAD /v1/clients = %d", r.status)
	}
	if st := e.ts.Stats(); st.CountStatus("HEAD", "/v1/clients", 200) != 1 || st.Count("GET", "/v1/clients") != 0 {
		t.Errorf("stats after a HEAD = %+v", st)
	}

	id := e.newClient("temp")
	// A web page's request (it carries an Origin) does not reach the control endpoints.
	req, err := http.NewRequest(http.MethodPost, e.ts.URL+"/_mock/reset", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Content-Type", "text/plain")
	e.wantProblem(e.send(req), 403, "", "")
	e.want(e.call("GET", "/v1/clients/"+id, nil), 200)
	e.want(e.callAs("", "POST", "/_mock/reset", nil), 204)
	e.wantProblem(e.call("GET", "/v1/clients/"+id, nil), 404, "", "") // the admin token survived the reset
	if n := e.want(e.call("GET", "/v1/subjects", nil), 200).num("total"); n != 5 {
		t.Errorf("after reset: %d subjects", n)
	}
	e.wantProblem(e.callAs("", "GET", "/_mock/nope", nil), 404, "", "")
	e.wantProblem(e.callAs("", "GET", "/_mock/reset", nil), 405, "", "")

	off := newEnv(t, func(o *Options) { o.EnableControl = false })
	off.wantProblem(off.callAs("", "GET", "/_mock/stats", nil), 404, "", "")
	if off.ts.Stats().Total == 0 {
		t.Error("stats not counted with control off")
	}
}

func TestStatsCountRetryable(t *testing.T) {
	s := Stats{Requests: map[string]int64{
		"GET /v1/clients 200": 7, "GET /v1/clients 429": 2, "POST /v1/clients 502": 1,
		"POST /connect/token 503": 3, "DELETE /v1/policies 404": 4, "malformed": 9,
	}}
	if got := s.CountRetryable(); got != 6 {
		t.Errorf("CountRetryable = %d, want 6 (429 ×2, 502, 503 ×3)", got)
	}
}

// A misspelt fault setting is refused, naming it: ignored, it would leave the fault off.
func TestControlFaultsUnknownField(t *testing.T) {
	e := newEnv(t)
	res := e.callAs("", "PUT", "/_mock/faults", map[string]any{"errorRat": 1, "latencyMs": 5})
	e.wantProblem(res, 400, "errorRat", "errorRat is not a fault setting")
	if f := e.ts.Faults(); f.LatencyMS != 0 || f.ErrorRate != 0 {
		t.Errorf("faults changed by a refused request: %+v", f)
	}
}

// Names match exactly, as documented: encoding/json alone would take readlagMs for readLagMs.
// A fraction where a whole number belongs is refused as such.
func TestControlFaultsFieldCaseAndKinds(t *testing.T) {
	e := newEnv(t)
	e.wantProblem(e.callAs("", "PUT", "/_mock/faults", map[string]any{"readlagMs": 1000}),
		400, "readlagMs", "readlagMs is not a fault setting; did you mean readLagMs?")
	e.wantProblem(e.callAs("", "PUT", "/_mock/faults", map[string]any{"latencyMs": 100.7}),
		400, "latencyMs", "latencyMs must be an integer in range, written without a fraction or exponent (such as 250)")
	// The name is checked before the value.
	e.wantProblem(e.callAs("", "PUT", "/_mock/faults", map[string]any{"readlagMs": 1.5}),
		400, "readlagMs", "readlagMs is not a fault setting; did you mean readLagMs?")
	if f := e.ts.Faults(); f.ReadLagMS != 0 || f.LatencyMS != 0 {
		t.Errorf("faults changed by a refused request: %+v", f)
	}
	e.want(e.callAs("", "PUT", "/_mock/faults", map[string]any{"readLagMs": 1000, "errorRate": 0.5}), 200)
}
