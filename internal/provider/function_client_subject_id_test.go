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

func TestClientSubjectIDFunction_Run(t *testing.T) {
	for name, tc := range map[string]struct {
		arg     string
		want    types.String
		wantErr string
	}{
		"uuid":       {arg: "3f1c2a9e-0000-4000-8000-000000000001", want: types.StringValue("client-3f1c2a9e-0000-4000-8000-000000000001")},
		"opaque":     {arg: "my-service", want: types.StringValue("client-my-service")},
		"empty":      {arg: "", want: types.StringUnknown(), wantErr: "client_id must not be empty"},
		"dot-dot":    {arg: "..", want: types.StringUnknown(), wantErr: `client_id (a value of 2 characters, not shown: a function's argument may be sensitive) is not a client id: it is "." or ".."`},
		"slash":      {arg: "a/b", want: types.StringUnknown(), wantErr: `client_id (a value of 3 characters, not shown: a function's argument may be sensitive) is not a client id: it contains "/"`},
		"whitespace": {arg: "a b", want: types.StringUnknown(), wantErr: `client_id (a value of 3 characters, not shown: a function's argument may be sensitive) is not a client id: it contains whitespace, control or invisible characters`},
		// What the policy's subject validator refuses, the function must not produce.
		"no-break space": {arg: "abc\u00a0", want: types.StringUnknown(), wantErr: `client_id (a value of 4 characters, not shown: a function's argument may be sensitive) is not a client id: it contains whitespace, control or invisible characters`},
		"control":        {arg: "abc\x00", want: types.StringUnknown(), wantErr: `client_id (a value of 4 characters, not shown: a function's argument may be sensitive) is not a client id: it contains whitespace, control or invisible characters`},
		"zero-width":     {arg: "abc\u200b", want: types.StringUnknown(), wantErr: `client_id (a value of 4 characters, not shown: a function's argument may be sensitive) is not a client id: it contains whitespace, control or invisible characters`},
	} {
		t.Run(name, func(t *testing.T) {
			resp := runFunction(NewClientSubjectIDFunction(), tc.arg, types.StringUnknown())
			checkFunctionError(t, resp, tc.wantErr)
			if got := resp.Result.Value(); !got.Equal(tc.want) {
				t.Errorf("result = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAccClientSubjectIDFunction_basic(t *testing.T) {
	testAccFunctionTest(t, resource.TestStep{
		// No provider block and no API: the function needs neither.
		Config: `
output "subject_id" {
  value = provider::aritma::client_subject_id("3f1c2a9e-0000-4000-8000-000000000001")
}
`,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("subject_id", knownvalue.StringExact("client-3f1c2a9e-0000-4000-8000-000000000001")),
		},
	})
}

func TestAccClientSubjectIDFunction_invalid(t *testing.T) {
	testAccFunctionTest(t, resource.TestStep{
		Config: `
output "subject_id" {
  value = provider::aritma::client_subject_id("")
}
`,
		ExpectError: regexp.MustCompile(`client_id must not be empty`),
	})
}

// runFunction calls f with one string argument, as Terraform would; result is the zero of the
// function's return type.
func runFunction(f function.Function, arg string, result attr.Value) function.RunResponse {
	req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(arg)})}
	resp := function.RunResponse{Result: function.NewResultData(result)}
	f.Run(context.Background(), req, &resp)
	return resp
}

// checkFunctionError checks the outcome of runFunction: no error when want is "", otherwise
// exactly want, tied to the argument.
func checkFunctionError(t *testing.T, resp function.RunResponse, want string) {
	t.Helper()
	switch {
	case want == "" && resp.Error != nil:
		t.Fatalf("unexpected error: %v", resp.Error)
	case want == "":
	case resp.Error == nil || resp.Error.Text != want:
		t.Fatalf("error = %v, want %q", resp.Error, want)
	case resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0:
		t.Errorf("error is not tied to argument 0: %+v", resp.Error)
	}
}

// testAccFunctionTest runs steps that call provider functions, on CLIs that have them.
func testAccFunctionTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	testAccPreCheck(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		// Provider-defined functions arrived in Terraform 1.8.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    steps,
	})
}
