package provider

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// The iam subsystem does not share the root logger's masks, so iamLog must apply them itself: the
// provider's own credentials and whatever a resource masked with maskSecrets (a secret's value).
func TestIAMLog_masksSecrets(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	ctx = maskSecrets(ctx, "value-of-a-new-secret")
	log := iamLog("the-provider-client-secret", "")

	log(ctx, "debug", "IAM API request value-of-a-new-secret", map[string]any{
		"error": "POST /v1/clients/c/secrets: value-of-a-new-secret the-provider-client-secret",
	})
	log(ctx, "trace", "token the-provider-client-secret", nil)
	tflog.Debug(ctx, "root line value-of-a-new-secret")

	got := out.String()
	for _, secret := range []string{"value-of-a-new-secret", "the-provider-client-secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log holds %q:\n%s", secret, got)
		}
	}
	if strings.Count(got, `"@module":"provider.iam"`) != 2 || !strings.Contains(got, "root line") {
		t.Errorf("want two iam lines and one root line, got:\n%s", got)
	}
}

// maskSecrets in a derived context must not change what its parent masks.
func TestMaskSecrets_doesNotLeakIntoParent(t *testing.T) {
	t.Parallel()
	parent := maskSecrets(context.Background(), "a")
	_ = maskSecrets(parent, "b")
	_ = maskSecrets(parent, "c")
	if got := maskedValues(parent); len(got) != 1 || got[0] != "a" {
		t.Errorf("parent masks %q, want [a]", got)
	}
	if got := maskedValues(maskSecrets(parent, "", "d")); strings.Join(got, ",") != "a,d" {
		t.Errorf("child masks %q, want [a d]", got)
	}
}

// A URL in a diagnostic never shows user info, which may carry credentials, and an endpoint
// with anything after a "?" or "#" (even nothing) is refused.
func TestShownURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"http://user:pa55word@iam.example.com", "https://svc:1234?pa55word@iam.example.com/core/iam",
		"https://svc:#pa55word@iam.example.com", "https://svc:12/pa55word@iam.example.com/core/iam?x",
		"https://svc:pa55word?x@iam.example.com/core/iam", "https://svc:1/pa55word?x@iam.example.com",
	} {
		errs := []error{validateServiceURL(raw), validateEndpoint(raw)}
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), "pa55word") {
				t.Errorf("%q: error %q shows the password", raw, err)
			}
		}
		if errs[1] == nil {
			t.Errorf("validateEndpoint(%q) passed", raw)
		}
	}
	for raw, ok := range map[string]bool{
		"https://iam.example.com/core/iam": true, "https://iam.example.com/core/iam?x=1": false,
		"https://iam.example.com/core/iam#v1": false, "https://iam.example.com/core/iam?": false,
		"https://iam.example.com/core/iam#": false, "https://iam.example.com/core/iam?#": false,
	} {
		if err := validateEndpoint(raw); (err == nil) != ok {
			t.Errorf("validateEndpoint(%q) = %v, want ok %v", raw, err, ok)
		}
	}
	// A value that is no URL is shown, unless it is or holds a credential, or looks like one.
	for raw, want := range map[string]string{
		"iam.example.com":       `"iam.example.com" is not an absolute http(s) URL`,
		"adminsecret0123456789": `a value of 21 characters (not shown: it may be a secret set in the wrong place) is not an absolute http(s) URL`,
		"x.y/" + "pa55.word1":   `a value of 14 characters (not shown: it may be a secret set in the wrong place) is not an absolute http(s) URL`,
		// Percent-encoded, as a path would hold it.
		"api/pa55%2Eword1": `a value of 16 characters (not shown: it may be a secret set in the wrong place) is not an absolute http(s) URL`,
		"a/pa55%2ew%6frd1": `a value of 16 characters (not shown: it may be a secret set in the wrong place) is not an absolute http(s) URL`,
	} {
		if err := validateServiceURL(raw, "pa55.word1"); err == nil || err.Error() != want {
			t.Errorf("validateServiceURL(%q) = %v, want %s", raw, err, want)
		}
	}
}

// A URL with user info is refused, without showing the password: Go's HTTP client would send it
// as Basic authentication beside the provider's own credentials.
func TestUnitValidateServiceURLUserInfo(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"http://u:pa55word@127.0.0.1:8089/connect/token", "https://u@iam.example.com/core/iam"} {
		err := validateServiceURL(raw)
		if err == nil || !strings.Contains(err.Error(), "holds user info (user:password@); give the credentials in client_id and client_secret") {
			t.Errorf("validateServiceURL(%q) = %v, want user info refused", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), "pa55word") {
			t.Errorf("validateServiceURL(%q) shows the password: %v", raw, err)
		}
	}
}

