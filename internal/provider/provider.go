// Package provider implements the Aritma Terraform provider on terraform-plugin-framework.
package provider

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// Defaults of the provider configuration: Aritma's dev environment.
const (
	DefaultEndpoint       = "https://api.dev.aritma.io/core/iam"
	DefaultTokenURL       = "https://id.dev.aritma.io/connect/token"
	DefaultScope          = "services.iam"
	DefaultMaxRetries     = 4
	DefaultRequestTimeout = 30 * time.Second
)

// Environment variables read when an argument is not set in the provider block.
const (
	EnvEndpoint       = "ARITMA_ENDPOINT"
	EnvTokenURL       = "ARITMA_TOKEN_URL"
	EnvClientID       = "ARITMA_CLIENT_ID"
	EnvClientSecret   = "ARITMA_CLIENT_SECRET"
	EnvAccessToken    = "ARITMA_ACCESS_TOKEN"
	EnvScopes         = "ARITMA_SCOPES"
	EnvMaxRetries     = "ARITMA_MAX_RETRIES"
	EnvRequestTimeout = "ARITMA_REQUEST_TIMEOUT"
)

var (
	_ provider.Provider                       = &aritmaProvider{}
	_ provider.ProviderWithValidateConfig     = &aritmaProvider{}
	_ provider.ProviderWithFunctions          = &aritmaProvider{}
	_ provider.ProviderWithEphemeralResources = &aritmaProvider{}
)

// New returns a constructor of the provider for providerserver.Serve and for tests.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &aritmaProvider{version: version, secrets: &secretSet{}}
	}
}

type aritmaProvider struct {
	version string
	// secrets are the credentials its configurations gave, which ProtocolServer redacts from
	// every diagnostic: set by mistake as a data source's client id, say, they would be quoted.
	secrets *secretSet
}

// diagnosticSecrets reports what ProtocolServer redacts from diagnostics.
func (p *aritmaProvider) diagnosticSecrets() []string { return p.secrets.list() }

// secretSet is a set of secrets that grows as providers are configured.
type secretSet struct {
	mu     sync.Mutex
	values []string
}

func (s *secretSet) add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if v != "" && !slices.Contains(s.values, v) {
			s.values = append(s.values, v)
		}
	}
}

func (s *secretSet) list() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.values)
}

// providerData is what Configure hands to every resource, data source and ephemeral resource.
type providerData struct {
	client   *iam.Client
	endpoint string
	tokenURL string
	// tokenURLDefaulted: neither token_url nor ARITMA_TOKEN_URL was set, so tokenURL is the dev
	// environment's default, which must not receive a secret meant for another endpoint's API.
	tokenURLDefaulted bool
	version           string
	// requestTimeout bounds one HTTP attempt, the ephemeral token's exchange included.
	requestTimeout time.Duration
	// selfClientID is the client the provider signs in as ("" with an access token), and
	// selfScopes the scopes its token must carry, sorted: changes that take them away lock the provider
	// out, which its plan warns of (see warnSelfClient, warnSelfGrant).
	selfClientID string
	selfScopes   []string
	// maxRetries is the iam.Config value of max_retries (below 0: none), for the ephemeral
	// token's exchange, which is made without the client.
	maxRetries int
	// api remembers that endpoint answered as the Aritma IAM API (see confirmNotFound).
	api endpointCheck
	// created holds the ids of the clients and secrets this provider process created.
	created createdHere
	// deletes tracks the policy deletes of this provider process, by policy id.
	deletes deletesHere
	// handovers tracks the policy replacements this process plans (see policyHandovers).
	handovers policyHandovers
	// secretLists lets the secret reads of this process share a list of their client's secrets.
	secretLists secretLists
	// fresh holds what this process created and no data source has seen yet (see awaitFresh).
	fresh freshObjects
	// actions and scopes are the API's catalogues, read once for the plan-time checks.
	actions cachedList[iam.Action]
	scopes  cachedList[iam.OAuthScope]
	// refusalReported: a plan-time check has reported the credentials refused (see
	// reportRefusedCredentials); once is enough.
	refusalReported atomic.Bool
	// credentials are the provider's client secret and access token, which a URL it shows
	// (pasted into a path by mistake) must not reveal.
	credentials []string
}

