//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// dataSourceSubjects is how many clients the data source workload creates: with the seeded users
// and the admin client, a little over 10,000 subjects.
const dataSourceSubjects = 10000

// subjectsPageSize is the largest page the API serves for subjects (CONTRACT.md, envelope B).
const subjectsPageSize = 200

// dataSourceResult is one `plan` reading every subject through aritma_iam_subjects.
type dataSourceResult struct {
	Subjects int   `json:"subjects"` // what the mock holds, counted by the mock itself
	Read     int   `json:"read"`     // what the data source returned, from the plan's output
	Calls    int64 `json:"calls"`    // GET /v1/subjects
	phaseResult
}

// dataSourceConfig reads every subject and shows how many there are.
var dataSourceConfig = requiredProvider("aritma") + `provider "aritma" {}

data "aritma_iam_subjects" "all" {}

output "subjects" {
  value = length(data.aritma_iam_subjects.all.subjects)
}
`

// dataSourceWorkload creates dataSourceSubjects clients through the API and runs one plan that
// reads them all, counting the list pages it takes.
func (h *harness) dataSourceWorkload(ctx context.Context) (*dataSourceResult, error) {
	dir := filepath.Join(h.work, "datasource")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(dataSourceConfig), 0o644); err != nil {
		return nil, err
	}
	if err := h.mock.reset(ctx); err != nil {
		return nil, err
	}
	h.log("==> data source: creating %d clients through the API ...", dataSourceSubjects)
	api, err := h.adminAPI()
	if err != nil {
		return nil, err
	}
	if err := parallel(ctx, dataSourceSubjects, func(i int) error {
		_, err := api.CreateClient(ctx, iam.ClientRequest{
			Name: fmt.Sprintf("subject-%05d", i), AllowedGrantTypes: []string{"client_credentials"},
			AllowedScopes: []string{"api"}, RedirectURIs: []string{},
		})
		return err
	}); err != nil {
		return nil, err
	}
	total, err := h.mock.subjectCount(ctx)
	if err != nil {
		return nil, err
	}
	h.log("==> data source: plan reading %d subjects ...", total)
	p, err := h.phase(ctx, kindProvider, dir, "plan", []string{"plan", "-input=false", "-no-color"})
	res := &dataSourceResult{Subjects: total, Calls: p.count("GET", "/v1/subjects"), phaseResult: p}
	if err == nil {
		res.Read, err = planOutputInt(filepath.Join(dir, "plan.log"), "subjects")
	}
	if err != nil {
		res.Err = err.Error()
	}
	return res, err
}

// planOutputInt finds `+ name = <int>` in the "Changes to Outputs" of a plan's log.
func planOutputInt(logPath, name string) (int, error) {
	data, err := os.ReadFile(logPath)
	if err != nil {
		return 0, err
	}
	m := regexp.MustCompile(`(?m)^\s*\+\s*` + regexp.QuoteMeta(name) + `\s*=\s*(\d+)\s*$`).FindSubmatch(data)
	if m == nil {
		return 0, fmt.Errorf("%s: no output %q in the plan", logPath, name)
	}
	return strconv.Atoi(string(m[1]))
}

// adminAPI is an API client with the mock's admin credentials.
func (h *harness) adminAPI() (*iam.Client, error) {
	return iam.NewClient(iam.Config{
		Endpoint: h.mock.url, TokenURL: h.mock.url + "/connect/token",
		ClientID: h.mock.clientID, ClientSecret: h.mock.clientSecret, Version: "bench",
	})
}

// parallel runs f for 0..n-1 with 8 calls in flight and joins their errors.
func parallel(ctx context.Context, n int, f func(i int) error) error {
	var (
		mu   sync.Mutex
		errs error
		wg   sync.WaitGroup
	)
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = errors.Join(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs, ctx.Err())
}