// TestUnitValidateServiceURLLoopback pins which hosts may use http: loopback ones only, by parsed
// host, as the endpoint's description says.
func TestUnitValidateServiceURLLoopback(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"http://localhost:8089":             true,
		"http://LOCALHOST:8089":             true,
		"http://127.0.0.1:8089":             true,
		"http://127.0.0.2:8089":             true, // all of 127.0.0.0/8 is loopback
		"http://[::1]:8089":                 true,
		"http://localhost.example.com:8089": false,
		"http://128.0.0.1:8089":             false,
		"http://[::2]:8089":                 false,
		"http://10.0.0.1:8089":              false,
		"https://iam.example.com":           true,
	} {
		err := validateServiceURL(raw)
		if (err == nil) != ok {
			t.Errorf("validateServiceURL(%q) = %v, want ok = %v", raw, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "only https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1]") {
			t.Errorf("validateServiceURL(%q) = %q, not the documented rule", raw, err)
		}
	}
}

// TestUnitResolveSettingsHidesMisplacedSecrets: a secret or token pasted into the wrong
// environment variable is not quoted in the error that rejects it; a short mistyped value is.
func TestUnitResolveSettingsHidesMisplacedSecrets(t *testing.T) {
	const secret, token = "S3cret-Value-Of-Client", "tok"
	for name, env := range map[string]map[string]string{
		"secret in request timeout":  {EnvClientID: "c", EnvClientSecret: secret, EnvRequestTimeout: secret},
		"secret in max retries":      {EnvClientID: "c", EnvClientSecret: secret, EnvMaxRetries: secret},
		"short token in max retries": {EnvAccessToken: token + "-abc", EnvMaxRetries: token + "-abc"},
		"unknown long value":         {EnvClientID: "c", EnvClientSecret: "x", EnvRequestTimeout: "an-unrelated-long-value"},
	} {
		t.Run(name, func(t *testing.T) {
			diags := resolveWithEnv(t, env)
			if !diags.HasError() {
				t.Fatal("want an error")
			}
			for _, d := range diags {
				for _, v := range env {
					if len(v) > 2 && strings.Contains(d.Detail(), v) && v != "c" && v != "x" {
						t.Errorf("the error shows %q: %s", v, d.Detail())
					}
				}
				if !strings.Contains(d.Detail(), "(not shown: it may be a secret set in the wrong place)") {
					t.Errorf("the error does not say the value is hidden: %s", d.Detail())
				}
			}
		})
	}
	if got := shownSetting("soon"); got != `"soon"` {
		t.Errorf("a short mistyped value is %s, want it quoted", got)
	}
}

// TestUnitValidateConfigHidesEnvironmentSecrets: a secret of the environment (ARITMA_CLIENT_SECRET,
// ARITMA_ACCESS_TOKEN) that reaches a setting of the provider block by mistake is not quoted by
// the validation that rejects it, as one of the block's own is not.
func TestUnitValidateConfigHidesEnvironmentSecrets(t *testing.T) {
	ctx := context.Background()
	const secret = "Secret9876"
	for _, env := range []string{EnvClientSecret, EnvAccessToken} {
		t.Run(env, func(t *testing.T) {
			t.Setenv(EnvClientSecret, "")
			t.Setenv(EnvAccessToken, "")
			t.Setenv(env, secret)
			p := &aritmaProvider{}
			var sr provider.SchemaResponse
			p.Schema(ctx, provider.SchemaRequest{}, &sr)
			cfg := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			m := providerModel{
				Endpoint: types.StringNull(), TokenURL: types.StringValue("pw:" + secret), ClientID: types.StringNull(),
				ClientSecret: types.StringNull(), AccessToken: types.StringNull(), Scopes: types.ListNull(types.StringType),
				MaxRetries: types.NumberNull(), RequestTimeout: types.StringValue(secret),
			}
			if diags := cfg.Set(ctx, &m); diags.HasError() {
				t.Fatalf("building the configuration: %v", diags)
			}
			resp := &provider.ValidateConfigResponse{}
			p.ValidateConfig(ctx, provider.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: cfg.Raw}}, resp)
			if resp.Diagnostics.ErrorsCount() != 2 {
				t.Fatalf("diagnostics = %v, want token_url and request_timeout refused", resp.Diagnostics)
			}
			for _, d := range resp.Diagnostics {
				if strings.Contains(d.Detail(), secret) || !strings.Contains(d.Detail(), "not shown: it may be a secret") {
					t.Errorf("the error shows the environment's secret or does not say it is hidden: %s", d.Detail())
				}
			}
		})
	}
}

