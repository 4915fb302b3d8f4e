package provider

import (
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// expectErrorText matches a diagnostic's text however the CLI wraps and frames it ("│ " at the
// start of every line of a diagnostic box), so tests can assert the exact words a user reads.
func expectErrorText(text string) *regexp.Regexp {
	words := strings.Fields(text)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `[\s│]+`))
}

// testAccCreateClients creates one client per name through the admin API, in parallel (a few
// hundred take well under a second against the in-process mock), and returns them in name order.
func testAccCreateClients(t *testing.T, e *testEnv, names ...string) []*iam.OAuthClient {
	t.Helper()
	ctx := testContext(t)
	out := make([]*iam.OAuthClient, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = e.API.CreateClient(ctx, iam.ClientRequest{
				Name:              name,
				Description:       "created by " + t.Name(),
				AllowedGrantTypes: []string{"client_credentials"},
				AllowedScopes:     []string{"services.iam"},
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("creating client %q: %v", names[i], err)
		}
	}
	return out
}

// testAccParallel runs n calls of f with bounded concurrency and fails the test on any error.
func testAccParallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

// apiSubjects lists subjects through the admin API: the truth data source results are held to.
func apiSubjects(t *testing.T, e *testEnv, opts iam.SubjectListOptions) []iam.Subject {
	t.Helper()
	var out []iam.Subject
	for s, err := range e.API.ListSubjects(testContext(t), opts) {
		if err != nil {
			t.Fatalf("listing subjects through the API: %v", err)
		}
		out = append(out, s)
	}
	return out
}

// subjectCheck is the expected state of one subject in aritma_iam_subjects.
func subjectCheck(s iam.Subject) knownvalue.Check {
	var tenant knownvalue.Check = knownvalue.Null()
	if s.Tenant != nil {
		tenant = knownvalue.StringExact(*s.Tenant)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"subject_id":   knownvalue.StringExact(s.SubjectID),
		"id":           knownvalue.StringExact(s.ID),
		"type":         knownvalue.StringExact(s.Type),
		"display_name": knownvalue.StringExact(s.DisplayName),
		"tenant":       tenant,
	})
}

// subjectsCheck is the expected list of subjects, in the API's order.
func subjectsCheck(subjects []iam.Subject) knownvalue.Check {
	checks := make([]knownvalue.Check, len(subjects))
	for i, s := range subjects {
		checks[i] = subjectCheck(s)
	}
	return knownvalue.ListExact(checks)
}
