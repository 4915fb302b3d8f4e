package provider

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func TestOutcomeLookupContext(t *testing.T) {
	defer func(timeout, grace time.Duration) { outcomeLookupTimeout, outcomeLookupGrace = timeout, grace }(
		outcomeLookupTimeout, outcomeLookupGrace)
	outcomeLookupTimeout, outcomeLookupGrace = time.Minute, 200*time.Millisecond
	type key struct{}

	t.Run("outlives the create's deadline", func(t *testing.T) {
		parent, cancelParent := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Millisecond)
		defer cancelParent()
		<-parent.Done()
		lookup, cancel := outcomeLookupContext(parent, parent)
		defer cancel()
		time.Sleep(2 * outcomeLookupGrace)
		if err := lookup.Err(); err != nil {
			t.Fatalf("look-up ended with its create's deadline: %v", err)
		}
		if lookup.Value(key{}) != "v" {
			t.Fatal("look-up lost the create's values")
		}
		if deadline, ok := lookup.Deadline(); !ok || time.Until(deadline) < 50*time.Second {
			t.Fatalf("look-up deadline = %v, %v; want about a minute away", deadline, ok)
		}
		cancel()
		if lookup.Err() == nil {
			t.Fatal("cancel did not end the look-up")
		}
	})

	// As in Create: the create's context comes from iam.CreateContext, which no longer heeds an
	// interrupt once the create may have been applied (here: answered 500); the interrupt arrives
	// on the request's context, which the look-up watches.
	for name, interruptFirst := range map[string]bool{"interrupted during the look-up": false, "interrupted before it": true} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusInternalServerError)
			}))
			defer srv.Close()
			api, err := iam.NewClient(iam.Config{Endpoint: srv.URL, AccessToken: "token", MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			request, interrupt := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
			defer interrupt()
			create, cancelCreate := iam.CreateContext(request, time.Minute)
			defer cancelCreate()
			if _, err := api.CreateClient(create, iam.ClientRequest{Name: "n"}); !errors.Is(err, iam.ErrOutcomeUnknown) {
				t.Fatalf("create = %v, want an unknown outcome", err)
			}
			if interruptFirst {
				interrupt()
			}
			lookup, cancel := outcomeLookupContext(create, request)
			defer cancel()
			start := time.Now()
			interrupt()
			if lookup.Err() != nil {
				t.Fatal("an interrupt ended the look-up at once, leaving no time to list what may exist")
			}
			if lookup.Value(key{}) != "v" {
				t.Fatal("look-up lost the create's values")
			}
			select {
			case <-lookup.Done():
				if waited := time.Since(start); waited < outcomeLookupGrace/2 {
					t.Fatalf("look-up ended %v after the interrupt; want about %v", waited, outcomeLookupGrace)
				}
			case <-time.After(10 * outcomeLookupGrace):
				t.Fatalf("look-up still running %v after an interrupt (the create's context: %v)", 10*outcomeLookupGrace, create.Err())
			}
		})
	}
}

