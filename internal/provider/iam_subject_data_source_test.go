package provider

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func TestAccIAMSubjectDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	svc := testAccCreateClients(t, e, "lookup-service", "lookup-service-2")[0]
	users := apiSubjects(t, e, iam.SubjectListOptions{Type: "user"})
	if len(users) == 0 {
		t.Fatal("the mock seeds no users")
	}
	user := users[len(users)-1]
	var client iam.Subject
	for _, s := range apiSubjects(t, e, iam.SubjectListOptions{Type: "client"}) {
		if s.ID == svc.ClientID {
			client = s
		}
	}
	if client.SubjectID != "client-"+svc.ClientID {
		t.Fatalf("the API lists client %s as subject %q", svc.ClientID, client.SubjectID)
	}

	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_subject" "by_id" {
  subject_id = %[1]q
}

# "lookup-service-2" also contains the name searched for: only the exact match counts.
data "aritma_iam_subject" "by_name" {
  type         = "client"
  display_name = "lookup-service"
}

data "aritma_iam_subject" "user" {
  type         = "user"
  display_name = %[2]q
}
`, client.SubjectID, user.DisplayName),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_subject.by_id", tfjsonpath.New("subject_id"), knownvalue.StringExact(client.SubjectID)),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.by_id", tfjsonpath.New("id"), knownvalue.StringExact(svc.ClientID)),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.by_id", tfjsonpath.New("type"), knownvalue.StringExact("client")),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.by_id", tfjsonpath.New("display_name"), knownvalue.StringExact("lookup-service")),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.by_id", tfjsonpath.New("tenant"),
						// The mock's own word, not what the provider's API client decodes: a decoding
						// slip would show on both sides.
						knownvalue.StringExact(e.Mock.TenantID())),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.by_id", tfjsonpath.New("properties"), knownvalue.MapPartial(map[string]knownvalue.Check{
						"clientId":    knownvalue.StringExact(svc.ClientID),
						"description": knownvalue.StringExact(svc.Description),
					})),
					statecheck.CompareValuePairs("data.aritma_iam_subject.by_name", tfjsonpath.New("subject_id"),
						"data.aritma_iam_subject.by_id", tfjsonpath.New("subject_id"), compare.ValuesSame()),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.user", tfjsonpath.New("subject_id"), knownvalue.StringExact(user.SubjectID)),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.user", tfjsonpath.New("type"), knownvalue.StringExact("user")),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.user", tfjsonpath.New("properties").AtMapKey("email"),
						knownvalue.StringExact(fmt.Sprint(user.Properties["email"]))),
				},
			},
		},
	})
}

func TestAccIAMSubjectDataSource_notFound(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_subject" "x" {
  subject_id = "client-does-not-exist"
}
`,
			`No IAM subject has the subject id "client-does-not-exist".`),
		expectError(`
data "aritma_iam_subject" "x" {
  type         = "group"
  display_name = "nobody"
}
`,
			`No group subject has the display name "nobody". Display names match exactly, including case;`),
	)
}

// Several subjects with the same name: the error names every candidate so the user can pick one.
func TestAccIAMSubjectDataSource_ambiguous(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	dups := testAccCreateClients(t, e, "twin", "twin", "twin-extra")[:2]
	ids := []string{"client-" + dups[0].ClientID, "client-" + dups[1].ClientID}
	sort.Strings(ids) // the API orders subjects by display name, then subject id
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + `
data "aritma_iam_subject" "twin" {
  type         = "client"
  display_name = "twin"
}
`,
				ExpectError: expectErrorText(fmt.Sprintf(`2 client subjects have the display name "twin": %s. Look the subject up by subject_id instead; to destroy what `+
					`was built on it, destroy without a refresh, which does not read data sources: terraform destroy -refresh=false, or tofu destroy `+
					`-refresh=false with OpenTofu.`, strings.Join(ids, ", "))),
			},
		},
	})
}