// shownURL is a URL of the provider's settings as a diagnostic shows it: see shownURLSetting.
func (d *providerData) shownURL(u string) string {
	return shownURLSetting(u, d.credentials...)
}

type providerModel struct {
	Endpoint       types.String `tfsdk:"endpoint"`
	TokenURL       types.String `tfsdk:"token_url"`
	ClientID       types.String `tfsdk:"client_id"`
	ClientSecret   types.String `tfsdk:"client_secret"`
	AccessToken    types.String `tfsdk:"access_token"`
	Scopes         types.List   `tfsdk:"scopes"`
	MaxRetries     types.Number `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
}

// maxMaxRetries bounds max_retries: with backoff capped, a hundred retries of a failing call are
// already most of an hour, and a larger number only ever meant "keep trying" (one near the top of
// int64 overflowed the retry budget and turned every retry off).
const maxMaxRetries = 100

func (p *aritmaProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aritma"
	resp.Version = p.version
}

func (p *aritmaProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages Aritma IAM: machine-to-machine OAuth 2.0 clients, their secrets and " +
			"their policies, and looks up subjects and effective permissions.\n\n" +
			"Authenticate with a client id and secret (`client_credentials`), or with a ready access token. " +
			"The calling client needs `iam.client.*`, `iam.policy.*` and `iam.subject.*` permissions on scope `/` " +
			"(for example through `iam.manage` or `owner`).\n\n" +
			"A string setting given as `\"\"` counts as not set, like `null`: its environment variable or default applies, " +
			"so a module can pass settings through variables that default to `\"\"`.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Aritma IAM API; `/v1/...` is appended to it. Defaults to `" +
					DefaultEndpoint + "`. Falls back to the `" + EnvEndpoint + "` environment variable. " +
					"Must use `https`, except for a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`), where the bundled mock server runs.",
				Optional: true,
			},
			"token_url": schema.StringAttribute{
				MarkdownDescription: "OAuth 2.0 token endpoint. Defaults to `" + DefaultTokenURL + "`, the identity " +
					"server of the default `endpoint`: with `client_id` and `client_secret` and an `endpoint` on another " +
					"host, it must be set, so that the secret never goes to the wrong identity server. " +
					"Falls back to the `" + EnvTokenURL + "` environment variable. Same `https` rule as `endpoint`.",
				Optional: true,
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "Client id used with `client_secret` for the `client_credentials` grant. " +
					"Falls back to the `" + EnvClientID + "` environment variable.",
				Optional: true,
			},
			"client_secret": schema.StringAttribute{
				MarkdownDescription: "Client secret used with `client_id`. Falls back to the `" + EnvClientSecret +
					"` environment variable.",
				Optional:  true,
				Sensitive: true,
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "A ready bearer token, instead of `client_id` and `client_secret`. " +
					"Falls back to the `" + EnvAccessToken + "` environment variable. The kind of credentials set in the " +
					"provider block wins: with `access_token` here, `" + EnvClientID + "` and `" + EnvClientSecret +
					"` are ignored, and with `client_id` or `client_secret` here, `" + EnvAccessToken + "` is.",
				Optional:  true,
				Sensitive: true,
			},
			"scopes": schema.ListAttribute{
				MarkdownDescription: "OAuth scopes requested with the token. Defaults to `[\"" + DefaultScope + "\"]`. " +
					"Falls back to the `" + EnvScopes + "` environment variable (comma or space separated). No effect with " +
					"`access_token`, whose token holds the scopes it was issued with (setting both warns).",
				ElementType: types.StringType,
				Optional:    true,
				Validators:  []validator.List{listvalidator.ValueStringsAre(oauthScopeValidator())},
			},
			// A number rather than an Int64: the framework refuses 1.5 for an Int64 as "an error in the
			// provider" before a validator could say what is wrong.
			"max_retries": schema.NumberAttribute{
				MarkdownDescription: fmt.Sprintf("How many times a failed API call is retried on 5xx answers (but 501 "+
					"and 505) and network errors. Reads, updates and deletes are retried on any of them; client and secret "+
					"creates only when the server cannot have acted (a 503 with `Retry-After`, a connection refused), since "+
					"repeating one the server did act on would make a duplicate; policy creates on any of them, since a "+
					"grant is its subject, action and scope and a repeat answered 409 counts as created (see "+
					"`aritma_iam_policy`). Defaults to `%d`; `0` turns those retries off. "+
					"Answers 429 Too Many Requests do not count, with any setting: they are retried as their `Retry-After` "+
					"asks for as long as the operation's timeout allows (up to 100 times), and the provider's other calls "+
					"wait for that `Retry-After` too before they start; nor does the one repeat with "+
					"a new token after a 401. At most `%d`. Falls back to the `%s` environment "+
					"variable.", DefaultMaxRetries, maxMaxRetries, EnvMaxRetries),
				Optional: true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Timeout of one HTTP attempt, as a Go duration such as `30s`. Defaults to `30s`. " +
					"Falls back to the `" + EnvRequestTimeout + "` environment variable.",
				Optional: true,
			},
		},
	}
}