func TestDeletesHereAwait(t *testing.T) {
	t.Parallel()
	const grace = 2 * time.Second // wide: timers fire late on a busy machine
	ctx := context.Background()

	t.Run("a delete in flight is waited for, beyond the grace", func(t *testing.T) {
		t.Parallel()
		var d deletesHere
		end := d.begin("p")
		time.AfterFunc(2*grace, func() { end(true) })
		start := time.Now()
		if !d.await(ctx, "p", grace) {
			t.Fatal("await = false, want true: the delete succeeded")
		}
		if waited := time.Since(start); waited < 2*grace {
			t.Fatalf("await returned after %v, before the delete ended", waited)
		}
		if d.await(ctx, "p", 0) {
			t.Fatal("a second await used the same delete again")
		}
	})
	t.Run("a delete that starts within the grace counts", func(t *testing.T) {
		t.Parallel()
		var d deletesHere
		time.AfterFunc(grace/3, func() { d.begin("p")(true) })
		if !d.await(ctx, "p", grace) {
			t.Fatal("await = false, want true")
		}
	})
	t.Run("no delete: false after the grace", func(t *testing.T) {
		t.Parallel()
		var d deletesHere
		d.begin("other")(true)
		start := time.Now()
		if d.await(ctx, "p", grace) {
			t.Fatal("await = true without a delete of p")
		}
		if waited := time.Since(start); waited < grace {
			t.Fatalf("gave up after %v, before the grace of %v", waited, grace)
		}
	})
	t.Run("a failed delete does not count", func(t *testing.T) {
		t.Parallel()
		var d deletesHere
		d.begin("p")(false)
		if d.await(ctx, "p", grace) {
			t.Fatal("await = true after a failed delete")
		}
	})
	t.Run("ctx ends the wait", func(t *testing.T) {
		t.Parallel()
		var d deletesHere
		defer d.begin("p")(true)
		short, cancel := context.WithTimeout(ctx, grace/3)
		defer cancel()
		start := time.Now()
		if d.await(short, "p", time.Minute) {
			t.Fatal("await = true although ctx ended first")
		}
		if waited := time.Since(start); waited > grace {
			t.Fatalf("await ran %v past its context", waited)
		}
	})
}

// TestTimeoutHint: the operation's own deadline points at the timeouts block; a request's timeout
// with time left points at request_timeout; a name server's timeout at neither.
func TestTimeoutHint(t *testing.T) {
	t.Parallel()
	op := withOperation(context.Background(), "read")
	expired, cancel := context.WithDeadline(op, time.Now().Add(-time.Second))
	defer cancel()
	for name, tc := range map[string]struct {
		ctx  context.Context
		err  error
		want string
	}{
		"operation deadline": {expired, context.DeadlineExceeded, "Raise read in this resource's timeouts block"},
		"request timeout":    {op, fmt.Errorf("no answer within the request timeout of 1s: %w", context.DeadlineExceeded), "Raise request_timeout in the provider block"},
		"dns timeout":        {op, &net.DNSError{Err: "i/o timeout", Name: "iam.example.com", IsTimeout: true}, ""},
		"other":              {op, errors.New("connection refused"), ""},
	} {
		got := resourceTimeoutHint(tc.ctx, tc.err)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: hint %q, want one with %q", name, got, tc.want)
		}
	}
}

