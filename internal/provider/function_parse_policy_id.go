package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = &parsePolicyIDFunction{}

// NewParsePolicyIDFunction returns provider::aritma::parse_policy_id.
func NewParsePolicyIDFunction() function.Function {
	return &parsePolicyIDFunction{}
}

type parsePolicyIDFunction struct{}

// policyIDAttributeTypes is the object parse_policy_id returns.
var policyIDAttributeTypes = map[string]attr.Type{
	"subject": types.StringType,
	"action":  types.StringType,
	"scope":   types.StringType,
}

func (f *parsePolicyIDFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "parse_policy_id"
}

func (f *parsePolicyIDFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Split a policy id into subject, action and scope",
		MarkdownDescription: "Splits the id of an `aritma_iam_policy`, `<subject>,<action>,<scope>` (also its import " +
			"id), into an object with the attributes `subject`, `action` and `scope`. Fails when the id does not have " +
			"that form or its subject, action or scope is malformed (by the rules of `aritma_iam_policy`).",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "id",
				MarkdownDescription: "Policy id, such as `client-1234,iam.client.read,/subscriptions/123`.",
			},
		},
		Return: function.ObjectReturn{AttributeTypes: policyIDAttributeTypes},
	}
}

func (f *parsePolicyIDFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var id string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &id))
	if resp.Error != nil {
		return
	}
	subject, action, scope, ok := splitPolicyID(id)
	if !ok {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("a policy id has the form %s, got %q", policyIDForm, id))
		return
	}
	if err := checkPolicyTriple(subject, action, scope); err != nil {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("policy id %q is malformed: %s", id, err))
		return
	}
	obj, diags := types.ObjectValue(policyIDAttributeTypes, map[string]attr.Value{
		"subject": types.StringValue(subject),
		"action":  types.StringValue(action),
		"scope":   types.StringValue(scope),
	})
	resp.Error = function.ConcatFuncErrors(resp.Error, function.FuncErrorFromDiags(ctx, diags))
	if resp.Error != nil {
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, obj))
}