// ValidateConfig catches what is wrong in the provider block itself before any plan work starts;
// Configure repeats the checks once environment variables are merged in.
func (p *aritmaProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// "" is unset for every string setting, as in resolveSettings: a module passes them through
	// variables that default to "", and sets only the ones that are filled in.
	set := func(v types.String) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" }
	// A setting that holds a secret by mistake is not shown: the block's secrets, and the
	// environment's, which Configure merges in later.
	secrets := []string{cfg.ClientSecret.ValueString(), cfg.AccessToken.ValueString(), os.Getenv(EnvClientSecret), os.Getenv(EnvAccessToken)}
	for _, a := range []struct {
		name  string
		v     types.String
		check func(string, ...string) error
	}{{"endpoint", cfg.Endpoint, validateEndpoint}, {"token_url", cfg.TokenURL, validateServiceURL}} {
		if set(a.v) {
			if err := a.check(a.v.ValueString(), secrets...); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root(a.name), "Invalid Aritma "+a.name, err.Error()+".")
			}
		}
	}
	if set(cfg.AccessToken) && (set(cfg.ClientID) || set(cfg.ClientSecret)) {
		resp.Diagnostics.AddAttributeError(path.Root("access_token"), "Conflicting Aritma Credentials",
			"Set either access_token, or client_id and client_secret, not both.")
	}
	// An access_token (known or not yet: an ephemeral resource's) alone in the block is what the
	// provider signs in with, and scopes asks for nothing then: the token was issued already.
	// Unknown scopes are no warning: `terraform validate` has every variable unknown, a
	// var.scopes that is null too, and the plan validates again with the values.
	token := !cfg.AccessToken.IsNull() && (cfg.AccessToken.IsUnknown() || cfg.AccessToken.ValueString() != "")
	unset := func(v types.String) bool { return !v.IsUnknown() && !set(v) }
	if token && unset(cfg.ClientID) && unset(cfg.ClientSecret) && !cfg.Scopes.IsNull() && !cfg.Scopes.IsUnknown() {
		resp.Diagnostics.AddAttributeWarning(path.Root("scopes"), "Aritma scopes Have No Effect",
			"scopes are the scopes the provider asks for when it fetches its own token with client_id and client_secret. "+
				"With access_token, the token holds the scopes it was issued with: request "+DefaultScope+" where it is made "+
				"(for example aritma_iam_access_token's scopes), and remove scopes from this provider block.")
	}
	if set(cfg.RequestTimeout) {
		if _, err := parsePositiveDuration(cfg.RequestTimeout.ValueString(), secrets...); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid Aritma request_timeout", err.Error()+".")
		}
	}
	if !cfg.MaxRetries.IsNull() && !cfg.MaxRetries.IsUnknown() {
		if _, err := maxRetriesValue(cfg.MaxRetries); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("max_retries"), "Invalid Aritma max_retries", err.Error()+".")
		}
	}
}

// maxRetriesValue is max_retries as a count, or why it is none from 0 to maxMaxRetries.
func maxRetriesValue(v types.Number) (int, error) {
	f := v.ValueBigFloat()
	if f != nil && f.IsInt() {
		if n, acc := f.Int64(); acc == big.Exact && n >= 0 && n <= maxMaxRetries {
			return int(n), nil
		}
	}
	got := "null"
	if f != nil {
		got = f.Text('f', -1)
	}
	return 0, fmt.Errorf("max_retries must be a whole number from 0 to %d, got %s", maxMaxRetries, got)
}

