package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// providerDataFrom unpacks what Configure handed over. It returns nil without an error before the
// provider is configured (validation runs that way), so callers simply return.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// apiErrorDetail renders an API failure for a diagnostic detail: what the API said, its field
// errors and trace id, and a hint for the statuses a user can act on. The iam package already
// keeps secrets and tokens out of its errors.
func apiErrorDetail(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	switch {
	case errors.Is(err, iam.ErrUnauthorized):
		b.WriteString("\n\nThe provider's credentials were rejected: check client_id and client_secret (or access_token) and token_url.")
	case errors.Is(err, iam.ErrForbidden):
		b.WriteString("\n\nThe provider's client lacks the IAM permission for this call (iam.client.*, iam.policy.* or iam.subject.* on scope \"/\"). Grant it, for example through iam.manage.")
	case errors.Is(err, iam.ErrRateLimited):
		b.WriteString("\n\nThe API kept answering 429 Too Many Requests after all retries; raise max_retries or lower -parallelism.")
	}
	return b.String()
}