// TestUnitValidateServiceURLHidesSecretInPath: a URL refused for its scheme, its user info or its
// query is shown without a credential pasted into its path.
func TestUnitValidateServiceURLHidesSecretInPath(t *testing.T) {
	t.Parallel()
	const secret = "Secret9876"
	for _, raw := range []string{"http://id.example.com/" + secret, "https://u@id.example.com/" + secret} {
		err := validateServiceURL(raw, "", secret)
		if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "not shown") {
			t.Errorf("validateServiceURL(%q) = %v, want it refused without the secret", raw, err)
		}
	}
	if err := validateServiceURL("http://id.example.com/Sup3r%20S3cret%2FValue", "Sup3r S3cret/Value"); err == nil ||
		strings.Contains(err.Error(), "S3cret") {
		t.Errorf("validateServiceURL = %v, want it refused without the percent-encoded secret", err)
	}
	if err := validateEndpoint("https://iam.example.com/"+secret+"?x", secret); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("validateEndpoint = %v, want it refused without the secret", err)
	}
	// A secret with a "?", "#" or "@" is cut there by the masking of query, fragment and user
	// info: neither half may show.
	for _, sec := range []string{"Xk9pQ2mZ7?vR4tLw8", "Xk9pQ2mZ7#vR4tLw8", "Xk9pQ2mZ7@vR4tLw8"} {
		for _, raw := range []string{"http://id.example.com/iam/" + sec, "http://" + sec + ".example.com/"} {
			got := shownURLSetting(raw, sec)
			if strings.Contains(got, "Xk9pQ2mZ7") || strings.Contains(got, "vR4tLw8") {
				t.Errorf("shownURLSetting(%q) = %s, shows part of the secret", raw, got)
			}
		}
	}
	// Encoded in the path, beside a malformed escape elsewhere.
	for _, raw := range []string{"https://h.example/abc%20def12/token?x=%zz", "https://h.example/abc%20def12/token#%", "https://u%zz@h.example/abc%20def12/token"} {
		if got := shownURLSetting(raw, "abc def12"); strings.Contains(got, "abc%20def12") {
			t.Errorf("shownURLSetting(%q) = %s, shows the encoded secret", raw, got)
		}
	}
	if err := validateServiceURL("http://id.example.com/connect/token", secret); err == nil ||
		!strings.Contains(err.Error(), `"http://id.example.com/connect/token" uses http`) {
		t.Errorf("a URL without a secret is not shown: %v", err)
	}
}

// TestUnitResolveSettingsHidesSecretsItQuotesNot: a secret pasted into scopes, or into the path of
// an endpoint whose token_url is left to its default, fails with an error that does not show it.
func TestUnitResolveSettingsHidesSecretsItQuotesNot(t *testing.T) {
	const secret = "P\u00e4ssword-2024x"
	for name, env := range map[string]map[string]string{
		"secret in scopes":        {EnvClientID: "c", EnvClientSecret: secret, EnvScopes: "services.iam," + secret},
		"secret in endpoint path": {EnvClientID: "c", EnvClientSecret: secret, EnvEndpoint: "https://api.example.com/core/iam/" + secret},
	} {
		t.Run(name, func(t *testing.T) {
			diags := resolveWithEnv(t, env)
			if !diags.HasError() {
				t.Fatal("want an error")
			}
			for _, d := range diags {
				if strings.Contains(d.Detail(), secret) || strings.Contains(d.Detail(), url.PathEscape(secret)) {
					t.Errorf("the error shows the secret: %s", d.Detail())
				}
			}
		})
	}
}

// resolveWithEnv resolves a provider block that sets nothing, with exactly the ARITMA_* variables
// of env set (the others empty), and returns the diagnostics.
func resolveWithEnv(t *testing.T, env map[string]string) diag.Diagnostics {
	t.Helper()
	for _, v := range []string{EnvEndpoint, EnvTokenURL, EnvClientID, EnvClientSecret, EnvAccessToken, EnvScopes, EnvMaxRetries, EnvRequestTimeout} {
		t.Setenv(v, env[v])
	}
	_, diags := resolveSettings(context.Background(), providerModel{Scopes: types.ListNull(types.StringType)})
	return diags
}