func (p *aritmaProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Credentials that come from resources not yet created are unknown at plan time; a provider
	// that guessed would call the API with the wrong identity.
	for name, v := range map[string]interface{ IsUnknown() bool }{
		"endpoint": cfg.Endpoint, "token_url": cfg.TokenURL, "client_id": cfg.ClientID,
		"client_secret": cfg.ClientSecret, "access_token": cfg.AccessToken, "scopes": cfg.Scopes,
		"max_retries": cfg.MaxRetries, "request_timeout": cfg.RequestTimeout,
	} {
		unknown := v.IsUnknown()
		if l, ok := v.(types.List); ok {
			// One unknown scope is as bad as an unknown list: the token would be asked for "".
			unknown = unknown || slices.ContainsFunc(l.Elements(), attr.Value.IsUnknown)
		}
		if unknown {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown Aritma "+name,
				"The provider cannot be configured with an unknown value for "+name+". Set it to a value known "+
					"at plan time, leave it out of the provider block and use the "+envFor(name)+" environment variable, or apply the resources it depends on first "+
					"with -target.")
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	settings, diags := resolveSettings(ctx, cfg)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	ctx = maskSecrets(ctx, settings.ClientSecret, settings.AccessToken)
	p.secrets.add(settings.ClientSecret, settings.AccessToken)
	settings.Version = p.version
	settings.UserAgent = "terraform-plugin-framework (+https://www.terraform.io)"
	settings.Log = iamLog(settings.ClientSecret, settings.AccessToken)
	client, err := iam.NewClient(settings)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Create Aritma IAM Client", err.Error())
		return
	}
	tflog.Debug(ctx, "Configured Aritma IAM client", map[string]any{
		"endpoint":  shownURLSetting(settings.Endpoint, settings.ClientSecret, settings.AccessToken),
		"token_url": shownURLSetting(settings.TokenURL, settings.ClientSecret, settings.AccessToken), "client_id": settings.ClientID,
		"auth": authKind(settings),
	})

	data := &providerData{client: client, endpoint: settings.Endpoint, tokenURL: settings.TokenURL, version: p.version,
		tokenURLDefaulted: cfg.TokenURL.ValueString() == "" && os.Getenv(EnvTokenURL) == "",
		requestTimeout:    settings.RequestTimeout, maxRetries: settings.MaxRetries,
		credentials: []string{settings.ClientSecret, settings.AccessToken}}
	if settings.AccessToken == "" {
		data.selfClientID = settings.ClientID
		// Every API call needs DefaultScope, asked for or not.
		data.selfScopes = slices.Compact(slices.Sorted(slices.Values(append([]string{DefaultScope}, settings.Scopes...))))
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
}

func (p *aritmaProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewIAMClientResource,
		NewIAMClientSecretResource,
		NewIAMPolicyResource,
	}
}

func (p *aritmaProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewIAMSubjectsDataSource,
		NewIAMSubjectDataSource,
		NewIAMPermissionsDataSource,
		NewIAMClientDataSource,
		NewIAMClientsDataSource,
		NewIAMClientSecretsDataSource,
		NewIAMActionsDataSource,
		NewIAMScopesDataSource,
		NewIAMPoliciesDataSource,
		NewIAMSubjectMembershipsDataSource,
	}
}

func (p *aritmaProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewIAMAccessTokenEphemeralResource,
	}
}

func (p *aritmaProvider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewClientSubjectIDFunction,
		NewParsePolicyIDFunction,
	}
}

// resolveSettings merges the provider block with environment variables and defaults and checks
// the result, with every error attached to the attribute the user has to fix.
func spaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// fromFile reports a credential setting (attr in the provider block, or env) that holds what a
// value read from a file brings along: its final line break.
// shellFix is how to set env without it in a shell.
func fromFile(diags *diag.Diagnostics, attr, env string, inBlock bool, holds, shellFix string) {
	summary := "Invalid Aritma " + attr
	if inBlock {
		diags.AddAttributeError(path.Root(attr), summary, attr+" holds "+holds+": most likely the line break at the end "+
			"of the file it was read from. Use trimspace(file(\"...\")).")
		return
	}
	diags.AddAttributeError(path.Root(attr), summary, env+" holds "+holds+": most likely the line break at the end of "+
		"the file it was read from. Set it without, for example with "+shellFix+".")
}

