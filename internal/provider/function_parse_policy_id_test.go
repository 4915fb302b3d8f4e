package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestParsePolicyIDFunction_Run(t *testing.T) {
	policy := func(subject, action, scope string) types.Object {
		return types.ObjectValueMust(policyIDAttributeTypes, map[string]attr.Value{
			"subject": types.StringValue(subject), "action": types.StringValue(action), "scope": types.StringValue(scope),
		})
	}
	for name, tc := range map[string]struct {
		arg     string
		want    attr.Value
		wantErr string
	}{
		"root scope": {arg: "client-abc,owner,/", want: policy("client-abc", "owner", "/")},
		"nested scope": {
			arg:  "group-1,iam.client.read,/subscriptions/123/resource-groups/my-company",
			want: policy("group-1", "iam.client.read", "/subscriptions/123/resource-groups/my-company"),
		},
		"empty": {
			arg:     "",
			wantErr: `expected an import id of the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got ""`,
		},
		"two parts": {
			arg:     "client-abc,owner",
			wantErr: `expected an import id of the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got "client-abc,owner"`,
		},
		"bad scope": {
			arg:     "client-abc,owner,subscriptions/1",
			wantErr: `policy id "client-abc,owner,subscriptions/1" is malformed: scope must start with "/"`,
		},
		"scope with comma": {
			arg:     "client-abc,owner,/a/b,c",
			wantErr: `policy id "client-abc,owner,/a/b,c" is malformed: scope segment "b,c" may only contain the characters A-Z a-z 0-9 . _ ~ -`,
		},
		"bad action": {
			arg:     "client-abc,IAM Manage,/",
			wantErr: `policy id "client-abc,IAM Manage,/" is malformed: action "IAM Manage" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read"`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(tc.arg)})}
			resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(policyIDAttributeTypes))}
			NewParsePolicyIDFunction().Run(context.Background(), req, &resp)
			if tc.wantErr != "" {
				if resp.Error == nil || resp.Error.Text != tc.wantErr {
					t.Fatalf("error = %v, want %q", resp.Error, tc.wantErr)
				}
				if resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0 {
					t.Errorf("error is not tied to argument 0: %+v", resp.Error)
				}
				return
			}
			if resp.Error != nil {
				t.Fatalf("unexpected error: %v", resp.Error)
			}
			if got := resp.Result.Value(); !got.Equal(tc.want) {
				t.Errorf("result = %v, want %v", got, tc.want)
			}
		})
	}
}

// The function must undo policyID, the id aritma_iam_policy stores.
func TestParsePolicyIDFunction_roundTrip(t *testing.T) {
	id := policyID("client-x", "banking.pis.read", "/subscriptions/1")
	req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(id)})}
	resp := function.RunResponse{Result: function.NewResultData(types.ObjectUnknown(policyIDAttributeTypes))}
	NewParsePolicyIDFunction().Run(context.Background(), req, &resp)
	if resp.Error != nil {
		t.Fatal(resp.Error)
	}
	attrs := resp.Result.Value().(types.Object).Attributes()
	if attrs["subject"].(types.String).ValueString() != "client-x" ||
		attrs["action"].(types.String).ValueString() != "banking.pis.read" ||
		attrs["scope"].(types.String).ValueString() != "/subscriptions/1" {
		t.Errorf("round trip of %q gave %v", id, attrs)
	}
}

func TestAccParsePolicyIDFunction_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		// Provider-defined functions arrived in Terraform 1.8.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
output "policy" {
  value = provider::aritma::parse_policy_id("client-abc,iam.client.read,/subscriptions/123")
}

output "scope" {
  value = provider::aritma::parse_policy_id("group-g,owner,/").scope
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("policy", knownvalue.ObjectExact(map[string]knownvalue.Check{
						"subject": knownvalue.StringExact("client-abc"),
						"action":  knownvalue.StringExact("iam.client.read"),
						"scope":   knownvalue.StringExact("/subscriptions/123"),
					})),
					statecheck.ExpectKnownOutputValue("scope", knownvalue.StringExact("/")),
				},
			},
		},
	})
}

func TestAccParsePolicyIDFunction_invalid(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
output "policy" {
  value = provider::aritma::parse_policy_id("client-abc/owner/")
}
`,
				ExpectError: regexp.MustCompile(`expected an import id of the form\s+"<subject>,<action>,<scope>"`),
			},
		},
	})
}
