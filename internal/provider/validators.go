package provider

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The checks in this file mirror the validation rules of the Aritma IAM API (CONTRACT.md §3, §5,
// §9) with the API's own wording, so a mistake fails at plan time with the message the user would
// otherwise only see at apply. They are plain functions first (checkX) so data sources and tests
// can use them without the framework, and validators second (xValidator) for schemas.
//
// The rules that need the server's catalogues (which OAuth scopes and which actions exist, which
// subjects exist) are left to the API: the provider must not reject a scope or an action that a
// newer server knows.

var (
	_ validator.String = stringCheck{}
	_ validator.Set    = setNotEmpty{}
)

// OAuth 2.0 grant types the API accepts for a client.
const (
	grantTypeClientCredentials = "client_credentials"
	grantTypeAuthorizationCode = "authorization_code"
	grantTypeRefreshToken      = "refresh_token"
)

// supportedGrantTypes lists the accepted grant types in the order the API documents them.
var supportedGrantTypes = []string{grantTypeClientCredentials, grantTypeAuthorizationCode, grantTypeRefreshToken}

// maxPolicyScopeLength is the API's upper bound of a policy scope (CONTRACT.md §5).
const maxPolicyScopeLength = 512

// checkGrantType accepts one of supportedGrantTypes.
func checkGrantType(s string) error {
	for _, g := range supportedGrantTypes {
		if s == g {
			return nil
		}
	}
	return fmt.Errorf("grant type %q is not supported; allowed: %s", s, strings.Join(supportedGrantTypes, ", "))
}

// checkRedirectURI accepts an absolute https URI without a fragment; http only for a loopback host
// (localhost, 127.0.0.1, [::1]), which the parsed host decides: http://localhost.example.com is not
// loopback.
func checkRedirectURI(s string) error {
	notAbsoluteHTTPS := fmt.Errorf("redirect URI %q must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])", s)
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return notAbsoluteHTTPS
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("redirect URI %q must not contain a fragment", s)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		switch strings.ToLower(u.Hostname()) {
		case "localhost", "127.0.0.1", "::1":
			return nil
		}
	}
	return notAbsoluteHTTPS
}

// checkOAuthScope accepts a non-empty OAuth scope name without whitespace (a token request
// separates scopes with spaces, so a scope cannot contain one). Whether the scope exists is the
// API's decision.
func checkOAuthScope(s string) error {
	if s == "" {
		return fmt.Errorf("scope must not be empty")
	}
	// The scope is not quoted, nor the character: a secret put into scopes by mistake (a mixed-up
	// variable) must not reach a diagnostic, and through it the logs. Its place finds it.
	at := func(i int) string {
		return fmt.Sprintf("character %d of %d", utf8.RuneCountInString(s[:i])+1, utf8.RuneCountInString(s))
	}
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return fmt.Errorf("scope must not contain whitespace (%s is)", at(i))
	}
	// RFC 6749 §3.3: a scope token is printable ASCII but for '"' and '\'.
	if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e || r == '"' || r == '\\' }); i >= 0 {
		return fmt.Errorf("scope must hold only printable ASCII characters other than '\"' and '\\' (RFC 6749); %s is not one", at(i))
	}
	return nil
}

// checkPolicyScope accepts a resource scope: "/" or "/<type>/<id>[/<type>/<id>...]" with segments
// of [A-Za-z0-9._~-], no empty segment, no trailing "/", at most 512 characters. The checks run in
// the API's order, so the first message is the one the API would return.
func checkPolicyScope(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("scope is required")
	case len(s) > maxPolicyScopeLength:
		return fmt.Errorf("scope must be at most %d characters, got %d", maxPolicyScopeLength, len(s))
	case s[0] != '/':
		return fmt.Errorf("scope must start with \"/\"")
	case s == "/":
		return nil
	case s[len(s)-1] == '/':
		return fmt.Errorf("scope must not end with \"/\" (only the root scope \"/\" may)")
	}
	segments := strings.Split(s[1:], "/")
	for _, seg := range segments {
		if seg == "" {
			return fmt.Errorf("scope must not contain empty segments")
		}
		for i := 0; i < len(seg); i++ {
			if !isScopeSegmentChar(seg[i]) {
				return fmt.Errorf("scope segment %q may only contain the characters A-Z a-z 0-9 . _ ~ -", seg)
			}
		}
	}
	if len(segments)%2 != 0 {
		return fmt.Errorf("scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123")
	}
	return nil
}

func isScopeSegmentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '~' || c == '-'
}

// checkAction accepts the format of an action name: dot-separated segments of lower-case letters
// and digits, where a segment may contain single '-' or '_' between them ("owner",
// "iam.client.read", "banking.channels.psd2"). Whether the action exists is the API's decision.
func checkAction(s string) error {
	valid := s != ""
	for _, seg := range strings.Split(s, ".") {
		if !isActionSegment(seg) {
			valid = false
			break
		}
	}
	if !valid {
		return fmt.Errorf("action %q must be dot-separated lower-case segments of a-z and 0-9, e.g. \"iam.client.read\"", s)
	}
	return nil
}

func isActionSegment(seg string) bool {
	if seg == "" {
		return false
	}
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '-' || c == '_') && i > 0 && i < len(seg)-1 && seg[i-1] != '-' && seg[i-1] != '_':
		default:
			return false
		}
	}
	return true
}

// Subject id prefixes: a subject id is "<type>-<id>" with a lower-case type (CONTRACT.md §2).
var subjectIDPrefixes = []string{"user-", "client-", "group-"}

// checkSubjectID accepts the form of a subject id: user-<id>, client-<id> or group-<id>. Whether
// the subject exists is the API's decision.
func checkSubjectID(s string) error {
	// No prefix is another's prefix, so a subject id longer than its prefix is none of them.
	if hasSubjectIDPrefix(s) && !slices.Contains(subjectIDPrefixes, s) && !hasSpaceOrControl(s) {
		return nil
	}
	return fmt.Errorf("subject %q must be a subject id of the form user-<id>, client-<id> or group-<id>", s)
}

// checkClientRedirectURIs is the API's rule that ties redirect URIs to the authorization_code
// grant: at least one is required when it is allowed, and none may be given otherwise.
func checkClientRedirectURIs(grantTypes, redirectURIs []string) error {
	authCode := false
	for _, g := range grantTypes {
		if g == grantTypeAuthorizationCode {
			authCode = true
		}
	}
	switch {
	case authCode && len(redirectURIs) == 0:
		return fmt.Errorf("redirect_uris must contain at least one URI when %s is allowed", grantTypeAuthorizationCode)
	case !authCode && len(redirectURIs) > 0:
		return fmt.Errorf("redirect_uris must be empty unless %s is allowed", grantTypeAuthorizationCode)
	}
	return nil
}

// validateClientRedirectURIs applies checkClientRedirectURIs to configuration values. It says
// nothing while either set is unknown (it will be checked again at apply) or holds unknown
// elements.
func validateClientRedirectURIs(grantTypesSet, redirectURIsSet types.Set) diag.Diagnostics {
	var diags diag.Diagnostics
	if grantTypesSet.IsUnknown() || redirectURIsSet.IsUnknown() || grantTypesSet.IsNull() {
		return diags
	}
	grants, ok := knownStrings(grantTypesSet)
	if !ok {
		return diags
	}
	uris, ok := knownStrings(redirectURIsSet)
	if !ok {
		return diags
	}
	if err := checkClientRedirectURIs(grants, uris); err != nil {
		diags.AddAttributeError(path.Root("redirect_uris"), "Invalid Redirect URIs", err.Error()+".")
	}
	return diags
}

// knownStrings returns the string elements of a set; ok is false when any element is unknown.
// A null set has no elements; null elements are skipped.
func knownStrings(s types.Set) (values []string, ok bool) {
	for _, e := range s.Elements() {
		sv, isString := e.(types.String)
		if !isString {
			continue
		}
		if sv.IsUnknown() {
			return nil, false
		}
		if !sv.IsNull() {
			values = append(values, sv.ValueString())
		}
	}
	return values, true
}