func resolveSettings(_ context.Context, cfg providerModel) (iam.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	pick := func(v types.String, env, def string) string {
		if v.ValueString() != "" { // "" is unset, like null
			return v.ValueString()
		}
		if e := os.Getenv(env); e != "" {
			return e
		}
		return def
	}
	s := iam.Config{
		Endpoint:       strings.TrimRight(pick(cfg.Endpoint, EnvEndpoint, DefaultEndpoint), "/"),
		TokenURL:       pick(cfg.TokenURL, EnvTokenURL, DefaultTokenURL),
		MaxRetries:     DefaultMaxRetries,
		RequestTimeout: DefaultRequestTimeout,
	}
	// The kind of credentials the provider block sets wins over the other kind in the environment:
	// a module's aliased provider with access_token must work where ARITMA_CLIENT_ID and
	// ARITMA_CLIENT_SECRET configure the default one, and the reverse. Only when the block sets
	// neither do the environment variables decide (and both kinds there conflict).
	set := func(v types.String) bool { return !v.IsNull() && v.ValueString() != "" }
	blockHasBoth := set(cfg.AccessToken) && (set(cfg.ClientID) || set(cfg.ClientSecret))
	switch {
	case set(cfg.AccessToken) && !set(cfg.ClientID) && !set(cfg.ClientSecret):
		s.AccessToken = cfg.AccessToken.ValueString()
	case set(cfg.ClientID) || set(cfg.ClientSecret):
		s.ClientID = cmp.Or(cfg.ClientID.ValueString(), os.Getenv(EnvClientID))
		s.ClientSecret = cmp.Or(cfg.ClientSecret.ValueString(), os.Getenv(EnvClientSecret))
		s.AccessToken = cfg.AccessToken.ValueString()
	default:
		s.ClientID, s.ClientSecret, s.AccessToken = os.Getenv(EnvClientID), os.Getenv(EnvClientSecret), os.Getenv(EnvAccessToken)
	}

	endpointErr := validateEndpoint(s.Endpoint, s.ClientSecret, s.AccessToken)
	if endpointErr != nil {
		diags.AddAttributeError(path.Root("endpoint"), "Invalid Aritma endpoint", endpointErr.Error()+". Set endpoint or "+EnvEndpoint+".")
	}
	if err := validateServiceURL(s.TokenURL, s.ClientSecret, s.AccessToken); err != nil {
		diags.AddAttributeError(path.Root("token_url"), "Invalid Aritma token_url", err.Error()+". Set token_url or "+EnvTokenURL+".")
	} else if tokenURLDefaulted := pick(cfg.TokenURL, EnvTokenURL, "") == ""; tokenURLDefaulted && endpointErr == nil &&
		s.AccessToken == "" && (s.ClientID != "" || s.ClientSecret != "") && !sameHost(s.Endpoint, DefaultEndpoint) {
		// The client secret of another environment (or of the mock) must not go to the dev
		// environment's identity server just because token_url was left out.
		diags.AddAttributeError(path.Root("token_url"), "Missing Aritma token_url",
			fmt.Sprintf("endpoint is %s, but token_url is not set, and its default, %q, is the identity server of "+
				"the API at %q: the client secret would be sent there. Set token_url (or %s) to the token endpoint "+
				"that issues tokens for that API%s.",
				shownURLSetting(s.Endpoint, s.ClientSecret, s.AccessToken), DefaultTokenURL, DefaultEndpoint, EnvTokenURL,
				tokenURLExample(s.Endpoint)))
	}

	switch {
	case blockHasBoth:
		// ValidateConfig says this too, unless a value was still unknown then.
		diags.AddAttributeError(path.Root("access_token"), "Conflicting Aritma Credentials",
			"Set either access_token, or client_id and client_secret, not both.")
	case s.AccessToken != "" && (s.ClientID != "" || s.ClientSecret != ""):
		diags.AddAttributeError(path.Root("access_token"), "Conflicting Aritma Credentials",
			"Both "+EnvAccessToken+" and "+EnvClientID+"/"+EnvClientSecret+" are set, and the provider block "+
				"sets neither kind of credentials. Unset one of them, or set access_token, or client_id and "+
				"client_secret, in the provider block: what the block sets wins over the other kind in the environment.")
	case s.AccessToken != "" && strings.ContainsFunc(s.AccessToken, spaceOrControl):
		// No token has them and no Authorization header can carry them: every call would fail
		// before it is sent, with Go's "invalid header field value".
		fromFile(&diags, "access_token", EnvAccessToken, set(cfg.AccessToken), "whitespace or a control character, which no access token has",
			"$(tr -d '[:space:]' < token-file)")
	case s.AccessToken != "":
	case s.ClientID == "" && s.ClientSecret == "":
		diags.AddAttributeError(path.Root("client_id"), "Missing Aritma Credentials",
			"The provider needs credentials to call the Aritma IAM API. Set client_id and client_secret (or the "+
				EnvClientID+" and "+EnvClientSecret+" environment variables), or access_token (or "+EnvAccessToken+").")
	case s.ClientID == "":
		diags.AddAttributeError(path.Root("client_id"), "Missing Aritma client_id",
			"client_secret is set but client_id is not. Set client_id or the "+EnvClientID+" environment variable.")
	case s.ClientSecret == "":
		diags.AddAttributeError(path.Root("client_secret"), "Missing Aritma client_secret",
			"client_id is set but client_secret is not. Set client_secret or the "+EnvClientSecret+" environment variable.")
	default:
		// Read from a file with its line break, they are refused at the token endpoint as if wrong,
		// which says nothing of the cause.
		if strings.ContainsFunc(s.ClientID, spaceOrControl) {
			fromFile(&diags, "client_id", EnvClientID, set(cfg.ClientID), "whitespace or a control character, which no client id has",
				"$(tr -d '[:space:]' < id-file)")
		}
		if strings.ContainsFunc(s.ClientSecret, unicode.IsControl) {
			fromFile(&diags, "client_secret", EnvClientSecret, set(cfg.ClientSecret),
				"a control character, which the token endpoint would take as part of the secret",
				"\"$(tr -d '\\r\\n' < secret-file)\"")
		}
	}

	switch {
	case !cfg.Scopes.IsNull():
		for _, e := range cfg.Scopes.Elements() {
			if sv, ok := e.(types.String); ok && !sv.IsNull() {
				s.Scopes = append(s.Scopes, sv.ValueString())
			}
		}
	case os.Getenv(EnvScopes) != "":
		s.Scopes = strings.FieldsFunc(os.Getenv(EnvScopes), func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
		for i, sc := range s.Scopes {
			if err := checkOAuthScope(sc); err != nil {
				diags.AddAttributeError(path.Root("scopes"), "Invalid Aritma scopes",
					fmt.Sprintf("%s (scope %d of %d): %s.", EnvScopes, i+1, len(s.Scopes), err))
			}
		}
		if len(s.Scopes) == 0 {
			// The block sets no scopes, so the message must point at the variable to fix.
			diags.AddAttributeError(path.Root("scopes"), "Invalid Aritma scopes", EnvScopes+" holds no scope, got "+
				strconv.Quote(os.Getenv(EnvScopes))+". Set it to scopes separated by commas or spaces, such as \""+
				DefaultScope+"\", or unset it for the default.")
		}
	default:
		s.Scopes = []string{DefaultScope}
	}
	if len(s.Scopes) == 0 && !cfg.Scopes.IsNull() {
		diags.AddAttributeError(path.Root("scopes"), "Invalid Aritma scopes", "scopes must hold at least one scope, for example [\""+DefaultScope+"\"].")
	}

	if !cfg.MaxRetries.IsNull() {
		n, err := maxRetriesValue(cfg.MaxRetries)
		if err != nil { // ValidateConfig says so, unless the value was still unknown then
			diags.AddAttributeError(path.Root("max_retries"), "Invalid Aritma max_retries", err.Error()+".")
		}
		s.MaxRetries = n
	} else if e := os.Getenv(EnvMaxRetries); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil || n < 0 || n > maxMaxRetries {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid Aritma max_retries", fmt.Sprintf("%s must be a whole number from 0 to %d, got %s.",
				EnvMaxRetries, maxMaxRetries, shownSetting(e, s.ClientSecret, s.AccessToken)))
		}
		s.MaxRetries = n
	}
	if s.MaxRetries == 0 {
		// iam.Config reads 0 as "use the default"; a negative value switches retries off.
		s.MaxRetries = -1
	}

	timeout := pick(cfg.RequestTimeout, EnvRequestTimeout, "")
	if timeout != "" {
		d, err := parsePositiveDuration(timeout, s.ClientSecret, s.AccessToken)
		switch {
		case err != nil && cfg.RequestTimeout.ValueString() == "":
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid Aritma request_timeout", EnvRequestTimeout+
				" must be a positive duration such as \"30s\" or \"2m\", got "+shownSetting(timeout, s.ClientSecret, s.AccessToken)+".")
		case err != nil:
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid Aritma request_timeout", err.Error()+".")
		}
		s.RequestTimeout = d
	}
	return s, diags
}