// createAfterClient makes a create again only while the answer is one a lagging API gives and the
// client was made by this process moments ago: otherwise the first answer stands.
func TestCreateAfterClient(t *testing.T) {
	t.Parallel()
	lagging := func(err error) bool { return errors.Is(err, iam.ErrNotFound) }
	notYet := &iam.APIError{StatusCode: 404}
	for _, tc := range []struct {
		name      string
		created   time.Duration // how long ago this process made the client; 0: it did not
		answers   []error       // the answers of the create, in turn; nil is success
		wantCalls int
		wantErr   error
	}{
		{"made here moments ago", time.Second, []error{notYet, notYet, nil}, 3, nil},
		{"not made here", 0, []error{notYet, nil}, 1, iam.ErrNotFound},
		{"made here long ago", readAfterCreateWindow, []error{notYet, nil}, 1, iam.ErrNotFound},
		{"another refusal", time.Second, []error{&iam.APIError{StatusCode: 409}, nil}, 1, iam.ErrConflict},
		{"success at once", time.Second, []error{nil}, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var created createdHere
			if tc.created > 0 {
				created.add("client c1")
				created.ids["client c1"] = time.Now().Add(-tc.created)
			}
			calls := 0
			v, err := createAfterClient(context.Background(), context.Background(), &created, "c1", lagging, func(context.Context) (int, error) {
				calls++
				return calls, tc.answers[calls-1]
			})
			if calls != tc.wantCalls || v != calls {
				t.Errorf("create called %d times (result %d), want %d", calls, v, tc.wantCalls)
			}
			if (tc.wantErr == nil) != (err == nil) || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// An interrupt ends the wait between attempts at once, though the create's own context (which
// must not cut an attempt short) lives on; and the error says the wait was cut, not the client
// gone.
func TestCreateAfterClientInterrupted(t *testing.T) {
	t.Parallel()
	var created createdHere
	created.add("client c1")
	interrupt, stop := context.WithCancel(context.Background())
	calls := 0
	start := time.Now()
	_, err := createAfterClient(context.Background(), interrupt, &created, "c1", iam.IsNotFound, func(ctx context.Context) (int, error) {
		calls++
		if ctx.Err() != nil {
			t.Error("an attempt ran on a cancelled context")
		}
		stop() // the user presses Ctrl-C while the first attempt is out
		return 0, &iam.APIError{StatusCode: 404}
	})
	if calls != 1 || !errors.Is(err, context.Canceled) || iam.IsNotFound(err) {
		t.Errorf("after %d attempts: error %v, want one attempt and context.Canceled, not a not found", calls, err)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("the interrupt took %v to end the wait", d)
	}
}

func TestClientLagHint(t *testing.T) {
	t.Parallel()
	var created createdHere
	created.add("client mine")
	created.ids["client mine"] = time.Now().Add(-readAfterCreateWindow + 300*time.Millisecond)
	notYet := &iam.APIError{StatusCode: 404}
	_, err := createAfterClient(context.Background(), context.Background(), &created, "mine", iam.IsNotFound,
		func(context.Context) (int, error) { return 0, notYet })
	if !iam.IsNotFound(err) {
		t.Fatalf("error %v no longer matches the API's not found", err)
	}
	want := regexp.MustCompile(`^This apply created client "mine" \d+s before, and the API still did not know it after the provider ` +
		`waited \d+s for it: unless it was deleted in the meantime, the API is slow to show new objects. Apply again in a moment.$`)
	if got := clientLagHint(err); !want.MatchString(got) {
		t.Errorf("hint = %q", got)
	}
	if got := createSecretHint(err, "mine"); !want.MatchString(got) {
		t.Errorf("secret create hint = %q, want the lag hint", got)
	}
	if got := unknownSubjectHint(&clientLagError{err: &iam.APIError{StatusCode: 400, FieldErrors: map[string][]string{"subject": {"x"}}},
		clientID: "mine"}); !strings.HasPrefix(got, `This apply created client "mine"`) {
		t.Errorf("policy create hint = %q, want the lag hint", got)
	}
	// Not waited for (made elsewhere, or long ago): no lag hint.
	if got := createSecretHint(notYet, "theirs"); !strings.Contains(got, "deleted outside Terraform") {
		t.Errorf("secret create hint for a client made elsewhere = %q", got)
	}
	if got := clientLagHint(notYet); got != "" {
		t.Errorf("lag hint for an answer that was not waited on: %q", got)
	}
	created.add("client old")
	created.ids["client old"] = time.Now().Add(-2 * time.Minute)
	_, err = createAfterClient(context.Background(), context.Background(), &created, "old", iam.IsNotFound,
		func(context.Context) (int, error) { return 0, notYet })
	if got := clientLagHint(err); got != "" {
		t.Errorf("lag hint for a client made long before, not waited for: %q", got)
	}
}

// retryWhile waits the window it is given in full: the last backoff step that does not fit is
// cut to end at the deadline and followed by one more try, so "waited 5s" in a message is true.
func TestUnitRetryWhile_waitsTheWholeWindow(t *testing.T) {
	t.Parallel()
	errAgain := errors.New("not yet")
	start := time.Now()
	deadline := start.Add(1200 * time.Millisecond)
	var calls int
	var last time.Time
	_, err := retryWhile(context.Background(), deadline, func(err error) bool { return errors.Is(err, errAgain) },
		func(context.Context) (int, error) { calls, last = calls+1, time.Now(); return 0, errAgain }, 0, errAgain)
	if !errors.Is(err, errAgain) {
		t.Fatalf("err = %v, want the last answer", err)
	}
	// Waits of 250 ms and 500 ms, then the 1 s step cut to the 450 ms left: three more tries.
	if calls != 3 {
		t.Errorf("%d tries after the first, want 3", calls)
	}
	if last.Before(deadline) || last.After(deadline.Add(300*time.Millisecond)) {
		t.Errorf("last try %v after the start, want at the deadline (%v)", last.Sub(start), deadline.Sub(start))
	}
}

// retryWhileFrom with a first wait of half the window tries twice more: halfway and at the end
// (the check of a fresh secret counts each refused try against the endpoint's login throttle).
func TestUnitRetryWhileFrom_halfTheWindow(t *testing.T) {
	t.Parallel()
	errAgain := errors.New("refused")
	var calls int
	_, _ = retryWhileFrom(context.Background(), 400*time.Millisecond, time.Now().Add(800*time.Millisecond),
		func(err error) bool { return errors.Is(err, errAgain) },
		func(context.Context) (int, error) { calls++; return 0, errAgain }, 0, errAgain)
	if calls != 2 {
		t.Errorf("%d tries after the first, want 2", calls)
	}
}

func TestUnitPolicyHandovers(t *testing.T) {
	t.Parallel()
	var h policyHandovers
	if ring := h.replace("A", "B"); ring != nil {
		t.Fatalf("a first replacement closes %v", ring)
	}
	if ring := h.replace("B", "C"); ring != nil {
		t.Fatalf("a chain closes %v", ring)
	}
	if ring := h.replace("C", "A"); !slices.Equal(ring, []string{"C", "A", "B", "C"}) {
		t.Fatalf("the ring closed is %v, want C → A → B → C", ring)
	}
	if ring := h.replace("D", "A"); ring != nil {
		t.Fatalf("a replacement into a ring it is not part of closes %v", ring)
	}
}

func TestUnitCanonicalEndpoint(t *testing.T) {
	t.Parallel()
	for _, same := range [][2]string{
		{"http://127.0.0.1:8089", "HTTP://127.0.0.1:8089/"},
		{"https://api.dev.aritma.io/core/iam", "https://API.dev.aritma.io:443/core/iam/"},
		{"http://localhost/x", "http://localhost:80/x"},
	} {
		if a, b := canonicalEndpoint(same[0]), canonicalEndpoint(same[1]); a != b {
			t.Errorf("%q and %q compare as %q and %q, want the same", same[0], same[1], a, b)
		}
	}
	for _, other := range [][2]string{
		{"http://127.0.0.1:8089", "http://127.0.0.1:8090"},
		{"https://api.dev.aritma.io/core/iam", "https://api.dev.aritma.io/core/IAM"},
		{"https://api.example.com:80", "https://api.example.com"},
	} {
		if canonicalEndpoint(other[0]) == canonicalEndpoint(other[1]) {
			t.Errorf("%q and %q compare as the same endpoint", other[0], other[1])
		}
	}
}

// TestUnitNoteEndpointNilPrivate: a nil private state (a unit test calling Read directly) records
// nothing and reports nothing, though as an interface it is no nil.
func TestUnitNoteEndpointNilPrivate(t *testing.T) {
	t.Parallel()
	var private *nilPrivate
	if diags := (&providerData{endpoint: "http://127.0.0.1:8089"}).noteEndpoint(context.Background(), private); diags.HasError() {
		t.Fatalf("diagnostics %v", diags)
	}
}

// nilPrivate is a privateState that fails whenever it is used.
type nilPrivate struct{}

func (*nilPrivate) GetKey(context.Context, string) ([]byte, diag.Diagnostics) {
	panic("used")
}

func (*nilPrivate) SetKey(context.Context, string, []byte) diag.Diagnostics {
	panic("used")
}

// collectSearch searches text in each of its Unicode forms: text of one form is one search, kept
// as the list gave it (entries without a key, and the server's own repeats, included); an entry a
// later form finds again is left out, unless it has no key to tell it by.
func TestCollectSearch(t *testing.T) {
	t.Parallel()
	type entry struct{ key, from string }
	results := map[string][]string{
		"cafe":              {"a", "", "a"},
		"caf\u00e9":         {"a", "b", ""},
		"cafe\u0301":        {"b", "c", ""},
		"caf\u00e9 bis":     {},
		"cafe\u0301 bis":    {"d"},
		"caf\u00e9 failing": {"a"},
	}
	var searched []string
	list := func(q string) iter.Seq2[entry, error] {
		searched = append(searched, q)
		return func(yield func(entry, error) bool) {
			if q == "cafe\u0301 failing" {
				yield(entry{}, errors.New("boom"))
				return
			}
			for _, k := range results[q] {
				if !yield(entry{k, q}, nil) {
					return
				}
			}
		}
	}
	keys := func(es []entry) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.key)
		}
		return out
	}
	for _, tc := range []struct {
		text     string
		want     []string
		searches int
		err      bool
	}{
		{text: "cafe", want: []string{"a", "", "a"}, searches: 1},
		// Each form, then the first again, which finds what it found before.
		{text: "caf\u00e9", want: []string{"a", "b", "", "c", ""}, searches: 3},
		{text: "cafe\u0301", want: []string{"b", "c", "", "a", ""}, searches: 3}, // as given, then composed
		{text: "caf\u00e9 bis", want: []string{"d"}, searches: 3},
		{text: "caf\u00e9 failing", searches: 2, err: true},
	} {
		searched = nil
		got, err := collectSearch(tc.text, list, func(e entry) entry { return e }, func(e entry) string { return e.key })
		if (err != nil) != tc.err || (!tc.err && !slices.Equal(keys(got), tc.want)) || len(searched) != tc.searches {
			t.Errorf("collectSearch(%q) = %v, %v after searching %q; want %v after %d searches", tc.text, keys(got), err, searched, tc.want, tc.searches)
		}
	}
}

