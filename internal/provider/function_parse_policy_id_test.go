package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
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
			wantErr: `a policy id has the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got (a value of 0 characters, not shown: a function's argument may be sensitive) with 0 comma(s)`,
		},
		"two parts": {
			arg:     "client-abc,owner",
			wantErr: `a policy id has the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got (a value of 16 characters, not shown: a function's argument may be sensitive) with 1 comma(s)`,
		},
		"bad scope": {
			arg:     "client-abc,owner,subscriptions/1",
			wantErr: `policy id (a value of 32 characters, not shown: a function's argument may be sensitive) is malformed: its scope must start with "/"`,
		},
		"scope with comma": {
			arg:     "client-abc,owner,/a/b,c",
			wantErr: `policy id (a value of 23 characters, not shown: a function's argument may be sensitive) is malformed: its scope's segment 2 contains a comma; scope segments may only contain the characters A-Z a-z 0-9 . _ ~ -`,
		},
		"whitespace": {
			arg:     "client-abc ,owner,/",
			wantErr: `policy id (a value of 19 characters, not shown: a function's argument may be sensitive) is malformed: its subject contains whitespace, control or invisible characters`,
		},
		"bad subject": {
			arg:     "x,owner,/",
			wantErr: `policy id (a value of 9 characters, not shown: a function's argument may be sensitive) is malformed: its subject must be a subject id of the form user-<id>, client-<id> or group-<id>`,
		},
		"subject with comma, bad action": {
			arg:     "client-a,b,iam.Client.read,/s/1",
			wantErr: `policy id (a value of 31 characters, not shown: a function's argument may be sensitive) is malformed: its action must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read"`,
		},
		"scope and action swapped": {
			arg:     "client-abc,/subscriptions/1,owner",
			wantErr: `policy id (a value of 33 characters, not shown: a function's argument may be sensitive) is malformed: its action must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read" (the parts of a policy id are in the order "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123")`,
		},
		"subject last": {
			arg:     "owner,/,client-abc",
			wantErr: `policy id (a value of 18 characters, not shown: a function's argument may be sensitive) is malformed: its subject must be a subject id of the form user-<id>, client-<id> or group-<id> (the parts of a policy id are in the order "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123")`,
		},
		"bad action": {
			arg:     "client-abc,IAM Manage,/",
			wantErr: `policy id (a value of 23 characters, not shown: a function's argument may be sensitive) is malformed: its action contains whitespace, control or invisible characters`,
		},
		"scope without its slash and with a bad character": {
			arg:     "client-abc,owner,subscriptions$1",
			wantErr: `policy id (a value of 32 characters, not shown: a function's argument may be sensitive) is malformed: its scope must start with "/"`,
		},
		"empty scope": {
			arg:     "client-abc,owner,",
			wantErr: `a policy id has the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got (a value of 17 characters, not shown: a function's argument may be sensitive) with an empty part`,
		},
		"a secret passed by mistake": {
			arg:     "Secret-Value-9876",
			wantErr: `a policy id has the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got (a value of 17 characters, not shown: a function's argument may be sensitive) with 0 comma(s)`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			resp := runFunction(NewParsePolicyIDFunction(), tc.arg, types.ObjectUnknown(policyIDAttributeTypes))
			if checkFunctionError(t, resp, tc.wantErr); tc.wantErr != "" {
				return
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
	resp := runFunction(NewParsePolicyIDFunction(), id, types.ObjectUnknown(policyIDAttributeTypes))
	checkFunctionError(t, resp, "")
	attrs := resp.Result.Value().(types.Object).Attributes()
	if attrs["subject"].(types.String).ValueString() != "client-x" ||
		attrs["action"].(types.String).ValueString() != "banking.pis.read" ||
		attrs["scope"].(types.String).ValueString() != "/subscriptions/1" {
		t.Errorf("round trip of %q gave %v", id, attrs)
	}
}

func TestAccParsePolicyIDFunction_basic(t *testing.T) {
	testAccFunctionTest(t, resource.TestStep{
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
	})
}

func TestAccParsePolicyIDFunction_invalid(t *testing.T) {
	testAccFunctionTest(t, resource.TestStep{
		Config: `
output "policy" {
  value = provider::aritma::parse_policy_id("client-abc/owner/")
}
`,
		ExpectError: expectErrorText(`a policy id has the form "<subject>,<action>,<scope>"`),
	})
}