// validateServiceURL enforces https, except for loopback hosts where the bundled mock runs.
// secrets are the credentials configured beside it, which the error must not show should one
// have been pasted into the URL's setting.
func validateServiceURL(raw string, secrets ...string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s is not an absolute http(s) URL", shownNonURL(raw, secrets...))
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%s uses http; only https is allowed, except for a loopback host such as localhost, 127.0.0.1 or [::1]", shownURLSetting(raw, secrets...))
	}
	if u.User != nil {
		// Go's HTTP client would send it as Basic authentication: to the token endpoint beside the
		// client credentials in the form (which a token endpoint refuses as credentials given
		// twice), to the API beside the bearer token.
		return fmt.Errorf("%s holds user info (user:password@); give the credentials in client_id and client_secret "+
			"(or access_token), and the URL without them", shownURLSetting(raw, secrets...))
	}
	return nil
}

// validateEndpoint is validateServiceURL for the base URL that /v1/... is appended to, which a
// query or a fragment would end up in front of.
func validateEndpoint(raw string, secrets ...string) error {
	if err := validateServiceURL(raw, secrets...); err != nil {
		return err
	}
	// Asked of the text: url.Parse reports no query or fragment for a bare trailing "?" or "#".
	if strings.ContainsAny(raw, "?#") {
		return fmt.Errorf("%s has a query or a fragment; endpoint is the base URL that /v1/... is appended to, "+
			"such as \"https://api.dev.aritma.io/core/iam\"", shownURLSetting(raw, secrets...))
	}
	return nil
}

