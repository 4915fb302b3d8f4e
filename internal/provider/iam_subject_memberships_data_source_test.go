package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// testAccGroups creates groups through the admin API, each with the given members.
func testAccGroups(t *testing.T, e *testEnv, names []string, members ...string) []*iam.Subject {
	t.Helper()
	out := make([]*iam.Subject, len(names))
	testAccParallel(t, len(names), func(i int) (err error) {
		if out[i], err = e.API.CreateGroup(testContext(t), iam.GroupRequest{DisplayName: names[i]}); err != nil {
			return err
		}
		return e.API.AddGroupMembers(testContext(t), out[i].ID, members)
	})
	return out
}

// membershipChecks are the expected groups and group_ids of aritma_iam_subject_memberships. Every
// group is in the tenant, by the mock's own word (tenant), not by what the provider's API client
// decodes, where a slip would show on both sides.
func membershipChecks(addr, tenant string, groups []*iam.Subject) []statecheck.StateCheck {
	list := make([]knownvalue.Check, len(groups))
	ids := make([]knownvalue.Check, len(groups))
	for i, g := range groups {
		list[i] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"subject_id":   knownvalue.StringExact(g.SubjectID),
			"id":           knownvalue.StringExact(g.ID),
			"type":         knownvalue.StringExact("group"),
			"display_name": knownvalue.StringExact(g.DisplayName),
			"tenant":       knownvalue.StringExact(tenant),
		})
		ids[i] = knownvalue.StringExact(g.SubjectID)
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("groups"), knownvalue.ListExact(list)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("group_ids"), knownvalue.SetExact(ids)),
	}
}

func TestAccIAMSubjectMembershipsDataSource_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	client := "client-" + testAccCreateClients(t, e, "grouped")[0].ClientID
	// Created out of order: the data source lists them by display name.
	direct := testAccGroups(t, e, []string{"Operators", "Auditors"}, client)
	// A group inside one of them: the client holds its grants, but is no direct member of it.
	testAccGroups(t, e, []string{"Everyone"}, direct[0].SubjectID)
	loner := "client-" + testAccCreateClients(t, e, "loner")[0].ClientID

	config := e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_subject_memberships" "client" {
  subject_id = %q
}

data "aritma_iam_subject_memberships" "operators" {
  subject_id = %q
}

data "aritma_iam_subject_memberships" "loner" {
  subject_id = %q
}
`, client, direct[0].SubjectID, loner)
	checks := membershipChecks("data.aritma_iam_subject_memberships.client", e.Mock.TenantID(), []*iam.Subject{direct[1], direct[0]})
	checks = append(checks, statecheck.ExpectKnownValue("data.aritma_iam_subject_memberships.operators",
		tfjsonpath.New("groups").AtSliceIndex(0).AtMapKey("display_name"), knownvalue.StringExact("Everyone")))
	checks = append(checks, membershipChecks("data.aritma_iam_subject_memberships.loner", e.Mock.TenantID(), nil)...)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: checks},
			{
				// Leaving a group outside Terraform shows at the next read.
				PreConfig: func() {
					if err := e.API.RemoveGroupMember(testContext(t), direct[1].ID, client); err != nil {
						t.Fatal(err)
					}
				},
				Config:            config,
				ConfigStateChecks: membershipChecks("data.aritma_iam_subject_memberships.client", e.Mock.TenantID(), []*iam.Subject{direct[0]}),
			},
		},
	})
}

// More groups than the API's largest page (200) must all come back.
func TestAccIAMSubjectMembershipsDataSource_paging(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	client := "client-" + testAccCreateClients(t, e, "joiner")[0].ClientID
	names := make([]string, 230)
	for i := range names {
		names[i] = fmt.Sprintf("team-%03d", i)
	}
	groups := testAccGroups(t, e, names, client)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_subject_memberships" "joiner" {
  subject_id = %q
}
`, client),
				ConfigStateChecks: membershipChecks("data.aritma_iam_subject_memberships.joiner", e.Mock.TenantID(), groups),
			},
		},
	})
}

func TestAccIAMSubjectMembershipsDataSource_errors(t *testing.T) {
	testAccExpectErrors(t,
		expectError(`
data "aritma_iam_subject_memberships" "x" {
  subject_id = "user-no-such-user"
}
`,
			`Error: Unable to List IAM Subject Memberships`,
			`Listing the groups of subject "user-no-such-user" failed.`,
			`The subject "user-no-such-user" does not exist: check subject_id, or look the subject up with the `+
				`aritma_iam_subjects data source.`, goneLookupHint),
		expectError(`
data "aritma_iam_subject_memberships" "x" {
  subject_id = "alice"
}
`,
			`Error: Invalid Subject`,
			`subject "alice" must be a subject id of the form user-<id>, client-<id> or group-<id>.`),
	)
}
