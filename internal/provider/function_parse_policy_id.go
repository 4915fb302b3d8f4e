package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

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
	// The argument is never quoted back: Terraform shows a function's error as it is, without the
	// sensitive or ephemeral marks of the value that went in (a secret or token passed by mistake).
	subject, action, scope, ok := splitPolicyID(id)
	if !ok {
		what := fmt.Sprintf("%d comma(s)", strings.Count(id, ","))
		if strings.Count(id, ",") >= 2 {
			what = "an empty part"
		}
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("a policy id has the form %s, got %s with %s",
			policyIDForm, unshownArgument(id), what))
		return
	}
	if reason := policyTripleReason(subject, action, scope); reason != "" {
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("policy id %s is malformed: %s", unshownArgument(id), reason))
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

// unshownArgument stands for a function argument in an error, which does not show it.
func unshownArgument(v string) string {
	return fmt.Sprintf("(a value of %d characters, not shown: a function's argument may be sensitive)", utf8.RuneCountInString(v))
}

// policyTripleReason says what is wrong with the parts of a policy id without quoting them, ""
// when nothing is: as checkPolicyTriple, in words that name the part, the rule it breaks and,
// where the rule is about characters, the kind of character that breaks it.
func policyTripleReason(subject, action, scope string) string {
	var reason string
	for _, part := range []struct{ name, v string }{{"subject", subject}, {"action", action}, {"scope", scope}} {
		if reason == "" && hasSpaceOrControl(part.v) {
			reason = "its " + part.name + " contains whitespace, control or invisible characters"
		}
	}
	switch {
	case reason != "":
	case checkSubjectID(subject) != nil:
		reason = "its subject must be a subject id of the form user-<id>, client-<id> or group-<id>"
	case checkAction(action) != nil:
		reason = `its action must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read"`
	default:
		err := checkPolicyScope(scope)
		if err == nil {
			return ""
		}
		reason = "its " + err.Error()
		// Only the segment rule quotes part of the scope: it is said otherwise; the other rules
		// come first, as the API checks them.
		if n, c, ok := badScopeSegment(scope); ok && strings.HasPrefix(err.Error(), "scope segment ") {
			reason = fmt.Sprintf("its scope's segment %d contains %s; scope segments may only contain the characters "+
				"A-Z a-z 0-9 . _ ~ -", n, c)
		}
	}
	if policyPartsLookSwapped(subject, action, scope) {
		reason += policyOrderNote
	}
	return reason
}

// badScopeSegment finds the first scope segment (counted from 1) with a character checkPolicyScope
// refuses, and names the character's kind: a comma (a policy id's separator, so a part went
// astray) or another character.
func badScopeSegment(scope string) (n int, kind string, ok bool) {
	for i, seg := range strings.Split(strings.TrimPrefix(scope, "/"), "/") {
		for j := 0; j < len(seg); j++ {
			if !isScopeSegmentChar(seg[j]) {
				if seg[j] == ',' {
					return i + 1, "a comma", true
				}
				return i + 1, "a character outside them", true
			}
		}
	}
	return 0, "", false
}
