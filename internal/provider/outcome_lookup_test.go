package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// errLostAnswer stands for the answer a create lost.
var errLostAnswer = errors.New("502 Bad Gateway after the commit")

// lookupClient makes a client through the admin API: what a create whose answer was lost made.
func lookupClient(t *testing.T, e *testEnv, name string) string {
	t.Helper()
	c, err := e.API.CreateClient(testContext(t), iam.ClientRequest{Name: name,
		AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ClientID
}

func newLookupClientResource(e *testEnv) *iamClientResource {
	r := NewIAMClientResource().(*iamClientResource)
	r.data = &providerData{client: e.API}
	return r
}

// Two creates of one name lost their answers, and the API shows their clients late, one after the
// other: the look-up waits for both and names neither as "the" one to import.
func TestUnitOutcomeLookup_twoLostCreatesOfOneName(t *testing.T) {
	t.Parallel()
	var clock agingClock
	e := newTestEnv(t, clock.option)
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 3000})
	r := newLookupClientResource(e)
	a := lookupClient(t, e, "svc")
	clock.age(2 * time.Second)
	b := lookupClient(t, e, "svc")
	r.data.created.loseAnswer("client name svc")
	r.data.created.loseAnswer("client name svc")
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	if strings.Contains(msg, "exists now") || !strings.Contains(msg, a) || !strings.Contains(msg, b) ||
		!strings.Contains(msg, `2 creates of a client named "svc" lost their answers in this run`) {
		t.Errorf("the look-up must list both clients (%s, %s) and claim neither:\n%s", a, b, msg)
	}
}

// A client of the same name that existed before the apply is visible at once while the API still
// hides the one the lost create made: the look-up must not stop at the first and name it as the
// one to import; it waits out the lag and finds both.
func TestUnitOutcomeLookup_nameTakenBefore(t *testing.T) {
	t.Parallel()
	var clock agingClock
	e := newTestEnv(t, clock.option)
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 3000})
	r := newLookupClientResource(e)
	before := lookupClient(t, e, "svc")
	clock.age(10 * time.Second)
	made := lookupClient(t, e, "svc")
	r.data.created.loseAnswer("client name svc")
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	if strings.Contains(msg, "exists now") || !strings.Contains(msg, `Clients named "svc" now: `) ||
		!strings.Contains(msg, before) || !strings.Contains(msg, made) {
		t.Errorf("the look-up must list both clients (%s made before, %s made by the lost create) and claim neither:\n%s",
			before, made, msg)
	}
}

// A create of the same name that starts during the look-up, commits and records its client only
// later must not have that client offered for import.
func TestUnitOutcomeLookup_siblingDuringWait(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := newLookupClientResource(e)
	r.data.created.loseAnswer("client name svc")
	sibling := siblingCreate(t, e, r, 400*time.Millisecond)
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	checkSiblingNotOffered(t, msg, <-sibling)
}

// siblingCreate is another resource's create of a client named "svc" in the same run: it begins
// after start, makes the client at once through the API, and records it (then ends) only 1.5 s
// later, as a create whose answer is slow to come back does. The channel gets the client's id.
func siblingCreate(t *testing.T, e *testEnv, r *iamClientResource, start time.Duration) <-chan string {
	sibling := make(chan string, 1)
	time.AfterFunc(start, func() {
		end := r.data.created.begin("client name svc")
		id := lookupClient(t, e, "svc")
		time.Sleep(1500 * time.Millisecond)
		r.data.created.add("client " + id)
		end()
		sibling <- id
	})
	return sibling
}

// checkSiblingNotOffered checks that a look-up's message names the sibling's client as another
// resource's and offers no client for import.
func checkSiblingNotOffered(t *testing.T, msg, id string) {
	t.Helper()
	if strings.Contains(msg, "exists now") || !strings.Contains(msg, "which this run created for other resources: "+id) ||
		!strings.Contains(msg, "not one named above as another resource's") {
		t.Errorf("the sibling's client %s must be named as another resource's, never offered:\n%s", id, msg)
	}
}

