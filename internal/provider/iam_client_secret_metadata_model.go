package provider

import (
	"math"
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
		Created:       types.StringValue(formatAPITime(s.Created)),
		Expired:       types.BoolValue(false),
		ExpiresInDays: types.Int64Null(),
	}
	if s.Expiration != nil {
		exp := *s.Expiration
		m.Expiration = types.StringValue(formatAPITime(exp))
		m.Expired = types.BoolValue(!exp.After(now))
		m.ExpiresInDays = types.Int64Value(int64(math.Floor(exp.Sub(now).Hours() / 24)))
	}
	return m
}
