package provider

import (
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func TestClientSecretMetadataFromAPI(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	created := now.Add(-48 * time.Hour)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for name, tc := range map[string]struct {
		expiration *time.Time
		wantExp    types.String
		expired    bool
		days       types.Int64
	}{
		"never expires":             {nil, types.StringNull(), false, types.Int64Null()},
		"ten and a half days":       {at(10*24*time.Hour + 12*time.Hour), types.StringValue("2026-03-12T00:00:00Z"), false, types.Int64Value(10)},
		"last day":                  {at(time.Hour), types.StringValue("2026-03-01T13:00:00Z"), false, types.Int64Value(0)},
		"expires right now":         {at(0), types.StringValue("2026-03-01T12:00:00Z"), true, types.Int64Value(-1)},
		"expired half a second ago": {at(-500 * time.Millisecond), types.StringValue("2026-03-01T11:59:59Z"), true, types.Int64Value(-1)},
		"last second":               {at(500 * time.Millisecond), types.StringValue("2026-03-01T12:00:00Z"), false, types.Int64Value(0)},
		"year 9999": {func() *time.Time { v := time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC); return &v }(),
			types.StringValue("9999-12-31T12:00:00Z"), false, types.Int64Value(2912383)},
		"expired an hour ago": {at(-time.Hour), types.StringValue("2026-03-01T11:00:00Z"), true, types.Int64Value(-1)},
		"expired two days":    {at(-49 * time.Hour), types.StringValue("2026-02-27T11:00:00Z"), true, types.Int64Value(-3)},
	} {
		t.Run(name, func(t *testing.T) {
			in := iam.ClientSecret{ClientSecretID: "s1", ClientID: "c1", Description: "d", Created: created, Expiration: tc.expiration}
			got := clientSecretMetadataFromAPI(in, now)
			want := clientSecretMetadataModel{
				SecretID: types.StringValue("s1"), Description: types.StringValue("d"), Expiration: tc.wantExp,
				Created: types.StringValue("2026-02-27T12:00:00Z"), Expired: types.BoolValue(tc.expired), ExpiresInDays: tc.days,
			}
			if got != want {
				t.Errorf("clientSecretMetadataFromAPI() = %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestClientSecretMetadataFromAPI_convertsToUTC(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	exp := time.Date(2030, 1, 1, 1, 0, 0, 0, cet)
	got := clientSecretMetadataFromAPI(iam.ClientSecret{Created: exp.Add(-time.Hour), Expiration: &exp}, exp.Add(-time.Hour))
	if got.Expiration.ValueString() != "2030-01-01T00:00:00Z" || got.Created.ValueString() != "2029-12-31T23:00:00Z" {
		t.Errorf("got expiration %s created %s, want UTC", got.Expiration, got.Created)
	}
}

func TestExpiresInDays_subsecond(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)
	for _, c := range []struct {
		exp  time.Duration
		want int64
	}{
		{24*time.Hour - 300*time.Millisecond, 0},
		{24 * time.Hour, 1},
		{-24*time.Hour - 300*time.Millisecond, -2},
		{-24 * time.Hour, -1},
		{-300 * time.Millisecond, -1},
		{300 * time.Millisecond, 0},
	} {
		if got := expiresInDays(now.Add(c.exp), now); got != c.want {
			t.Errorf("expiresInDays(now%+v) = %d, want %d", c.exp, got, c.want)
		}
	}
}