// A look-up cut short says so, rather than that it waited its full time; an interrupt ends its
// waits at once.
func TestUnitOutcomeLookup_cutShort(t *testing.T) {
	defer func(timeout time.Duration) { outcomeLookupTimeout = timeout }(outcomeLookupTimeout)
	outcomeLookupTimeout = time.Second
	e := newTestEnv(t)
	r := newLookupClientResource(e)
	r.data.created.loseAnswer("client name nothing-here")
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "nothing-here", errLostAnswer)
	if want := `No client named "nothing-here" was visible after the failure, when the look-up ran out of time`; !strings.Contains(msg, want) {
		t.Errorf("missing %q in:\n%s", want, msg)
	}
	interrupt, stop := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, stop)
	start := time.Now()
	msg = r.outcomeUnknownDetail(context.Background(), interrupt, "nothing-here", errLostAnswer)
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the interrupt took %v to end the look-up", d)
	}
	if want := "when the interrupt cut the look-up short"; !strings.Contains(msg, want) {
		t.Errorf("missing %q in:\n%s", want, msg)
	}
}

// A sibling create that begins during a listing and commits before the listing is served is in
// it, but recorded as the sibling's only later: the listing must not count it as this create's.
func TestUnitOutcomeLookup_siblingCommitsDuringListing(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := newIAMClientResourceThrough(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/v1/clients" {
				time.Sleep(400 * time.Millisecond)
			}
			next.ServeHTTP(w, r)
		})
	})
	r.data.created.loseAnswer("client name svc") // this create made nothing
	// The sibling goes straight to the API: its client is made before the slow listing is served.
	sibling := siblingCreate(t, e, r, 100*time.Millisecond)
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	checkSiblingNotOffered(t, msg, <-sibling)
}

// A create of the same name that outlasts the look-up (a hung attempt) does not make the look-up
// wait past its window, nor report its own end as a failed listing; what it listed is named.
func TestUnitOutcomeLookup_siblingOutlastsLookup(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := newLookupClientResource(e)
	mine := lookupClient(t, e, "svc")
	r.data.created.loseAnswer("client name svc")
	end := r.data.created.begin("client name svc")
	defer end()
	start := time.Now()
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	if d := time.Since(start); d > lostCreateLagWindow+3*time.Second {
		t.Errorf("the look-up took %v, past its window of %v", d, lostCreateLagWindow)
	}
	for _, want := range []string{`Clients named "svc" now: ` + mine + ".",
		`Another create of a client named "svc" in this apply was still running when the look-up ended, so one of these may be that resource's.`} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "failed as well") || strings.Contains(msg, "exists now") {
		t.Errorf("a look-up held up by a sibling reads as a failure or a claim:\n%s", msg)
	}
}

// An interrupt while the look-up waits for a sibling ends it at once and says so; an interrupt in
// the wait after a listing that found the client still names it.
func TestUnitOutcomeLookup_interruptWhileSiblingRuns(t *testing.T) {
	defer func(d time.Duration) { outcomeLookupGrace = d }(outcomeLookupGrace)
	outcomeLookupGrace = 2 * time.Second
	e := newTestEnv(t)
	r := newLookupClientResource(e)
	r.data.created.loseAnswer("client name svc")
	end := r.data.created.begin("client name svc")
	defer end()
	interrupt, stop := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, stop)
	start := time.Now()
	msg := r.outcomeUnknownDetail(context.Background(), interrupt, "svc", errLostAnswer)
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("the interrupt took %v to end the look-up", d)
	}
	if want := `No client named "svc" was visible after the failure, when the interrupt cut the look-up short`; !strings.Contains(msg, want) {
		t.Errorf("missing %q in:\n%s", want, msg)
	}

	mine := lookupClient(t, e, "svc")
	interrupt, stop = context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, stop)
	msg = r.outcomeUnknownDetail(context.Background(), interrupt, "svc", errLostAnswer)
	if want := `Clients named "svc" now: ` + mine + "."; !strings.Contains(msg, want) {
		t.Errorf("missing %q in:\n%s", want, msg)
	}
}

// A look-up cut short in the middle of a listing reports what the last listing that went through
// found (a listing cut short hands out nothing), saying so, and names no client as the one.
func TestUnitOutcomeLookup_cutShortMidListing(t *testing.T) {
	defer func(timeout time.Duration) { outcomeLookupTimeout = timeout }(outcomeLookupTimeout)
	outcomeLookupTimeout = 2 * time.Second
	e := newTestEnv(t)
	var lists atomic.Int64
	r := newIAMClientResourceThrough(t, e, observe(func(r *http.Request) {
		if r.URL.Path == "/v1/clients" && lists.Add(1) > 1 {
			<-r.Context().Done() // every listing after the first hangs until the look-up gives up
		}
	}))
	id := lookupClient(t, e, "svc")
	r.data.created.loseAnswer("client name svc")
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	want := `Clients named "svc" now: ` + id + ` (as the last listing before the look-up was cut short found them).`
	if !strings.Contains(msg, want) || strings.Contains(msg, "exists now") || strings.Contains(msg, "failed as well") {
		t.Errorf("want %q, and no claim, in:\n%s", want, msg)
	}
	if lists.Load() < 2 {
		t.Errorf("%d listings; the test needs the look-up cut short in the second", lists.Load())
	}
}