// shownNonURL is a value rejected as no URL, as an error may show it: quoted, user info masked,
// unless it holds one of the credentials or looks like one (longer than 12 characters and without
// any of the ".", "/" and ":" every URL and host name has), which shows only its length.
func shownNonURL(raw string, secrets ...string) string {
	if utf8.RuneCountInString(raw) > 12 && !strings.ContainsAny(raw, "./:") {
		return shownSetting(raw)
	}
	// Percent-encoded too, as a URL's path would hold it (see shownURLSetting).
	unescaped := iam.UnescapePercent(raw)
	for _, s := range secrets {
		if s != "" && (strings.Contains(raw, s) || strings.Contains(unescaped, s)) {
			return hiddenSetting(raw)
		}
	}
	return strconv.Quote(iam.ShownURL(raw))
}

// shownURLSetting is a URL rejected for what it is, as an error may show it: quoted, user info,
// query and fragment masked, unless what remains holds one of the credentials (pasted into a path,
// say), which shows only its length. A credential of fewer than 6 characters is found in a URL by
// chance more often than pasted into it.
func shownURLSetting(raw string, secrets ...string) string {
	shown := iam.ShownURL(raw)
	// Looked for in the whole value, not in what is shown of it: a credential with a "?", "#" or
	// "@" in it is cut there by the masking of query, fragment and user info, and the rest of it
	// would show. In a path it may be percent-encoded, beside a malformed escape elsewhere.
	unescaped := iam.UnescapePercent(raw)
	for _, s := range secrets {
		if len(s) >= 6 && (strings.Contains(raw, s) || strings.Contains(unescaped, s)) {
			return shownSetting(shown, s)
		}
	}
	return strconv.Quote(shown)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parsePositiveDuration parses a request timeout; the error shows s as shownSetting does.
func parsePositiveDuration(s string, secrets ...string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s is not a positive duration such as \"30s\" or \"2m\"", shownSetting(s, secrets...))
	}
	return d, nil
}