func TestAccIAMSubjectDataSource_invalidConfig(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`data "aritma_iam_subject" "x" {}`,
			`Exactly one of these attributes must be configured: [subject_id,display_name]`),
		expectError(`
data "aritma_iam_subject" "x" {
  subject_id   = "user-1"
  display_name = "someone"
}
`,
			`Exactly one of these attributes must be configured: [subject_id,display_name]`),
		expectError(`
data "aritma_iam_subject" "x" {
  display_name = "someone"
}
`,
			`These attributes must be configured together: [type,display_name]`),
		expectError(`
data "aritma_iam_subject" "x" {
  type         = "all"
  display_name = "someone"
}
`,
			`Attribute type value must be one of: ["user" "client" "group"], got: "all"`),
		expectError(`
data "aritma_iam_subject" "x" {
  subject_id = "bogus"
}
`,
			`subject "bogus" must be a subject id of the form user-<id>, client-<id> or group-<id>.`),
		expectError(`
data "aritma_iam_subject" "x" {
  type         = "group"
  display_name = ""
}
`,
			`Attribute display_name string length must be at least 1, got: 0`),
	)
}

// A display name the API holds decomposed (NFD) is found by the composed (NFC) name that
// Terraform hands the provider, whatever else the search turns up.
func TestAccIAMSubjectDataSource_decomposedName(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	decomposed := "Zu\u0308rich ops" // "Zürich ops" as macOS writes it
	clients := testAccCreateClients(t, e, decomposed, "Zurich ops", "rich ops")
	searches := func(want int64) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if n := e.Mock.Stats().Count("GET", "/v1/subjects/clients"); n != want {
				return fmt.Errorf("%d searches of client subjects, want %d", n, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				PreConfig: e.Mock.ResetStats,
				Config: e.ProviderConfig() + `
data "aritma_iam_subject" "x" {
  type         = "client"
  display_name = "Z\u00fcrich ops"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_subject.x", tfjsonpath.New("subject_id"), knownvalue.StringExact("client-"+clients[0].ClientID)),
					statecheck.ExpectKnownValue("data.aritma_iam_subject.x", tfjsonpath.New("display_name"), knownvalue.StringExact("Z\u00fcrich ops")),
				},
				// Read once, searching for the name composed and decomposed.
				Check: searches(2),
			},
			{
				// A name the first search finds costs that one search.
				PreConfig: e.Mock.ResetStats,
				Config: e.ProviderConfig() + `
data "aritma_iam_subject" "x" {
  type         = "client"
  display_name = "Zurich ops"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aritma_iam_subject.x", tfjsonpath.New("subject_id"), knownvalue.StringExact("client-"+clients[1].ClientID)),
				},
				Check: searches(1),
			},
			{
				// The same name in both forms is two subjects of one name: ambiguous, not the first
				// one found.
				PreConfig: func() { testAccCreateClients(t, e, "Z\u00fcrich ops") },
				Config: e.ProviderConfig() + `
data "aritma_iam_subject" "x" {
  type         = "client"
  display_name = "Z\u00fcrich ops"
}
`,
				ExpectError: regexp.MustCompile(`2 client subjects have the display name "Zürich ops"`),
			},
		},
	})
}

// A client's subject is found by the client's name, in two calls (the client, then one search),
// not by paging through every client subject: with 450 clients, three pages at 200 each.
func TestAccIAMSubjectDataSource_clientSubjectInTwoCalls(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	names := make([]string, 450)
	for i := range names {
		names[i] = fmt.Sprintf("fleet-%03d", i)
	}
	target := testAccCreateClients(t, e, names...)[321]
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: e.Mock.ResetStats,
			Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_subject" "x" {
  subject_id = "client-%s"
}
`, target.ClientID),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.aritma_iam_subject.x", tfjsonpath.New("display_name"), knownvalue.StringExact("fleet-321")),
				statecheck.ExpectKnownValue("data.aritma_iam_subject.x", tfjsonpath.New("id"), knownvalue.StringExact(target.ClientID)),
			},
			Check: func(*terraform.State) error {
				st := e.Mock.Stats()
				if get, search := st.Count("GET", "/v1/clients/{clientId}"), st.Count("GET", "/v1/subjects/clients"); get != 1 || search != 1 {
					return fmt.Errorf("%d client reads and %d client subject pages, want 1 and 1", get, search)
				}
				return nil
			},
		}},
	})
}