// A listing that fails after one went through and found the client (the look-up lists again
// while it waits out the API's lag) does not lose what that one found: the client is named,
// with the failure, and not claimed as the one.
func TestUnitOutcomeLookup_laterListingFails(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var lists atomic.Int64
	r := newIAMClientResourceThrough(t, e, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/clients" && lists.Add(1) > 1 {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"title":"Forbidden","status":403}`))
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	id := lookupClient(t, e, "svc")
	r.data.created.loseAnswer("client name svc")
	msg := r.outcomeUnknownDetail(context.Background(), context.Background(), "svc", errLostAnswer)
	want := `Clients named "svc" now: ` + id + ` (as the last listing that went through found them; listing again failed: `
	if !strings.Contains(msg, want) || !strings.Contains(msg, "403") || strings.Contains(msg, "exists now") || strings.Contains(msg, "failed as well") {
		t.Errorf("want %q, the 403, and no claim, in:\n%s", want, msg)
	}
}

// A secret of the same description made moments before the request (an earlier run's stray, a lost
// create applied again at once) is visible while the API still hides the one this request made:
// the look-up must not stop at it and name it alone; it waits and lists both.
func TestUnitOutcomeLookup_secretMadeJustBefore(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	time.Sleep(2100 * time.Millisecond) // the client is older than the lag
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 2000})
	earlier, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "earlier-stray-1", Description: "rotation 1"})
	if err != nil {
		t.Fatal(err)
	}
	// 1.5 s before the request: within the clock margin, and beyond the second a Date header's
	// reading of the server's clock may be early by.
	time.Sleep(1500 * time.Millisecond)
	started := time.Now()
	mine, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "this-runs-stray", Description: "rotation 1"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // the earlier one shows now, this one in 1.4 s
	r := testClientSecretResource(e.API, time.Now)
	r.data.created.loseAnswer(secretLookupKey(clientID, "rotation 1"))
	msg := r.outcomeUnknownDetail(ctx, ctx, clientID, "rotation 1", "this-runs-stray", "configured", started, errLostAnswer)
	if !strings.Contains(msg, clientID+"/"+mine.ClientSecretID) || !strings.Contains(msg, clientID+"/"+earlier.ClientSecretID) {
		t.Errorf("the look-up must list this request's secret %s next to the earlier %s:\n%s",
			mine.ClientSecretID, earlier.ClientSecretID, msg)
	}
}

// The secrets of a client this process created moments ago answer 404 while a lagging API does not
// know the client yet: the look-up waits that out, as the create did, instead of reporting the
// client as not found.
func TestUnitOutcomeLookup_secretOfFreshClient(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := testContext(t)
	clientID := testAccIAMClientSecretParent(t, e)
	started := time.Now()
	mine, err := e.API.CreateClientSecret(ctx, clientID, iam.SecretRequest{Value: "fresh-client-stray", Description: "deploy"})
	if err != nil {
		t.Fatal(err)
	}
	// The API forgets the client for a moment, as a lagging one does just after the create.
	e.Mock.SetFaults(mockserver.Faults{ReadLagMS: 60_000})
	go func() {
		time.Sleep(1500 * time.Millisecond)
		e.Mock.SetFaults(mockserver.Faults{})
	}()
	r := testClientSecretResource(e.API, time.Now)
	r.data.created.add("client " + clientID)
	r.data.created.loseAnswer(secretLookupKey(clientID, "deploy"))
	msg := r.outcomeUnknownDetail(ctx, ctx, clientID, "deploy", "fresh-client-stray", "configured", started, errLostAnswer)
	if strings.Contains(msg, "failed as well") || !strings.Contains(msg, clientID+"/"+mine.ClientSecretID) {
		t.Errorf("the look-up must wait for the client and find secret %s:\n%s", mine.ClientSecretID, msg)
	}
}
