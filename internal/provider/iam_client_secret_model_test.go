package provider

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func TestUnitIAMClientSecretApplySecret(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	secret := &iam.ClientSecret{ClientSecretID: "s1", ClientID: "c1", Description: "ci", Expiration: &exp, Created: created}

	tests := []struct {
		name           string
		in             clientSecretModel
		secret         *iam.ClientSecret
		keepClientID   bool   // a secret Terraform created
		wantClientID   string // "" = c1, the API's
		wantExpiration types.String
	}{
		{
			name:           "unknown computed values from a plan",
			in:             clientSecretModel{Expiration: types.StringValue("2030-01-01T01:00:00+01:00"), ID: types.StringUnknown(), SecretID: types.StringUnknown(), Created: types.StringUnknown()},
			secret:         secret,
			wantExpiration: types.StringValue("2030-01-01T01:00:00+01:00"),
		},
		{
			name:           "import: nothing known yet",
			in:             clientSecretModel{Expiration: types.StringNull()},
			secret:         secret,
			wantExpiration: types.StringValue("2030-01-01T00:00:00Z"),
		},
		{
			name:           "expiration moved outside Terraform",
			in:             clientSecretModel{Expiration: types.StringValue("2029-01-01T00:00:00Z")},
			secret:         secret,
			wantExpiration: types.StringValue("2030-01-01T00:00:00Z"),
		},
		{
			name:           "client id echoed in another spelling keeps the configured one",
			in:             clientSecretModel{ClientID: types.StringValue("C1"), Expiration: types.StringNull()},
			secret:         secret,
			keepClientID:   true,
			wantClientID:   "C1",
			wantExpiration: types.StringValue("2030-01-01T00:00:00Z"),
		},
		{
			name:           "imported with the client id spelt otherwise takes the API's",
			in:             clientSecretModel{ClientID: types.StringValue("C1"), Expiration: types.StringNull()},
			secret:         secret,
			wantExpiration: types.StringValue("2030-01-01T00:00:00Z"),
		},
		{
			name:           "no expiration",
			in:             clientSecretModel{Expiration: types.StringValue("2030-01-01T00:00:00Z")},
			secret:         &iam.ClientSecret{ClientSecretID: "s1", ClientID: "c1", Created: created},
			wantExpiration: types.StringNull(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := tt.in
			m.Value = types.StringValue("keep-this-value")
			m.ValueWOVersion = types.Int64Value(3)
			m.RenewBefore = types.StringValue("1h")
			m.applySecret(tt.secret, tt.keepClientID)

			wantClient := cmp.Or(tt.wantClientID, "c1")
			if got, want := m.ID.ValueString(), wantClient+"/s1"; got != want {
				t.Errorf("id = %q, want %q", got, want)
			}
			if m.ClientID.ValueString() != wantClient || m.SecretID.ValueString() != "s1" {
				t.Errorf("client_id/secret_id = %v/%v", m.ClientID, m.SecretID)
			}
			if got, want := m.Description, types.StringValue(tt.secret.Description); !got.Equal(want) {
				t.Errorf("description = %v, want %v", got, want)
			}
			if got, want := m.Created.ValueString(), "2026-03-01T12:00:00Z"; got != want {
				t.Errorf("created = %q, want %q", got, want)
			}
			if !m.Expiration.Equal(tt.wantExpiration) {
				t.Errorf("expiration = %v, want %v", m.Expiration, tt.wantExpiration)
			}
			// The API never returns these; applySecret must not touch them.
			if m.Value.ValueString() != "keep-this-value" || m.ValueWOVersion.ValueInt64() != 3 || m.RenewBefore.ValueString() != "1h" {
				t.Errorf("Terraform-only attributes changed: value=%v version=%v renew_before=%v", m.Value, m.ValueWOVersion, m.RenewBefore)
			}
		})
	}
}

