package provider

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// API limits of a client secret (CONTRACT.md §4), counted in Unicode code points.
const (
	minSecretValueLength       = 8
	maxSecretValueLength       = 32
	maxSecretDescriptionLength = 200
)

// clientSecretModel is the Terraform state of aritma_iam_client_secret.
type clientSecretModel struct {
	ID                types.String   `tfsdk:"id"`
	ClientID          types.String   `tfsdk:"client_id"`
	SecretID          types.String   `tfsdk:"secret_id"`
	Description       types.String   `tfsdk:"description"`
	Expiration        types.String   `tfsdk:"expiration"`
	Created           types.String   `tfsdk:"created"`
	Value             types.String   `tfsdk:"value"`
	ValueWO           types.String   `tfsdk:"value_wo"`
	ValueWOVersion    types.Int64    `tfsdk:"value_wo_version"`
	RotateWhenChanged types.Map      `tfsdk:"rotate_when_changed"`
	RenewBefore       types.String   `tfsdk:"renew_before"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// applySecret copies what the API knows about a secret into m: the ids, description, creation
// time and expiration. It leaves the value and the Terraform-only arguments alone, because the
// API never returns a value and knows nothing of keepers or renewal windows. An expiration that
// denotes the same instant as the one already in m keeps m's spelling, so a configured
// "2030-01-01T01:00:00+01:00" does not turn into a diff when the API echoes it in UTC. With
// keepClientID (a secret Terraform created), a known client_id stays as configured: the create was
// addressed by it, and an API that echoes the opaque id spelt otherwise (another case, say) must
// not make the result differ from the config. An imported secret takes the API's spelling, which
// is what a reference to the client resource holds.
func (m *clientSecretModel) applySecret(s *iam.ClientSecret, keepClientID bool) {
	if !keepClientID || m.ClientID.IsNull() || m.ClientID.IsUnknown() || m.ClientID.ValueString() == "" {
		m.ClientID = types.StringValue(s.ClientID)
	}
	m.SecretID = types.StringValue(s.ClientSecretID)
	m.ID = types.StringValue(clientSecretID(m.ClientID.ValueString(), s.ClientSecretID))
	m.Description = types.StringValue(s.Description)
	m.Created = createdFromAPI(s.Created)
	m.Expiration = expirationFromAPI(m.Expiration, s.Expiration)
}

// storedSecret records, per argument ("description", "expiration"), a value the API stores
// otherwise than it was sent (a trimmed description, an expiration cut to a maximum lifetime):
// what the state shows and what the API holds. Kept in private state (see privateKeyStoredAs).
type storedSecret map[string]storedValue

// storedValue is one argument of a storedSecret; nil stands for null (no expiration).
type storedValue struct {
	State *string `json:"state"`
	API   *string `json:"api"`
}

// storedArguments are the arguments the API may store otherwise: the ones it takes in a create
// and answers with.
var storedArguments = []string{"description", "expiration"}

// argument is m's value of a storedArguments name.
func (m *clientSecretModel) argument(name string) *types.String {
	if name == "expiration" {
		return &m.Expiration
	}
	return &m.Description
}

// sameArgument reports whether a and b are the same value of argument name: an expiration is the
// same at the same instant, however written.
func sameArgument(name string, a, b types.String) bool {
	if name == "expiration" {
		return sameExpiration(a, b)
	}
	return a.Equal(b)
}

// appliedSecret is the state after a create: the plan with what the API assigned (ids, created
// time). The description and the expiration stay as planned even when the answer holds them
// otherwise: Terraform refuses a state that differs from the plan in what the configuration sets
// ("inconsistent result"), and it would then taint the secret, which exists and may already be in
// use, and replace it on every apply, since the API stores every new one the same way. stored
// records those arguments, nil when the answer holds what was sent.
func appliedSecret(plan clientSecretModel, s *iam.ClientSecret) (m clientSecretModel, stored storedSecret) {
	m = plan
	m.applySecret(s, true)
	for _, name := range storedArguments {
		planned, api := *plan.argument(name), *m.argument(name)
		if !sameArgument(name, planned, api) {
			if stored == nil {
				stored = storedSecret{}
			}
			stored[name] = storedValue{State: planned.ValueStringPointer(), API: api.ValueStringPointer()}
			*m.argument(name) = planned
		}
	}
	return m, stored
}

// restore puts back into m, as just read from the API, the state's value of every argument the
// API still holds as recorded. An argument the API holds otherwise since is drift and stays as
// read; the record stays too, for the API may come back to it.
func (s storedSecret) restore(m *clientSecretModel) {
	for name, v := range s {
		if sameArgument(name, *m.argument(name), types.StringPointerValue(v.API)) {
			*m.argument(name) = types.StringPointerValue(v.State)
		}
	}
}

// held is what the API holds of argument name of a secret whose state is state: the recorded API
// value where the state shows the recorded state value instead, else the state's own.
func (s storedSecret) held(name string, state clientSecretModel) types.String {
	shown := *state.argument(name)
	if v, ok := s[name]; ok && sameArgument(name, shown, types.StringPointerValue(v.State)) {
		return types.StringPointerValue(v.API)
	}
	return shown
}

// changes reports whether planned, for argument name, is a new value: neither the state's nor
// what the API holds. A configuration written the way the API holds the value, as the "Stored
// Differently" warning suggests, changes nothing on the API's side and replaces nothing.
func (s storedSecret) changes(name string, planned, state clientSecretModel) bool {
	p := *planned.argument(name)
	return !sameArgument(name, p, *state.argument(name)) && !sameArgument(name, p, s.held(name, state))
}

// changesExpiration is changes for the expiration, judged against held, the instant the API holds
// as exactly as it answered (nil where the private state has none: a state an older provider
// wrote). The state may show another spelling less than a second from it (the configured one, or
// the API's at whole seconds); comparing with that spelling instead would let edits each less
// than a second from the last walk the state away from what the API holds, with no plan ever
// proposing the replacement that a refresh then does.
func (s storedSecret) changesExpiration(planned, state clientSecretModel, held *time.Time) bool {
	p := planned.Expiration
	if held == nil || p.IsNull() || p.IsUnknown() || state.Expiration.IsNull() {
		return s.changes("expiration", planned, state)
	}
	tp, err := parseExpiration(p.ValueString())
	if err != nil {
		return s.changes("expiration", planned, state)
	}
	if sameInstant(tp, *held) {
		return false
	}
	// Stored differently (see storedSecret): the state shows the configured instant, which the API
	// never held, and configuring it still changes nothing.
	v, recorded := s["expiration"]
	return !recorded || !sameExpiration(state.Expiration, types.StringPointerValue(v.State)) || !sameExpiration(p, state.Expiration)
}

// updated is the record after an update to plan (which changes no argument; see changes): an
// argument now written as the API holds it needs no record, and one written anew for the same
// instant records the new spelling.
func (s storedSecret) updated(plan clientSecretModel) storedSecret {
	out := storedSecret{}
	for name, v := range s {
		p := *plan.argument(name)
		switch {
		case sameArgument(name, p, types.StringPointerValue(v.API)):
			continue
		case sameArgument(name, p, types.StringPointerValue(v.State)):
			v.State = p.ValueStringPointer()
		}
		out[name] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// describe says what the API holds, against what is configured, for a warning.
func (s storedSecret) describe() string {
	show := func(name string, v *string) string {
		switch {
		case v == nil:
			return "none"
		case name == "description":
			return strconv.Quote(*v)
		}
		return *v
	}
	var parts []string
	for _, name := range storedArguments {
		if v, ok := s[name]; ok {
			parts = append(parts, fmt.Sprintf("%s %s (configured: %s)", name, show(name, v.API), show(name, v.State)))
		}
	}
	return strings.Join(parts, " and ")
}

// secretRequestFromModel builds the create request for value. The expiration has passed the
// schema validator by now, so a parse error here means a bug, and it is reported as such.
func secretRequestFromModel(m clientSecretModel, value string) (iam.SecretRequest, error) {
	req := iam.SecretRequest{Value: value, Description: m.Description.ValueString()}
	if !m.Expiration.IsNull() && !m.Expiration.IsUnknown() {
		t, err := parseExpiration(m.Expiration.ValueString())
		if err != nil {
			return iam.SecretRequest{}, err
		}
		req.Expiration = &t
	}
	return req, nil
}

// expirationFromAPI is the expiration to keep in state: null when the API reports none, prior when
// it denotes the same instant as the API's, else the API's own value in UTC.
func expirationFromAPI(prior types.String, api *time.Time) types.String {
	if api == nil {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		if t, err := parseExpiration(prior.ValueString()); err == nil && sameInstant(t, *api) {
			return prior
		}
	}
	return types.StringValue(formatAPITime(*api))
}

// sameExpiration reports whether two expiration values mean the same thing: both null, or two
// timestamps of the same instant however they are written. Unknown values are never the same.
func sameExpiration(a, b types.String) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return false
	}
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull()
	}
	if a.ValueString() == b.ValueString() {
		return true
	}
	ta, errA := parseExpiration(a.ValueString())
	tb, errB := parseExpiration(b.ValueString())
	return errA == nil && errB == nil && sameInstant(ta, tb)
}

// sameInstant takes instants less than a second apart for the same: a server may store timestamps
// with less precision than the configuration gave, cut or rounded (a fraction of .6 may come back
// as the next second), and that must not make Terraform replace the secret over and over.
func sameInstant(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Second && d < time.Second
}

// formatAPITime renders an API timestamp the way the provider stores every timestamp it reads:
// RFC 3339 in UTC, at second precision (as the aritma_iam_client_secrets data source does).
func formatAPITime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// createdFromAPI is a secret's creation time for state: null when the answer did not say (a create
// answer may leave it out; the next read fills it in), never the zero time as a date in year 1.
func createdFromAPI(t time.Time) types.String {
	if t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(formatAPITime(t))
}

// parseExpiration parses an RFC 3339 timestamp. The time zone (Z or an offset) is required,
// because the API rejects an expiration without one. RFC 3339 allows a lowercase "t" and "z",
// which Go's layout does not; no other letter can be part of a valid timestamp.
func parseExpiration(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.ToUpper(s))
	if err != nil || !zoneOffsetInRange(s) {
		return time.Time{}, fmt.Errorf("expiration must be an RFC 3339 timestamp with a time zone, such as \"2030-01-01T00:00:00Z\", got %q", s)
	}
	if t.After(iam.LatestExpiration) {
		// The API takes and answers UTC, where this instant needs a fifth digit of year that RFC 3339
		// has no room for: it would refuse what the user wrote as a format error.
		return time.Time{}, fmt.Errorf("expiration must be no later than %s once converted to UTC, got %q", iam.LatestExpiration.Format(time.RFC3339), s)
	}
	return t, nil
}

// zoneOffsetInRange reports whether the zone offset of a timestamp time.Parse accepted is one RFC
// 3339 allows (hours 00-23, minutes 00-59): time.Parse takes "+24:00" and "+00:60" too, which
// the API refuses.
func zoneOffsetInRange(s string) bool {
	if len(s) < 6 || strings.ContainsAny(s[len(s)-1:], "Zz") {
		return true
	}
	off := s[len(s)-6:] // "+hh:mm"
	return off[1:3] <= "23" && off[4:6] <= "59"
}

// checkExpiration is the plan-time check of the expiration format.
func checkExpiration(s string) error {
	_, err := parseExpiration(s)
	return err
}

// checkFutureExpiration is the check that a new secret does not expire before it exists: a
// warning at plan time, an error at create.
func checkFutureExpiration(s string, now time.Time) error {
	t, err := parseExpiration(s)
	if err != nil {
		return err
	}
	if !t.After(now) {
		return fmt.Errorf("expiration must be in the future, got %q (it is now %s)", s, formatAPITime(now))
	}
	return nil
}

// checkSecretValueLength applies the API's length rule, in the API's words, to the attribute attr
// (value or value_wo). It never repeats the value itself.
func checkSecretValueLength(attr, s string) error {
	if n := utf8.RuneCountInString(s); n < minSecretValueLength || n > maxSecretValueLength {
		return fmt.Errorf("%s must be between %d and %d characters, got %d", attr, minSecretValueLength, maxSecretValueLength, n)
	}
	return nil
}

// checkSecretDescription applies the API's length rule of a secret's description.
func checkSecretDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > maxSecretDescriptionLength {
		return fmt.Errorf("description must be at most %d characters, got %d", maxSecretDescriptionLength, n)
	}
	return nil
}

// parseRenewBefore parses renew_before: a positive Go duration such as "720h".
func parseRenewBefore(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("renew_before must be a positive duration in hours, minutes or seconds, such as \"720h\" for 30 days, got %q", s)
	}
	return d, nil
}

// checkRenewBefore is the plan-time check of renew_before.
func checkRenewBefore(s string) error {
	_, err := parseRenewBefore(s)
	return err
}

// dueForRenewal reports whether a secret expiring at expiration is within renewBefore of now, or
// already expired, and so must be replaced.
func dueForRenewal(now, expiration time.Time, renewBefore time.Duration) bool {
	return !now.Add(renewBefore).Before(expiration)
}