// An entry whose name changes form between the searches of collectSearch is missed by both: the
// first form's search, repeated, finds it then, and the whole is searched again; a name that keeps
// changing form fails the search instead of leaving the entry out.
func TestCollectSearch_nameChangingForm(t *testing.T) {
	t.Parallel()
	composed := "caf\u00e9"
	for name, tc := range map[string]struct {
		// yFound says whether the n-th search, for q, finds y: y's name is in the form searched
		// for at that moment.
		yFound    func(n int, q string) bool
		want      []string
		searches  int
		wantError bool
	}{
		// Decomposed during the first two searches, composed from then on.
		"changed once": {yFound: func(n int, q string) bool { return n > 2 && q == composed }, want: []string{"x", "y"}, searches: 6},
		// Composed for the first search of every round only.
		"changing forever": {yFound: func(n int, q string) bool { return (n-1)%3 == 0 && q == composed }, searches: 12, wantError: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := 0
			list := func(q string) iter.Seq2[string, error] {
				n++
				found := []string{"x"}
				if tc.yFound(n, q) {
					found = append(found, "y")
				}
				return func(yield func(string, error) bool) {
					for _, k := range found {
						if !yield(k, nil) {
							return
						}
					}
				}
			}
			got, err := collectSearch(composed, list, func(s string) string { return s }, func(s string) string { return s })
			if tc.wantError != (err != nil) || (!tc.wantError && !slices.Equal(got, tc.want)) || n != tc.searches {
				t.Errorf("collectSearch = %v, %v after %d searches; want %v after %d", got, err, n, tc.want, tc.searches)
			}
		})
	}
}