// TestUnitValidateConfigScopesWithAccessToken: scopes beside an access_token (known, or unknown as
// an ephemeral resource's is at validation) asks for nothing, and says so; beside client
// credentials, with no access_token in the block, or while scopes is unknown, it is no warning.
func TestUnitValidateConfigScopesWithAccessToken(t *testing.T) {
	ctx := context.Background()
	p := &aritmaProvider{}
	var sr provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sr)
	scopes := types.ListValueMust(types.StringType, []attr.Value{types.StringValue("services.iam")})
	for name, tc := range map[string]struct {
		token, clientID types.String
		scopes          types.List
		warn            bool
	}{
		"known token":              {types.StringValue("tok-0123456789"), types.StringNull(), scopes, true},
		"unknown token":            {types.StringUnknown(), types.StringNull(), scopes, true},
		"unknown scopes":           {types.StringUnknown(), types.StringValue(""), types.ListUnknown(types.StringType), false},
		"empty token alone":        {types.StringValue(""), types.StringNull(), scopes, false},
		"token without scopes":     {types.StringValue("tok-0123456789"), types.StringNull(), types.ListNull(types.StringType), false},
		"client credentials":       {types.StringNull(), types.StringValue("cid"), scopes, false},
		"empty token":              {types.StringValue(""), types.StringValue("cid"), scopes, false},
		"unknown client id beside": {types.StringUnknown(), types.StringUnknown(), scopes, false},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
			m := providerModel{
				Endpoint: types.StringNull(), TokenURL: types.StringNull(), ClientID: tc.clientID, ClientSecret: types.StringNull(),
				AccessToken: tc.token, Scopes: tc.scopes, MaxRetries: types.NumberNull(), RequestTimeout: types.StringNull(),
			}
			if diags := cfg.Set(ctx, &m); diags.HasError() {
				t.Fatalf("building the configuration: %v", diags)
			}
			resp := &provider.ValidateConfigResponse{}
			p.ValidateConfig(ctx, provider.ValidateConfigRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: cfg.Raw}}, resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("diagnostics = %v", resp.Diagnostics)
			}
			warned := resp.Diagnostics.WarningsCount() == 1 && resp.Diagnostics.Warnings()[0].Summary() == "Aritma scopes Have No Effect" &&
				strings.Contains(resp.Diagnostics.Warnings()[0].Detail(), "With access_token, the token holds the scopes it was issued with")
			if warned != tc.warn || resp.Diagnostics.WarningsCount() > 1 {
				t.Errorf("diagnostics = %v, want the scopes warning: %v", resp.Diagnostics, tc.warn)
			}
		})
	}
}

// TestUnitAPIErrorDetailByCredentials: a 401 or a token without services.iam is advised on for the
// credentials the provider signed in with: a token it was given cannot be renewed or widened by
// the provider's own settings, one it fetched can.
func TestUnitAPIErrorDetailByCredentials(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err       *iam.APIError
		want, not string
	}{
		"401, given token": {&iam.APIError{StatusCode: 401, Method: "GET", Path: "/v1/clients", GivenToken: true},
			"the provider cannot renew a token it was given", "token_url"},
		"401, fetched token": {&iam.APIError{StatusCode: 401, Method: "GET", Path: "/v1/clients"},
			"The API refused the access token the provider fetched with client_id and client_secret, a fresh one too: " +
				"check that token_url (or ARITMA_TOKEN_URL) is the token endpoint of the API's environment.", "cannot renew"},
		"403 scope, given token": {&iam.APIError{StatusCode: 403, Method: "GET", Path: "/v1/clients", InsufficientScope: true, GivenToken: true},
			"holds the scopes it was issued with, whatever the provider's scopes says", "allowed_scopes of the provider's client"},
		"403 scope, fetched token": {&iam.APIError{StatusCode: 403, Method: "GET", Path: "/v1/clients", InsufficientScope: true},
			"Include it in the provider's scopes (or ARITMA_SCOPES), and in the allowed_scopes of the provider's client.", "issued with"},
	} {
		if got := apiErrorDetail(tc.err); !strings.Contains(got, tc.want) || strings.Contains(got, tc.not) {
			t.Errorf("%s: detail\n%s\nwant %q and not %q", name, got, tc.want, tc.not)
		}
	}
}
