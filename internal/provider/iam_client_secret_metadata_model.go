package provider

import (
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// clientSecretMetadataModel is one secret in aritma_iam_client_secrets: metadata only, the API
// never returns a secret's value after it was created.
type clientSecretMetadataModel struct {
	SecretID      types.String `tfsdk:"secret_id"`
	Description   types.String `tfsdk:"description"`
	Expiration    types.String `tfsdk:"expiration"`
	Created       types.String `tfsdk:"created"`
	Expired       types.Bool   `tfsdk:"expired"`
	ExpiresInDays types.Int64  `tfsdk:"expires_in_days"`
}

// clientSecretMetadataFromAPI converts a listed secret as seen at now. A secret without
// expiration has null expiration and expires_in_days and is never expired. expires_in_days counts
// whole days and rounds down, so it is 0 on the last day and negative once expired.
func clientSecretMetadataFromAPI(s iam.ClientSecret, now time.Time) clientSecretMetadataModel {
	m := clientSecretMetadataModel{
		SecretID:      types.StringValue(s.ClientSecretID),
		Description:   types.StringValue(s.Description),
		Expiration:    types.StringNull(),
		Created:       createdFromAPI(s.Created),
		Expired:       types.BoolValue(false),
		ExpiresInDays: types.Int64Null(),
	}
	if s.Expiration != nil {
		exp := *s.Expiration
		m.Expiration = types.StringValue(formatAPITime(exp))
		m.Expired = types.BoolValue(!exp.After(now))
		m.ExpiresInDays = types.Int64Value(expiresInDays(exp, now))
	}
	return m
}

// expiresInDays counts whole days from now to exp, rounded down, in seconds rather than through
// time.Duration, which ends about 292 years out (an expiration of 9999-12-31 is valid). At exp
// itself the secret has expired, so the count is -1 there, not 0.
func expiresInDays(exp, now time.Time) int64 {
	const day = 24 * 60 * 60
	secs := exp.Unix() - now.Unix()
	if exp.Nanosecond() < now.Nanosecond() {
		secs-- // whole seconds, rounded down like the days
	}
	days := secs / day
	if secs%day != 0 && secs < 0 {
		days--
	}
	if !exp.After(now) && days >= 0 {
		days = -1
	}
	return days
}
