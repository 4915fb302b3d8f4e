package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
)

var _ function.Function = &clientSubjectIDFunction{}

// NewClientSubjectIDFunction returns provider::aritma::client_subject_id.
func NewClientSubjectIDFunction() function.Function {
	return &clientSubjectIDFunction{}
}

type clientSubjectIDFunction struct{}

func (f *clientSubjectIDFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "client_subject_id"
}

func (f *clientSubjectIDFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The subject id of a client",
		MarkdownDescription: "Returns the IAM subject id of a client, `client-<client_id>`: what a policy's `subject` " +
			"and the `aritma_iam_permissions` data source take. Computed locally, without an API call, so it is " +
			"known at plan time whenever the client id is.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name: "client_id",
				MarkdownDescription: "Client id, such as `aritma_iam_client.example.client_id` — not its `subject_id`, " +
					"which already has the prefix (`client-client-…` is a sign of that mix-up; an `aritma_iam_policy` " +
					"with such a subject fails the plan, saying which client was meant, when the API shows it).",
			},
		},
		Return: function.StringReturn{},
	}
}

func (f *clientSubjectIDFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var clientID string
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &clientID))
	if resp.Error != nil {
		return
	}
	// Not quoted back, as parse_policy_id's argument is not (see there).
	switch {
	case clientID == "":
		resp.Error = function.NewArgumentFuncError(0, "client_id must not be empty")
		return
	case !isIDSegment(clientID):
		broken := "contains whitespace, control or invisible characters"
		switch {
		case clientID == "." || clientID == "..":
			broken = `is "." or ".."`
		case strings.Contains(clientID, "/"):
			broken = `contains "/"`
		}
		resp.Error = function.NewArgumentFuncError(0, fmt.Sprintf("client_id %s is not a client id: it %s", unshownArgument(clientID), broken))
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, clientSubjectID(clientID)))
}