func TestUnitIAMClientSecretAppliedSecret(t *testing.T) {
	t.Parallel()
	exp := time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)
	plan := clientSecretModel{
		ClientID: types.StringValue("c1"), ID: types.StringUnknown(), SecretID: types.StringUnknown(), Created: types.StringUnknown(),
		Description: types.StringValue(" padded "), Expiration: types.StringValue("2035-06-01T00:00:00Z"),
	}
	tests := []struct {
		name     string
		secret   iam.ClientSecret
		wantSays string // "": nothing stored otherwise
	}{
		{"as sent", iam.ClientSecret{Description: " padded ", Expiration: new(time.Date(2035, 6, 1, 0, 0, 0, 300, time.UTC))}, ""},
		{"trimmed", iam.ClientSecret{Description: "padded", Expiration: new(time.Date(2035, 6, 1, 0, 0, 0, 0, time.UTC))},
			`description "padded" (configured: " padded ")`},
		{"cut", iam.ClientSecret{Description: " padded ", Expiration: &exp},
			"expiration 2034-01-01T00:00:00Z (configured: 2035-06-01T00:00:00Z)"},
		{"never expires", iam.ClientSecret{Description: "padded"},
			`description "padded" (configured: " padded ") and expiration none (configured: 2035-06-01T00:00:00Z)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.secret
			s.ClientID, s.ClientSecretID = "c1", "s1"
			got, stored := appliedSecret(plan, &s)
			if got.Description != plan.Description || got.Expiration != plan.Expiration || got.ID.ValueString() != "c1/s1" {
				t.Errorf("state %+v, want the planned description and expiration with the API's ids", got)
			}
			if says := stored.describe(); says != tt.wantSays {
				t.Fatalf("describe = %q, want %q", says, tt.wantSays)
			}
			// A read of the same answer shows the configured values again.
			read := got
			read.applySecret(&s, true)
			stored.restore(&read)
			if read.Description != plan.Description || read.Expiration != plan.Expiration {
				t.Errorf("read back as %q, %q; want the configured values", read.Description, read.Expiration)
			}
			for _, name := range storedArguments {
				if !sameArgument(name, stored.held(name, got), *expectedArgument(name, &s)) {
					t.Errorf("held %s = %v, want the API's", name, stored.held(name, got))
				}
				if stored.changes(name, got, got) {
					t.Errorf("an unchanged %s changes", name)
				}
				aligned := got
				*aligned.argument(name) = *expectedArgument(name, &s)
				if stored.changes(name, aligned, got) {
					t.Errorf("%s written as the API holds it changes", name)
				}
				if _, ok := stored.updated(aligned)[name]; ok {
					t.Errorf("%s written as the API holds it is still recorded", name)
				}
			}
		})
	}
}

// expectedArgument is argument name of s as the state records an API value.
func expectedArgument(name string, s *iam.ClientSecret) *types.String {
	var m clientSecretModel
	m.applySecret(s, true)
	return m.argument(name)
}

func TestUnitIAMClientSecretStoredPerArgument(t *testing.T) {
	t.Parallel()
	stored := storedSecret{
		"description": {State: new(" padded "), API: new("padded")},
		"expiration":  {State: new("2035-06-01T00:00:00Z"), API: new("2034-01-01T00:00:00Z")},
	}
	read := func(description, expiration string) clientSecretModel {
		m := clientSecretModel{Description: types.StringValue(description), Expiration: types.StringValue(expiration)}
		stored.restore(&m)
		return m
	}
	// The expiration drifts; the description, still as recorded, keeps showing as configured.
	m := read("padded", "2036-01-01T00:00:00Z")
	if m.Description.ValueString() != " padded " || m.Expiration.ValueString() != "2036-01-01T00:00:00Z" {
		t.Errorf("after an expiration drift: %q, %q", m.Description, m.Expiration)
	}
	if got := stored.held("expiration", m); got.ValueString() != "2036-01-01T00:00:00Z" {
		t.Errorf("a drifted expiration is held as %v", got)
	}
	// The API comes back to what it held: configured again, with the record still there.
	m = read("padded", "2034-01-01T01:00:00+01:00")
	if m.Description.ValueString() != " padded " || m.Expiration.ValueString() != "2035-06-01T00:00:00Z" {
		t.Errorf("after the API came back: %q, %q", m.Description, m.Expiration)
	}
	// A new value changes; the same instant written otherwise does not, and is recorded so.
	planned := m
	planned.Expiration = types.StringValue("2037-01-01T00:00:00Z")
	if !stored.changes("expiration", planned, m) {
		t.Error("a new expiration does not change")
	}
	planned.Expiration = types.StringValue("2035-06-01T02:00:00+02:00")
	if stored.changes("expiration", planned, m) {
		t.Error("the same instant written otherwise changes")
	}
	if got := stored.updated(planned)["expiration"].State; got == nil || *got != "2035-06-01T02:00:00+02:00" {
		t.Errorf("the respelled expiration is recorded as %v", got)
	}
	if storedSecret(nil).changes("description", planned, m) {
		t.Error("no record: an unchanged description changes")
	}
}

func TestUnitIAMClientSecretRequestFromModel(t *testing.T) {
	t.Parallel()
	m := clientSecretModel{Description: types.StringValue("d"), Expiration: types.StringValue("2030-01-01T02:00:00+02:00")}
	req, err := secretRequestFromModel(m, "v4lue-v4lue")
	if err != nil {
		t.Fatal(err)
	}
	if req.Value != "v4lue-v4lue" || req.Description != "d" || req.Expiration == nil ||
		!req.Expiration.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("request = %+v", req)
	}

	req, err = secretRequestFromModel(clientSecretModel{Description: types.StringValue(""), Expiration: types.StringNull()}, "x")
	if err != nil || req.Expiration != nil || req.Description != "" {
		t.Errorf("request without expiration = %+v, %v", req, err)
	}

	if _, err := secretRequestFromModel(clientSecretModel{Expiration: types.StringValue("soon")}, "x"); err == nil {
		t.Error("want an error for an unparsable expiration")
	}
}

func TestUnitIAMClientSecretSameExpiration(t *testing.T) {
	t.Parallel()
	s := types.StringValue
	tests := []struct {
		a, b types.String
		want bool
	}{
		{types.StringNull(), types.StringNull(), true},
		{types.StringNull(), s("2030-01-01T00:00:00Z"), false},
		{s("2030-01-01T00:00:00Z"), types.StringNull(), false},
		{types.StringUnknown(), types.StringUnknown(), false},
		{s("2030-01-01T00:00:00Z"), types.StringUnknown(), false},
		{s("2030-01-01T00:00:00Z"), s("2030-01-01T00:00:00Z"), true},
		{s("2030-01-01T00:00:00Z"), s("2030-01-01T01:00:00+01:00"), true},
		{s("2030-01-01T00:00:00Z"), s("2030-01-01T00:00:00.25Z"), true},
		{s("2030-01-01T00:00:00Z"), s("2030-01-01T00:00:01Z"), false},
		// A server that rounds a fraction to whole seconds answers .6 with the next second.
		{s("2030-01-01T00:00:00.6Z"), s("2030-01-01T00:00:01Z"), true},
		{s("2030-01-01T00:00:01Z"), s("2030-01-01T00:00:00.6Z"), true},
		{s("2030-01-01T00:00:00Z"), s("2030-01-01T00:00:00.999999999Z"), true},
		{s("2030-01-01T00:00:00Z"), s("2029-12-31T23:59:59Z"), false},
		{s("2030-01-01T00:00:00Z"), s("not a time"), false},
	}
	for _, tt := range tests {
		if got := sameExpiration(tt.a, tt.b); got != tt.want {
			t.Errorf("sameExpiration(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// changesExpiration judges a new expiration against the instant the API holds where it is known,
// and falls back to changes where it is not.
func TestUnitIAMClientSecretChangesExpiration(t *testing.T) {
	t.Parallel()
	s := types.StringValue
	at := func(v string) *time.Time {
		tm, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			t.Fatal(err)
		}
		return &tm
	}
	model := func(exp types.String) clientSecretModel { return clientSecretModel{Expiration: exp} }
	cutShort := storedSecret{"expiration": {State: new("2040-01-01T00:00:00Z"), API: new("2030-01-01T00:00:00Z")}}
	tests := []struct {
		name          string
		stored        storedSecret
		planned, prev types.String
		held          *time.Time
		want          bool
	}{
		{"same as held", nil, s("2031-01-01T00:00:01.8Z"), s("2031-01-01T00:00:01.8Z"), at("2031-01-01T00:00:00.9Z"), false},
		{"near the state, far from held", nil, s("2031-01-01T00:00:02.7Z"), s("2031-01-01T00:00:01.8Z"), at("2031-01-01T00:00:00.9Z"), true},
		{"near held, far from the state", nil, s("2031-01-01T00:00:01Z"), s("2031-01-01T00:00:00Z"), at("2031-01-01T00:00:00.6Z"), false},
		{"nothing held: the state decides", nil, s("2031-01-01T00:00:02.7Z"), s("2031-01-01T00:00:01.8Z"), nil, false},
		{"removed", nil, types.StringNull(), s("2031-01-01T00:00:00Z"), at("2031-01-01T00:00:00Z"), true},
		{"added", nil, s("2031-01-01T00:00:00Z"), types.StringNull(), nil, true},
		{"stored differently, still configured", cutShort, s("2040-01-01T00:00:00Z"), s("2040-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"), false},
		{"stored differently, written as held", cutShort, s("2030-01-01T00:00:00Z"), s("2040-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"), false},
		{"stored differently, a third instant", cutShort, s("2035-01-01T00:00:00Z"), s("2040-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"), true},
	}
	for _, tt := range tests {
		if got := tt.stored.changesExpiration(model(tt.planned), model(tt.prev), tt.held); got != tt.want {
			t.Errorf("%s: changesExpiration = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestUnitIAMClientSecretChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		err     error
		wantErr string // "" = no error
	}{
		{"value 7", checkSecretValueLength("value", "1234567"), "value must be between 8 and 32 characters, got 7"},
		{"value 8", checkSecretValueLength("value", "12345678"), ""},
		{"value 32", checkSecretValueLength("value", strings.Repeat("x", 32)), ""},
		{"value 33", checkSecretValueLength("value", strings.Repeat("x", 33)), "value must be between 8 and 32 characters, got 33"},
		{"value counts code points", checkSecretValueLength("value", strings.Repeat("ø", 32)), ""},
		{"description 200", checkSecretDescription(strings.Repeat("é", 200)), ""},
		{"description 201", checkSecretDescription(strings.Repeat("e", 201)), "description must be at most 200 characters, got 201"},
		{"expiration utc", checkExpiration("2030-01-01T00:00:00Z"), ""},
		{"expiration offset and fraction", checkExpiration("2030-01-01T00:00:00.5+02:00"), ""},
		{"expiration lowercase t and z", checkExpiration("2030-01-01t00:00:00z"), ""},
		{"expiration without zone", checkExpiration("2030-01-01T00:00:00"), `expiration must be an RFC 3339 timestamp with a time zone, such as "2030-01-01T00:00:00Z", got "2030-01-01T00:00:00"`},
		{"expiration date only", checkExpiration("2030-01-01"), `got "2030-01-01"`},
		{"expiration offset hour 24", checkExpiration("2030-01-01T00:00:00+24:00"), `got "2030-01-01T00:00:00+24:00"`},
		{"expiration offset minute 60", checkExpiration("2030-01-01T00:00:00-01:60"), `got "2030-01-01T00:00:00-01:60"`},
		{"expiration offset at the limit", checkExpiration("2030-01-01T00:00:00-23:59"), ""},
		{"expiration the last instant of year 9999", checkExpiration("9999-12-31T23:59:59.999Z"), ""},
		{"expiration in year 10000 once in UTC", checkExpiration("9999-12-31T23:59:59-05:00"), `expiration must be no later than 9999-12-31T23:59:59Z once converted to UTC, got "9999-12-31T23:59:59-05:00"`},
		{"future", checkFutureExpiration("2026-01-01T00:00:01Z", now), ""},
		{"now is not the future", checkFutureExpiration("2026-01-01T00:00:00Z", now), `expiration must be in the future, got "2026-01-01T00:00:00Z" (it is now 2026-01-01T00:00:00Z)`},
		{"past", checkFutureExpiration("2020-01-01T00:00:00Z", now), "expiration must be in the future"},
		{"future check also checks format", checkFutureExpiration("tomorrow", now), "RFC 3339"},
		{"renew 720h", checkRenewBefore("720h"), ""},
		{"renew 90m", checkRenewBefore("90m"), ""},
		{"renew days", checkRenewBefore("30d"), `renew_before must be a positive duration in hours, minutes or seconds, such as "720h" for 30 days, got "30d"`},
		{"renew zero", checkRenewBefore("0s"), "positive duration"},
		{"renew negative", checkRenewBefore("-1h"), "positive duration"},
	}
	for _, tt := range tests {
		switch {
		case tt.wantErr == "" && tt.err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, tt.err)
		case tt.wantErr != "" && (tt.err == nil || !strings.Contains(tt.err.Error(), tt.wantErr)):
			t.Errorf("%s: error = %v, want it to contain %q", tt.name, tt.err, tt.wantErr)
		}
	}
}

func TestUnitIAMClientSecretDueForRenewal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		expiration  time.Time
		renewBefore time.Duration
		want        bool
	}{
		{"far away", now.Add(2 * time.Hour), time.Hour, false},
		{"window reaches it", now.Add(2 * time.Hour), 3 * time.Hour, true},
		{"exactly at the window edge", now.Add(time.Hour), time.Hour, true},
		{"just outside the window", now.Add(time.Hour + time.Second), time.Hour, false},
		{"already expired", now.Add(-time.Hour), time.Minute, true},
	}
	for _, tt := range tests {
		if got := dueForRenewal(now, tt.expiration, tt.renewBefore); got != tt.want {
			t.Errorf("%s: dueForRenewal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestUnitIAMClientSecretValueSourceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value, wo, version presence
		want               []string // attribute of each error, in order
	}{
		{configAbsent, configAbsent, configAbsent, nil},
		{configPresent, configAbsent, configAbsent, nil},
		{configAbsent, configPresent, configPresent, nil},
		{configPresent, configPresent, configPresent, []string{"value_wo"}},
		{configAbsent, configPresent, configAbsent, []string{"value_wo_version"}},
		{configAbsent, configAbsent, configPresent, []string{"value_wo"}},
		{configPresent, configPresent, configAbsent, []string{"value_wo", "value_wo_version"}},
		{configPresent, configAbsent, configPresent, []string{"value_wo"}},
		// Unknown may still turn out null (a module's variable): no error until it is known.
		{configUnknown, configUnknown, configUnknown, nil},
		{configPresent, configUnknown, configAbsent, nil},
		{configUnknown, configPresent, configPresent, nil},
		{configAbsent, configPresent, configUnknown, nil},
		{configAbsent, configUnknown, configPresent, nil},
		// What is wrong whatever the unknown turns out to be is an error at once.
		{configUnknown, configPresent, configAbsent, []string{"value_wo_version"}},
		{configUnknown, configAbsent, configPresent, []string{"value_wo"}},
	}
	for _, tt := range tests {
		errs := clientSecretValueSourceErrors(tt.value, tt.wo, tt.version)
		var got []string
		for _, e := range errs {
			got = append(got, e.attribute)
			if e.summary == "" || e.detail == "" {
				t.Errorf("empty summary or detail: %+v", e)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("value=%v value_wo=%v version=%v: errors on %v, want %v", tt.value, tt.wo, tt.version, got, tt.want)
		}
	}
}

func TestUnitIAMClientSecretRedact(t *testing.T) {
	t.Parallel()
	if got := redact("POST failed for s3cr3t-value and s3cr3t-value", "s3cr3t-value"); strings.Contains(got, "s3cr3t") {
		t.Errorf("redact left the value in: %q", got)
	}
	if got := redact("unchanged", ""); got != "unchanged" {
		t.Errorf("redact with no value = %q", got)
	}
}

// TestUnitCreatedFromAPI: an answer without a creation time leaves created null, not year 1.
func TestUnitCreatedFromAPI(t *testing.T) {
	t.Parallel()
	if got := createdFromAPI(time.Time{}); !got.IsNull() {
		t.Errorf("createdFromAPI(zero) = %v, want null", got)
	}
	at := time.Date(2026, 3, 1, 13, 0, 0, 0, time.FixedZone("CET", 3600))
	if got := createdFromAPI(at); got.ValueString() != "2026-03-01T12:00:00Z" {
		t.Errorf("createdFromAPI(%v) = %v, want the UTC time", at, got)
	}
}

// redact takes a value out of text in the forms a call's path and query give it too: a value set
// as the client id is path-escaped in the error of a listing that did not carry it.
func TestRedact(t *testing.T) {
	t.Parallel()
	const value = "my secret/value"
	for _, text := range []string{
		"GET /v1/clients/my%20secret%2Fvalue/secrets?page=1: 404 Not Found",
		"GET /v1/clients?searchText=my+secret%2Fvalue",
		`client "my secret/value"`,
		"GET /v1/clients/%6d%79%20secret%2fvalue/secrets",
	} {
		if got := redact(text, value); strings.Contains(got, "value") || !strings.Contains(got, "[redacted]") {
			t.Errorf("redact(%q) = %q", text, got)
		}
	}
	if got := redact("terraform import x", ""); got != "terraform import x" {
		t.Errorf("redact without a value = %q", got)
	}
}

// TestUnitRedactedError: the value is out of the text, and the cause still matches.
func TestUnitRedactedError(t *testing.T) {
	t.Parallel()
	err := redactedError{fmt.Errorf("GET /v1/clients/s3cr3t-value-1/secrets: %w", iam.ErrNotFound), "s3cr3t-value-1"}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the value is in the error: %q", err.Error())
	}
	if !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
	}
}