// stringCheck is a validator.String built from one of the check functions above.
type stringCheck struct {
	summary     string
	description string
	check       func(string) error
}

func (v stringCheck) Description(_ context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(_ context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := v.check(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, err.Error()+".")
	}
}

// clientIDValidator refuses, at validate, a client_id that cannot be a client id (see
// isIDSegment): the API client would refuse to send it, and the apply would fail on it.
func clientIDValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Client ID",
		description: "value must be a client id",
		check: func(s string) error {
			if !isIDSegment(s) {
				return fmt.Errorf("client_id must be a client id: not empty, \".\" or \"..\", and without '/' or whitespace, got %q", s)
			}
			return nil
		},
	}
}

// positiveTimeoutValidator refuses a timeouts value of zero or less, which the timeouts package
// accepts: the operation would fail at apply with a bare "context deadline exceeded". A value it
// cannot parse is left to the package's own validator.
func positiveTimeoutValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Timeout",
		description: "value must be a positive duration",
		check: func(s string) error {
			if d, err := time.ParseDuration(s); err == nil && d <= 0 {
				return fmt.Errorf("timeout %q must be a positive duration, such as \"10m\"", s)
			}
			return nil
		},
	}
}

// grantTypeValidator checks one grant type; use it inside setvalidator.ValueStringsAre.
func grantTypeValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Grant Type",
		description: "value must be one of " + strings.Join(supportedGrantTypes, ", "),
		check:       checkGrantType,
	}
}

// redirectURIValidator checks one redirect URI; use it inside setvalidator.ValueStringsAre.
func redirectURIValidator() validator.String {
	return stringCheck{
		summary:     "Invalid Redirect URI",
		description: "value must be an absolute https:// URI without a fragment (http:// only for localhost, 127.0.0.1 or [::1])",
		check:       checkRedirectURI,
	}
}

// oauthScopeValidator checks one OAuth scope name; use it inside setvalidator.ValueStringsAre.
func oauthScopeValidator() validator.String {
	return stringCheck{
		summary:     "Invalid OAuth Scope",
		description: "value must be a non-empty OAuth scope name without whitespace",
		check:       checkOAuthScope,
	}
}

// policyScopeValidator checks the syntax of a policy (resource) scope such as "/subscriptions/123".
func policyScopeValidator() stringCheck {
	return stringCheck{
		summary:     "Invalid Policy Scope",
		description: "value must be \"/\" or /<type>/<id> pairs of A-Z a-z 0-9 . _ ~ - characters, at most 512 characters",
		check:       checkPolicyScope,
	}
}

// permissionScopeValidator checks the scope aritma_iam_permissions answers allowed for: a policy
// scope, and no dot-segment ("." or ".."). The API may take either as a name, as allowed does
// when it compares scopes segment by segment; but a scope built from input such as
// "/subscriptions/${var.id}" would then be asked about a path its author reads as another one
// ("/subscriptions/1/x/.." read as "/subscriptions/1"), and a precondition must not rest on that.
func permissionScopeValidator() stringCheck {
	return stringCheck{
		summary:     "Invalid Policy Scope",
		description: "value must be \"/\" or /<type>/<id> pairs of A-Z a-z 0-9 . _ ~ - characters, no \".\" or \"..\" segment, at most 512 characters",
		check: func(s string) error {
			if err := checkPolicyScope(s); err != nil {
				return err
			}
			for _, seg := range strings.Split(s, "/") {
				if seg == "." || seg == ".." {
					return fmt.Errorf("scope segment %q is not allowed here: allowed compares scopes segment by segment and "+
						"would not take it for the current or the parent scope; write the scope it stands for", seg)
				}
			}
			return nil
		},
	}
}

// actionValidator checks the format of an action name such as "iam.client.read".
func actionValidator() stringCheck {
	return stringCheck{
		summary:     "Invalid Action",
		description: "value must be dot-separated lower-case segments, e.g. \"iam.client.read\"",
		check:       checkAction,
	}
}

