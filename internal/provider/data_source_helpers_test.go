package provider

import (
	"fmt"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// testAccCreateClients creates one client per name through the admin API, in parallel (a few
// hundred take well under a second against the in-process mock), and returns them in name order.
func testAccCreateClients(t *testing.T, e *testEnv, names ...string) []*iam.OAuthClient {
	t.Helper()
	ctx := testContext(t)
	out := make([]*iam.OAuthClient, len(names))
	testAccParallel(t, len(names), func(i int) (err error) {
		out[i], err = e.API.CreateClient(ctx, iam.ClientRequest{
			Name:              names[i],
			Description:       "created by " + t.Name(),
			AllowedGrantTypes: []string{"client_credentials"},
			AllowedScopes:     []string{"services.iam"},
		})
		if err != nil {
			return fmt.Errorf("creating client %q: %w", names[i], err)
		}
		return nil
	})
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
	return apiList(t, "subjects", e.API.ListSubjects(testContext(t), opts))
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
