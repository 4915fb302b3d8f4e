package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

func TestAccIAMSubjectsDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	testAccCreateClients(t, e, "alpha-service", "Alpha-Batch", "beta-service")

	all := apiSubjects(t, e, iam.SubjectListOptions{})
	clients := apiSubjects(t, e, iam.SubjectListOptions{Type: "client"})
	users := apiSubjects(t, e, iam.SubjectListOptions{Type: "user"})
	alpha := apiSubjects(t, e, iam.SubjectListOptions{Type: "client", SearchQuery: "alpha"})
	if len(users) == 0 || len(alpha) != 2 || len(all) < len(clients)+len(users) {
		t.Fatalf("unexpected seed: %d subjects, %d clients, %d users, %d alpha clients", len(all), len(clients), len(users), len(alpha))
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_subjects" "all" {}

data "aritma_iam_subjects" "users" {
  type = "user"
}

data "aritma_iam_subjects" "clients" {
  type = "client"
}

data "aritma_iam_subjects" "alpha" {
  type         = "client"
  search_query = "ALPHA"
}

data "aritma_iam_subjects" "none" {
  type         = "group"
  search_query = "no-such-group"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.all", tfjsonpath.New("type"), knownvalue.StringExact("all")),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.all", tfjsonpath.New("search_query"), knownvalue.Null()),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.all", tfjsonpath.New("subjects"), subjectsCheck(all)),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.users", tfjsonpath.New("subjects"), subjectsCheck(users)),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.clients", tfjsonpath.New("subjects"), subjectsCheck(clients)),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.alpha", tfjsonpath.New("subjects"), subjectsCheck(alpha)),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.alpha", tfjsonpath.New("subjects").AtSliceIndex(0).AtMapKey("type"),
						knownvalue.StringExact("client")),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.none", tfjsonpath.New("subjects"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
		},
	})
}

// More subjects than the API's largest page (200) must all come back.
func TestAccIAMSubjectsDataSource_paging(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	names := make([]string, 230)
	for i := range names {
		names[i] = fmt.Sprintf("paging-%03d", i)
	}
	testAccCreateClients(t, e, names...)
	paged := apiSubjects(t, e, iam.SubjectListOptions{SearchQuery: "paging-"})
	if len(paged) != len(names) {
		t.Fatalf("the API lists %d paging subjects, want %d", len(paged), len(names))
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_subjects" "clients" {
  type = "client"
}

data "aritma_iam_subjects" "paging" {
  search_query = "paging-"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					// 230 paging clients and the bootstrap admin client.
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.clients", tfjsonpath.New("subjects"), knownvalue.ListSizeExact(len(names)+1)),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.paging", tfjsonpath.New("subjects"), subjectsCheck(paged)),
					statecheck.ExpectKnownValue("data.aritma_iam_subjects.paging", tfjsonpath.New("subjects").AtSliceIndex(229).AtMapKey("display_name"),
						knownvalue.StringExact("paging-229")),
				},
			},
		},
	})
}

// The read timeout bounds the whole read, paging included: at 2 s an answer, a 5.5 s read gets two
// of three pages and must then fail on the third with an error that says why, not go on paging.
// (The third page cannot finish before 6 s, so only a machine 1.5 s late on the first two could
// move the deadline off it.)
func TestAccIAMSubjectsDataSource_readTimeout(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	names := make([]string, 410)
	for i := range names {
		names[i] = fmt.Sprintf("slow-%03d", i)
	}
	testAccCreateClients(t, e, names...)
	// A ready token keeps the token endpoint's latency out of the read, so the deadline falls on a page.
	tok := e.AdminToken(t)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { e.Mock.SetFaults(mockserver.Faults{LatencyMS: 2000}) },
				Config: e.ProviderConfigWith("client_id", "", "client_secret", "", "access_token", tok) + `
data "aritma_iam_subjects" "slow" {
  search_query = "slow-"
  timeouts {
    read = "5.5s"
  }
}
`,
				// The deadline falls while a later page is read: page 3 when the first two took their
				// 2 s each, page 2 on a machine too loaded to keep to that.
				ExpectError: regexp.MustCompile(expectErrorTexts(
					`Error: Unable to List IAM Subjects`,
					`Listing IAM subjects of type "all" matching "slow-" failed.`,
				).String() + `(?s:.*?)GET[\s│]+` + regexp.QuoteMeta(`/v1/subjects?page=`) + `[23]` +
					regexp.QuoteMeta(`&pageSize=200&searchQuery=slow-:`) + `[\s│]+` + expectErrorText(`context deadline exceeded`).String() + `(?s:.*?)` +
					expectErrorText(`The read did not finish within its timeout. Raise read in this data source's timeouts block `+
						`(it defaults to 5m) for a slow or rate-limited API.`).String()),
			},
		},
	})
}

func TestAccIAMSubjectsDataSource_invalidType(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_subjects" "robots" {
  type = "robot"
}
`,
			`Attribute type value must be one of: ["all" "user" "client" "group"], got: "robot"`),
	)
}