// subjectIDValidator checks the form of a subject id such as "client-<client_id>".
func subjectIDValidator() stringCheck {
	return stringCheck{
		summary:     "Invalid Subject",
		description: "value must be a subject id of the form user-<id>, client-<id> or group-<id>",
		check: func(s string) error {
			err := checkSubjectID(s)
			if err != nil && !hasSubjectIDPrefix(s) {
				// Most often a client's id where its subject id belongs.
				err = fmt.Errorf("%w. A client's subject id is client-<client_id>: use aritma_iam_client.<name>.subject_id "+
					"or provider::aritma::client_subject_id(<client_id>); look others up with the aritma_iam_subject data source", err)
			}
			return err
		},
	}
}

// hasSubjectIDPrefix reports whether s starts with user-, client- or group-.
func hasSubjectIDPrefix(s string) bool {
	return slices.ContainsFunc(subjectIDPrefixes, func(p string) bool { return strings.HasPrefix(s, p) })
}

// permissionFilterValidator refuses "" for a filter of the permissions data source: the API reads
// an empty filter as no filter (CONTRACT.md §9), so "" would keep every permission while reading
// like "only those without a resource type" (the grants on "/").
func permissionFilterValidator(name string) validator.String {
	return stringCheck{
		summary:     "Invalid Permission Filter",
		description: "value must not be empty",
		check: func(v string) error {
			if v != "" {
				return nil
			}
			return fmt.Errorf("%s must not be empty: the API reads an empty filter as none, so every permission "+
				"would be kept. Leave %s out (null) to keep all; the grants on \"/\" are those whose resource_type is \"\"", name, name)
		},
	}
}

// notEmptyFilter is c for an optional argument that narrows what a data source reads: "" is
// refused in the data source's own words, where c would say "is required" (true of a
// resource's argument, not of a filter). leaveOut says what null does instead.
func notEmptyFilter(name, leaveOut string, c stringCheck) validator.String {
	check := c.check
	c.check = func(v string) error {
		if v == "" {
			return fmt.Errorf("%s must not be empty: leave it out (null) %s", name, leaveOut)
		}
		return check(v)
	}
	return c
}

// setNotEmpty requires at least one element, in the API's words: "<attribute> must contain at
// least one <what>". Unknown and null sets are left alone (Required catches null).
type setNotEmpty struct {
	what string
}

// setNotEmptyValidator requires a set to hold at least one element; what names an element.
func setNotEmptyValidator(what string) validator.Set {
	return setNotEmpty{what: what}
}

func (v setNotEmpty) Description(_ context.Context) string {
	return "set must contain at least one " + v.what
}

func (v setNotEmpty) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v setNotEmpty) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || len(req.ConfigValue.Elements()) > 0 {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value",
		fmt.Sprintf("%s must contain at least one %s.", req.Path, v.what))
}

// noNullElements refuses a null element in a set or list of strings. A module writes
// ["api", var.extra] with var.extra defaulting to null; the API gets the list without it, the
// state would keep it, and every later plan would try to add it again.
type noNullElements struct{}

// noNullElementsValidator is noNullElements for sets and lists.
func noNullElementsValidator() noNullElements { return noNullElements{} }

func (v noNullElements) Description(_ context.Context) string {
	return "elements must not be null"
}

func (v noNullElements) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v noNullElements) check(p path.Path, elems []attr.Value, diags *diag.Diagnostics) {
	for _, e := range elems {
		if e.IsNull() {
			diags.AddAttributeError(p, "Invalid Attribute Value",
				fmt.Sprintf("%s must not contain null: a null element (such as an optional variable left unset) cannot "+
					"be sent to the API. Leave it out, for example with compact([...]).", p))
			return
		}
	}
}

func (v noNullElements) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() {
		v.check(req.Path, req.ConfigValue.Elements(), &resp.Diagnostics)
	}
}

func (v noNullElements) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() {
		v.check(req.Path, req.ConfigValue.Elements(), &resp.Diagnostics)
	}
}
