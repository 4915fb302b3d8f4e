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
		"slash":      {arg: "a/b", want: types.StringUnknown(), wantErr: `client_id "a/b" is not a client id: it must not contain "/" or whitespace`},
		"whitespace": {arg: "a b", want: types.StringUnknown(), wantErr: `client_id "a b" is not a client id: it must not contain "/" or whitespace`},
	} {
		t.Run(name, func(t *testing.T) {
			req := function.RunRequest{Arguments: function.NewArgumentsData([]attr.Value{types.StringValue(tc.arg)})}
			resp := function.RunResponse{Result: function.NewResultData(types.StringUnknown())}
			NewClientSubjectIDFunction().Run(context.Background(), req, &resp)
			switch {
			case tc.wantErr == "" && resp.Error != nil:
				t.Fatalf("unexpected error: %v", resp.Error)
			case tc.wantErr != "":
				if resp.Error == nil || resp.Error.Text != tc.wantErr {
					t.Fatalf("error = %v, want %q", resp.Error, tc.wantErr)
				}
				if resp.Error.FunctionArgument == nil || *resp.Error.FunctionArgument != 0 {
					t.Errorf("error is not tied to argument 0: %+v", resp.Error)
				}
			}
			if got := resp.Result.Value(); !got.Equal(tc.want) {
				t.Errorf("result = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAccClientSubjectIDFunction_basic(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		// Provider-defined functions arrived in Terraform 1.8.
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// No provider block and no API: the function needs neither.
				Config: `
output "subject_id" {
  value = provider::aritma::client_subject_id("3f1c2a9e-0000-4000-8000-000000000001")
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("subject_id", knownvalue.StringExact("client-3f1c2a9e-0000-4000-8000-000000000001")),
				},
			},
		},
	})
}

func TestAccClientSubjectIDFunction_invalid(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	resource.Test(t, resource.TestCase{
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: `
output "subject_id" {
  value = provider::aritma::client_subject_id("")
}
`,
				ExpectError: regexp.MustCompile(`client_id must not be empty`),
			},
		},
	})
}
