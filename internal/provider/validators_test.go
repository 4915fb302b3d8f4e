package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestCheckGrantType(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"client_credentials", "authorization_code", "refresh_token"} {
		if err := checkGrantType(ok); err != nil {
			t.Errorf("checkGrantType(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "password", "implicit", "Client_Credentials", "client_credentials "} {
		err := checkGrantType(bad)
		if err == nil {
			t.Errorf("checkGrantType(%q) = nil, want an error", bad)
			continue
		}
		want := "is not supported; allowed: client_credentials, authorization_code, refresh_token"
		if !strings.Contains(err.Error(), want) {
			t.Errorf("checkGrantType(%q) = %q, want it to contain %q", bad, err, want)
		}
	}
}

func TestCheckRedirectURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri, wantErr string
	}{
		{"https://app.example.com/callback", ""},
		{"https://app.example.com:8443/cb?x=1", ""},
		{"HTTPS://APP.EXAMPLE.COM/cb", ""},
		{"http://localhost/cb", ""},
		{"http://localhost:3000/cb", ""},
		{"http://LOCALHOST:3000/cb", ""},
		{"http://127.0.0.1:8080/cb", ""},
		{"http://[::1]:8080/cb", ""},
		{"http://example.com/cb", `redirect URI "http://example.com/cb" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])`},
		{"http://localhost.example.com/cb", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
		{"http://127.0.0.2/cb", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
		{"ftp://example.com/cb", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
		{"https://app.example.com/cb#frag", `redirect URI "https://app.example.com/cb#frag" must not contain a fragment`},
		{"https://app.example.com/cb#", "must not contain a fragment"},
		{"/callback", `redirect URI "/callback" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])`},
		{"app.example.com/cb", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
		{"https://", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
		{"", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
		{"https://exa mple.com", "must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])"},
	}
	for _, tt := range tests {
		err := checkRedirectURI(tt.uri)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("checkRedirectURI(%q) = %v, want nil", tt.uri, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("checkRedirectURI(%q) = nil, want %q", tt.uri, tt.wantErr)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("checkRedirectURI(%q) = %q, want it to contain %q", tt.uri, err, tt.wantErr)
		}
	}
}

func TestCheckOAuthScope(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"api", "services.iam", "bankservice", "some:custom/scope"} {
		if err := checkOAuthScope(ok); err != nil {
			t.Errorf("checkOAuthScope(%q) = %v, want nil", ok, err)
		}
	}
	if err := checkOAuthScope(""); err == nil || err.Error() != "scope must not be empty" {
		t.Errorf(`checkOAuthScope("") = %v, want "scope must not be empty"`, err)
	}
	for in, want := range map[string]string{
		"api services.iam": `scope must not contain whitespace (character 4 of 16 is)`,
		"api\u00a0x":       `scope must not contain whitespace (character 4 of 5 is)`,
		`a"b`:              `scope must hold only printable ASCII characters other than '"' and '\' (RFC 6749); character 2 of 3 is not one`,
		"bank\u00e5":       `scope must hold only printable ASCII characters other than '"' and '\' (RFC 6749); character 5 of 5 is not one`,
	} {
		if err := checkOAuthScope(in); err == nil || err.Error() != want {
			t.Errorf("checkOAuthScope(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestCheckPolicyScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		scope, wantErr string
	}{
		{"/", ""},
		{"/subscriptions/123", ""},
		{"/subscriptions/123/resource-groups/my-company", ""},
		{"/a.b/c_d~e-F9", ""},
		{"/" + strings.Repeat("a", 255) + "/" + strings.Repeat("b", 255), ""}, // 512 exactly
		{"", "scope is required"},
		{"subscriptions/1", `scope must start with "/"`},
		{"/a//b", "scope must not contain empty segments"},
		{"//", `scope must not end with "/" (only the root scope "/" may)`},
		{"/a/", `scope must not end with "/" (only the root scope "/" may)`},
		{"/subscriptions", "scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123"},
		{"/a/b/c", "scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123"},
		{"/subscriptions/my sub", `scope segment "my sub" may only contain the characters A-Z a-z 0-9 . _ ~ -`},
		{"/subscriptions/ø", `scope segment "ø" may only contain the characters A-Z a-z 0-9 . _ ~ -`},
		{"/subscriptions/1,2", `scope segment "1,2" may only contain`},
		{"/" + strings.Repeat("a", 256) + "/" + strings.Repeat("b", 255), "scope must be at most 512 characters, got 513"},
	}
	for _, tt := range tests {
		err := checkPolicyScope(tt.scope)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("checkPolicyScope(%q) = %v, want nil", tt.scope, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("checkPolicyScope(%q) = nil, want %q", tt.scope, tt.wantErr)
		case tt.wantErr != "" && !strings.HasPrefix(err.Error(), tt.wantErr):
			t.Errorf("checkPolicyScope(%q) = %q, want %q", tt.scope, err, tt.wantErr)
		}
	}
}

func TestCheckAction(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"owner", "iam.manage", "iam.client.read", "banking.channels.psd2", "x.resource-groups.read", "a_b.c"} {
		if err := checkAction(ok); err != nil {
			t.Errorf("checkAction(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "iam.", ".iam", "iam..read", "IAM.client.read", "iam.client.Read", "iam client", "iam/client", "-iam", "iam-", "iam--x", "iam.client.read*"} {
		err := checkAction(bad)
		if err == nil {
			t.Errorf("checkAction(%q) = nil, want an error", bad)
			continue
		}
		want := `action "` + bad + `" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read"`
		if err.Error() != want {
			t.Errorf("checkAction(%q) = %q, want %q", bad, err, want)
		}
	}
}

func TestCheckClientRedirectURIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		grants, uris  []string
		wantErrPrefix string
	}{
		{"client credentials only", []string{"client_credentials"}, nil, ""},
		{"authorization code with uri", []string{"authorization_code", "refresh_token"}, []string{"https://a.example/cb"}, ""},
		{"authorization code without uri", []string{"authorization_code"}, nil, "redirect_uris must contain at least one URI when authorization_code is allowed"},
		{"uri without authorization code", []string{"client_credentials"}, []string{"https://a.example/cb"}, "redirect_uris must be empty unless authorization_code is allowed"},
		{"no grants no uris", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkClientRedirectURIs(tt.grants, tt.uris)
			if tt.wantErrPrefix == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErrPrefix {
				t.Fatalf("got %v, want %q", err, tt.wantErrPrefix)
			}
		})
	}
}

func TestValidateClientRedirectURIs(t *testing.T) {
	t.Parallel()
	set := func(vs ...attr.Value) types.Set { return types.SetValueMust(types.StringType, vs) }
	s := types.StringValue
	tests := []struct {
		name        string
		grants, uri types.Set
		wantErr     bool
	}{
		{"unknown grants", types.SetUnknown(types.StringType), set(s("https://a.example")), false},
		{"unknown uris", set(s("authorization_code")), types.SetUnknown(types.StringType), false},
		{"unknown grant element", set(types.StringUnknown()), set(s("https://a.example")), false},
		{"unknown uri element", set(s("client_credentials")), set(types.StringUnknown()), false},
		{"null grants", types.SetNull(types.StringType), set(s("https://a.example")), false},
		{"null uris with authorization code", set(s("authorization_code")), types.SetNull(types.StringType), true},
		{"empty uris with authorization code", set(s("authorization_code")), set(), true},
		{"uris without authorization code", set(s("client_credentials")), set(s("https://a.example")), true},
		{"valid", set(s("authorization_code")), set(s("https://a.example")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			diags := validateClientRedirectURIs(tt.grants, tt.uri)
			if diags.HasError() != tt.wantErr {
				t.Fatalf("HasError() = %v, want %v: %v", diags.HasError(), tt.wantErr, diags)
			}
			if tt.wantErr {
				d := diags.Errors()[0]
				if d.Summary() != "Invalid Redirect URIs" {
					t.Errorf("summary %q", d.Summary())
				}
				if wp, ok := d.(interface{ Path() path.Path }); !ok || !wp.Path().Equal(path.Root("redirect_uris")) {
					t.Errorf("diagnostic is not at redirect_uris: %#v", d)
				}
			}
		})
	}
}

func TestStringValidators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name        string
		v           validator.String
		value       types.String
		wantSummary string
		wantDetail  string
	}{
		{"grant type ok", grantTypeValidator(), types.StringValue("client_credentials"), "", ""},
		{"grant type bad", grantTypeValidator(), types.StringValue("password"), "Invalid Grant Type",
			`grant type "password" is not supported; allowed: client_credentials, authorization_code, refresh_token.`},
		{"grant type null", grantTypeValidator(), types.StringNull(), "", ""},
		{"grant type unknown", grantTypeValidator(), types.StringUnknown(), "", ""},
		{"redirect bad", redirectURIValidator(), types.StringValue("http://example.com"), "Invalid Redirect URI",
			`redirect URI "http://example.com" must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1]).`},
		{"oauth scope empty", oauthScopeValidator(), types.StringValue(""), "Invalid OAuth Scope", "scope must not be empty."},
		{"policy scope bad", policyScopeValidator(), types.StringValue("/a/"), "Invalid Policy Scope",
			`scope must not end with "/" (only the root scope "/" may).`},
		{"policy scope unknown", policyScopeValidator(), types.StringUnknown(), "", ""},
		{"action bad", actionValidator(), types.StringValue("IAM"), "Invalid Action",
			`action "IAM" must be dot-separated lower-case segments of a-z and 0-9, e.g. "iam.client.read".`},
		{"action ok", actionValidator(), types.StringValue("iam.manage"), "", ""},
		{"subject bad", subjectIDValidator(), types.StringValue("x"), "Invalid Subject",
			`subject "x" must be a subject id of the form user-<id>, client-<id> or group-<id>. A client's subject id is ` +
				`client-<client_id>: use aritma_iam_client.<name>.subject_id or provider::aritma::client_subject_id(<client_id>); ` +
				`look others up with the aritma_iam_subject data source.`},
		// With a prefix, the fault is elsewhere: no advice about client ids.
		{"subject prefix only", subjectIDValidator(), types.StringValue("client-"), "Invalid Subject",
			`subject "client-" must be a subject id of the form user-<id>, client-<id> or group-<id>.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.v.Description(ctx) == "" || tt.v.MarkdownDescription(ctx) == "" {
				t.Error("validator has no description")
			}
			resp := &validator.StringResponse{}
			tt.v.ValidateString(ctx, validator.StringRequest{Path: path.Root("x"), ConfigValue: tt.value}, resp)
			if tt.wantSummary == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected diagnostics: %v", resp.Diagnostics)
				}
				return
			}
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Fatalf("got %d errors, want 1: %v", resp.Diagnostics.ErrorsCount(), resp.Diagnostics)
			}
			d := resp.Diagnostics.Errors()[0]
			if d.Summary() != tt.wantSummary || d.Detail() != tt.wantDetail {
				t.Errorf("got %q / %q, want %q / %q", d.Summary(), d.Detail(), tt.wantSummary, tt.wantDetail)
			}
		})
	}
}

func TestCheckSubjectID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"client-3f2a9c1e-0b1d", "user-5b0e7c43", "group-x"} {
		if err := checkSubjectID(ok); err != nil {
			t.Errorf("checkSubjectID(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "client-", "3f2a9c1e", "Client-x", "service-x", "client_x", "client-abc ", "user-a\u00a0b", "group-x\ny"} {
		err := checkSubjectID(bad)
		want := fmt.Sprintf("subject %q must be a subject id of the form user-<id>, client-<id> or group-<id>", bad)
		if err == nil || err.Error() != want {
			t.Errorf("checkSubjectID(%q) = %v, want %q", bad, err, want)
		}
	}
}

func TestSetNotEmptyValidator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := setNotEmptyValidator("scope")
	if v.Description(ctx) != "set must contain at least one scope" || v.MarkdownDescription(ctx) != v.Description(ctx) {
		t.Errorf("description %q", v.Description(ctx))
	}
	for _, tt := range []struct {
		name    string
		value   types.Set
		wantErr bool
	}{
		{"null", types.SetNull(types.StringType), false},
		{"unknown", types.SetUnknown(types.StringType), false},
		{"empty", types.SetValueMust(types.StringType, nil), true},
		{"one", types.SetValueMust(types.StringType, []attr.Value{types.StringValue("api")}), false},
	} {
		resp := &validator.SetResponse{}
		v.ValidateSet(ctx, validator.SetRequest{Path: path.Root("allowed_scopes"), ConfigValue: tt.value}, resp)
		if resp.Diagnostics.HasError() != tt.wantErr {
			t.Errorf("%s: HasError() = %v, want %v", tt.name, resp.Diagnostics.HasError(), tt.wantErr)
		}
		if tt.wantErr {
			if got := resp.Diagnostics.Errors()[0].Detail(); got != "allowed_scopes must contain at least one scope." {
				t.Errorf("%s: detail %q", tt.name, got)
			}
		}
	}
}