// shownSetting is a rejected setting's value as an error may show it: quoted when it is short (a
// timeout or a count, mistyped) and none of the credentials, else only its length. A secret or a
// token pasted into the wrong setting or environment variable must not reach a diagnostic, and so
// the logs.
func shownSetting(v string, secrets ...string) string {
	hidden := utf8.RuneCountInString(v) > 12
	for _, s := range secrets {
		hidden = hidden || s != "" && strings.Contains(v, s)
	}
	if hidden {
		return hiddenSetting(v)
	}
	return strconv.Quote(v)
}

// hiddenSetting is what an error shows of a setting that may hold a secret: its length.
func hiddenSetting(v string) string {
	return fmt.Sprintf("a value of %d characters (not shown: it may be a secret set in the wrong place)", utf8.RuneCountInString(v))
}

func envFor(attr string) string {
	return map[string]string{
		"endpoint": EnvEndpoint, "token_url": EnvTokenURL, "client_id": EnvClientID, "client_secret": EnvClientSecret,
		"access_token": EnvAccessToken, "scopes": EnvScopes, "max_retries": EnvMaxRetries, "request_timeout": EnvRequestTimeout,
	}[attr]
}

func authKind(s iam.Config) string {
	if s.AccessToken != "" {
		return "access_token"
	}
	return "client_credentials"
}

// maskSecrets makes every tflog call made with the returned context replace the given values,
// wherever they appear, so a secret can never reach a log through a message or a field.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	var values []string
	for _, s := range secrets {
		if s != "" {
			values = append(values, s)
		}
	}
	if len(values) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, values...)
	ctx = tflog.MaskAllFieldValuesStrings(ctx, values...)
	// Subsystem loggers do not inherit the root logger's masks, so the values are also kept in
	// ctx for iamLog, which masks them in the iam subsystem.
	return context.WithValue(ctx, maskedValuesKey{}, append(maskedValues(ctx), values...))
}

type maskedValuesKey struct{}

// maskedValues returns what maskSecrets has masked in ctx so far.
func maskedValues(ctx context.Context) []string {
	v, _ := ctx.Value(maskedValuesKey{}).([]string)
	return slices.Clip(v) // appending must never write into a parent context's slice
}

// iamSubsystem is the tflog subsystem of the API client's log lines (one per HTTP attempt).
const iamSubsystem = "iam"

// iamLog is the API client's logger. Its lines go to the iam subsystem, which masks the provider's
// own credentials and everything maskSecrets masked in the caller's context (the value of a
// client secret being created, for one): without that, the subsystem would log them in clear,
// because it does not share the root logger's masks.
func iamLog(credentials ...string) func(ctx context.Context, level, msg string, fields map[string]any) {
	credentials = slices.DeleteFunc(slices.Clone(credentials), func(s string) bool { return s == "" })
	return func(ctx context.Context, level, msg string, fields map[string]any) {
		ctx = tflog.NewSubsystem(ctx, iamSubsystem)
		if masked := append(maskedValues(ctx), credentials...); len(masked) > 0 {
			ctx = tflog.SubsystemMaskMessageStrings(ctx, iamSubsystem, masked...)
			ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, iamSubsystem, masked...)
		}
		if level == "trace" {
			tflog.SubsystemTrace(ctx, iamSubsystem, msg, fields)
			return
		}
		tflog.SubsystemDebug(ctx, iamSubsystem, msg, fields)
	}
}

// tokenURLExample suggests a token URL for endpoint: on a loopback host that is most likely the
// bundled mock, whose token endpoint is <endpoint>/connect/token.
func tokenURLExample(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || !isLoopbackHost(u.Hostname()) {
		return ""
	}
	return fmt.Sprintf(", such as %q for the mock", (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/connect/token"}).String())
}

// sameHost reports whether two absolute http(s) URLs name the same host and port, however
// spelt: in any case, with a trailing dot, with the scheme's default port or without it.
func sameHost(a, b string) bool {
	hostPort := func(raw string) (string, bool) {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			return "", false
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
		}
		return strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")) + ":" + port, true
	}
	ha, okA := hostPort(a)
	hb, okB := hostPort(b)
	return okA && okB && ha == hb
}
