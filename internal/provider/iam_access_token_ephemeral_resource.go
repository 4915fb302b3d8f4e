package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

var (
	_ ephemeral.EphemeralResource                   = &iamAccessTokenEphemeralResource{}
	_ ephemeral.EphemeralResourceWithConfigure      = &iamAccessTokenEphemeralResource{}
	_ ephemeral.EphemeralResourceWithValidateConfig = &iamAccessTokenEphemeralResource{}
)

// NewIAMAccessTokenEphemeralResource returns the aritma_iam_access_token ephemeral resource.
func NewIAMAccessTokenEphemeralResource() ephemeral.EphemeralResource {
	return &iamAccessTokenEphemeralResource{ephemeralResourceBase: newEphemeralResourceBase("_iam_access_token")}
}

// iamAccessTokenEphemeralResource exchanges client credentials for an access token. It needs no
// IAM API call and no permission of the provider's own client: only the token endpoint.
type iamAccessTokenEphemeralResource struct {
	ephemeralResourceBase
}

type iamAccessTokenModel struct {
	ClientID     types.String `tfsdk:"client_id"`
	ClientSecret types.String `tfsdk:"client_secret"`
	SecretID     types.String `tfsdk:"secret_id"`
	Scopes       types.List   `tfsdk:"scopes"`
	TokenURL     types.String `tfsdk:"token_url"`
	AccessToken  types.String `tfsdk:"access_token"`
	TokenType    types.String `tfsdk:"token_type"`
	ExpiresAt    types.String `tfsdk:"expires_at"`
	Scope        types.String `tfsdk:"scope"`
}

func (r *iamAccessTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Exchanges a client id and secret for an OAuth 2.0 access token (`client_credentials` grant) " +
			"at the token endpoint, during plan and apply. Ephemeral: neither the secret nor the token is ever stored " +
			"in plan or state. It creates and changes nothing, so planning twice is harmless while the credentials are " +
			"right; but each refused exchange counts toward the token endpoint's limit of failed attempts per client id " +
			"(the mock's: 10 a minute, then 429 even with the right secret), so fix a wrong secret before planning " +
			"again.\n\n" +
			"Use it to prove that a freshly created secret works, or to configure another provider that calls Aritma " +
			"APIs. Needs Terraform 1.10 or later (OpenTofu 1.11 or later). A provider configured with its `access_token` " +
			"keeps that one token for the whole run and cannot renew it: the plan, or the apply, must end before the token " +
			"expires (`expires_at`; an hour at Aritma and at the mock by default), or its later calls are refused with 401. " +
			"For long runs, give that provider `client_id` and `client_secret` instead, which it renews itself.\n\n" +
			"It takes the token endpoint (`token_url`), `request_timeout` and `max_retries` from the provider block. The provider " +
			"checks its own credentials (`client_id` and `client_secret`, or `access_token`) when it is configured, so " +
			"a configuration that only exchanges tokens must give the provider credentials too. This resource uses " +
			"them for one thing: with `scopes` unset, it reads the client's `allowed_scopes` through the API to request " +
			"them (see `scopes`); credentials that may not read clients only make it request no scope.",
		Attributes: map[string]schema.Attribute{
			"client_id": schema.StringAttribute{
				MarkdownDescription: "Client id to authenticate as.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"client_secret": schema.StringAttribute{
				MarkdownDescription: "Secret of the client; must be set. Inputs of an ephemeral resource are never stored, so " +
					"this may come from a write-only or ephemeral source. A null value fails saying why: the `value` of an " +
					"imported `aritma_iam_client_secret` is null, as the API never shows a secret's value again.",
				// Optional so that a null value gets an error that explains it (see missingSecret);
				// the framework's own for a required attribute blames the provider.
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"secret_id": schema.StringAttribute{
				MarkdownDescription: "The `secret_id` of the `aritma_iam_client_secret` whose value `client_secret` is, to " +
					"check a secret this configuration creates: `secret_id = aritma_iam_client_secret.x.secret_id`. While " +
					"that secret is being created or replaced its id is unknown, so the CLI waits with the token until " +
					"apply, when the secret exists. Without it, a `client_secret` known at plan time (a `value_wo` from " +
					"an ephemeral variable) is tried at plan, before a rotated secret exists on the server. It also names " +
					"the secret in errors, and when the secret was created moments ago by this apply, a refusal at the token " +
					"endpoint is tried again for a few seconds, in case the secret reached it late.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"scopes": schema.ListAttribute{
				MarkdownDescription: "OAuth scopes to request, such as `[\"services.iam\"]`. When not set, the token gets " +
					"every scope the client is allowed: when the token endpoint is the provider's, the provider reads the " +
					"client's `allowed_scopes` with its own credentials and requests them all (Aritma's identity server " +
					"documents `scope` as required). It requests no scope, which the mock answers with every allowed scope, " +
					"when it cannot read them (its client lacks `iam.client.read`; at most 10 s are spent trying), when " +
					"`token_url` names another endpoint than the provider's, and again when the endpoint refuses the scopes " +
					"it named (`invalid_scope`).",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					noNullElementsValidator(),
					listvalidator.ValueStringsAre(oauthScopeValidator()),
				},
			},
			"token_url": schema.StringAttribute{
				MarkdownDescription: "Token endpoint. Defaults to the provider's `token_url` when null or `\"\"` (the result holds the URL used when `token_url` is null; `\"\"` stays `\"\"`, as Terraform requires). Same `https` rule as the provider's `endpoint`: `http` only to a loopback host. When neither this nor the provider's `token_url` (nor `ARITMA_TOKEN_URL`) is set and the provider's `endpoint` is not the default's host, opening fails rather than send the secret to the default, the dev environment's identity server (the provider checks that for its own client credentials, but not when it uses `access_token`).",
				Optional:            true,
				Computed:            true,
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "The access token, for an `Authorization: Bearer` header.",
				Computed:            true,
				Sensitive:           true,
			},
			"token_type": schema.StringAttribute{
				MarkdownDescription: "Token type, normally `Bearer`; null when the token endpoint does not say.",
				Computed:            true,
			},
			"expires_at": schema.StringAttribute{
				MarkdownDescription: "When the token expires (RFC 3339, UTC); null when the token endpoint does not say.",
				Computed:            true,
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "Space-separated scopes the token was granted; null when the token endpoint does not " +
					"say and none were requested.",
				Computed: true,
			},
		},
	}
}

func (r *iamAccessTokenEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var tokenURL, secret, clientID types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("token_url"), &tokenURL)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("client_secret"), &secret)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("client_id"), &clientID)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if secret.IsNull() {
		missingSecret(clientID, &resp.Diagnostics)
		return
	}
	if tokenURL.IsUnknown() || tokenURL.ValueString() == "" { // "" is unset, as in the provider block
		return
	}
	if err := validateServiceURL(tokenURL.ValueString(), secret.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("token_url"), "Invalid Token URL", err.Error()+".")
	}
}

// refusedSecret: the token endpoint refused the credentials themselves, not the grant type the
// client may use (unauthorized_client, whose secret was accepted).
func refusedSecret(err error) bool {
	return errors.Is(err, iam.ErrUnauthorized) && !errors.Is(err, iam.ErrGrantNotAllowed)
}

// The hints of a token endpoint that refused the scopes asked for (scopes set) or the client's own.
const (
	scopesRefusedHint      = "Request only scopes in the client's allowed_scopes, or leave scopes unset to get all of them."
	scopesUnsetRefusedHint = "The token endpoint refused the client's scopes, though scopes is unset: check the client's allowed_scopes and grant types."
)

// missingSecret reports a client_secret that is null, which a configuration meets where it passes
// on the value of a secret whose value Terraform does not hold.
func missingSecret(clientID types.String, diags *diag.Diagnostics) {
	of := "the client"
	if !clientID.IsNull() && !clientID.IsUnknown() {
		of = fmt.Sprintf("client %q", clientID.ValueString())
	}
	diags.AddAttributeError(path.Root("client_secret"), "Missing Client Secret",
		fmt.Sprintf("client_secret is null, so there is no secret of %s to exchange for a token. Where it is the value of "+
			"an aritma_iam_client_secret, Terraform does not hold that secret's value: the secret was imported (the API "+
			"never shows a secret's value again) or its value is given as value_wo, which is never stored. Pass the "+
			"value from where it is kept (for value_wo, the same ephemeral source), replace the secret so that Terraform "+
			"holds its new value (terraform apply -replace=<the secret's address>, or tofu apply with the same flag), or leave this check out until then.", of))
}

// freshSecretGrace is how long a secret created moments ago may be refused at the token endpoint
// before its check fails (three tries in all: see Open).
const freshSecretGrace = 8 * time.Second

// allowedScopes returns the allowed_scopes of the client, read through the provider, to ask for
// when the configuration names no scopes: Aritma's identity server documents scope as required,
// so a request without one may be refused where the mock would grant every allowed scope. When
// the client cannot be read (the provider's client lacks iam.client.read, or the client is not
// visible yet) it returns nil, and the request names no scope.
func (r *iamAccessTokenEphemeralResource) allowedScopes(ctx context.Context, clientID string) []string {
	if r.data == nil || r.data.client == nil {
		return nil
	}
	// Only a help: it must not hold the exchange up with the provider's retries and token waits.
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	c, err := r.data.client.GetClient(ctx, clientID)
	switch {
	case err != nil:
		tflog.Debug(ctx, "Requesting no scope: the client's allowed scopes could not be read", map[string]any{
			"client_id": clientID, "error": err.Error(),
		})
		return nil
	case len(c.AllowedScopes) == 0:
		tflog.Debug(ctx, "Requesting no scope: the client has no allowed scopes", map[string]any{"client_id": clientID})
		return nil
	}
	scopes := slices.Clone(c.AllowedScopes)
	slices.Sort(scopes)
	return scopes
}

func (r *iamAccessTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var cfg iamAccessTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if cfg.ClientSecret.IsNull() {
		missingSecret(cfg.ClientID, &resp.Diagnostics) // for a CLI that did not validate the final value
		return
	}
	ctx = maskSecrets(ctx, cfg.ClientSecret.ValueString())

	tokenURL := cfg.TokenURL.ValueString()
	if tokenURL != "" {
		// ValidateConfig skips a token_url unknown then; a CLI that does not validate again with
		// the final value must not get the secret sent over plain http either.
		if err := validateServiceURL(tokenURL, append(r.credentials(), cfg.ClientSecret.ValueString())...); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("token_url"), "Invalid Token URL", err.Error()+".")
			return
		}
	}
	if tokenURL == "" {
		tokenURL = DefaultTokenURL
		if r.data != nil && r.data.tokenURL != "" {
			tokenURL = r.data.tokenURL
		}
		if r.data != nil && r.data.tokenURLDefaulted && !sameHost(r.data.endpoint, DefaultEndpoint) {
			// The provider checks this only for its own client credentials; with access_token it
			// sends no secret, but this resource would send one to the dev environment.
			resp.Diagnostics.AddAttributeError(path.Root("token_url"), "Missing Token URL",
				fmt.Sprintf("The provider's endpoint is %s, but neither this resource's token_url nor the provider's "+
					"token_url (%s) is set, and their default, %q, is the identity server of the API at %q: the "+
					"client secret would be sent there. Set token_url here or in the provider to the token endpoint "+
					"that issues tokens for that API%s.",
					r.data.shownURL(r.data.endpoint), EnvTokenURL, DefaultTokenURL, DefaultEndpoint, tokenURLExample(r.data.endpoint)))
			return
		}
	}
	var scopes []string
	if !cfg.Scopes.IsNull() {
		resp.Diagnostics.Append(cfg.Scopes.ElementsAs(ctx, &scopes, false)...)
		if resp.Diagnostics.HasError() {
			return
		}
	} else if r.data != nil && tokenURL == r.data.tokenURL {
		// Only where the provider's API and this token endpoint are one environment: another
		// identity server's client ids mean nothing to the provider's API.
		scopes = r.allowedScopes(ctx, cfg.ClientID.ValueString())
	}
	derivedScopes := scopes != nil && cfg.Scopes.IsNull()

	tflog.Debug(ctx, "Exchanging client credentials for an access token", map[string]any{
		// scopes as one string: the log's masks see only string fields, and a secret pasted into
		// scopes must be masked there too.
		"token_url": shownURLSetting(tokenURL, append(r.credentials(), cfg.ClientSecret.ValueString())...),
		"client_id": cfg.ClientID.ValueString(), "scopes": strings.Join(scopes, " "),
	})
	treq := iam.TokenRequest{
		TokenURL:     tokenURL,
		ClientID:     cfg.ClientID.ValueString(),
		ClientSecret: cfg.ClientSecret.ValueString(),
		Scopes:       scopes,
	}
	if r.data != nil {
		// The provider's request_timeout bounds each attempt, and its max_retries the retries of
		// failures that may pass, as for the provider's own calls.
		if r.data.requestTimeout > 0 {
			treq.HTTPClient = &http.Client{Timeout: r.data.requestTimeout}
		}
		treq.MaxRetries = r.data.maxRetries
	}
	exchange := func(ctx context.Context) (*iam.Token, error) { return iam.ExchangeToken(ctx, treq) }
	tok, err := exchange(ctx)
	if derivedScopes && errors.Is(err, iam.ErrInvalidScope) {
		// An allowed scope the endpoint does not issue to this grant (or a read that lagged an
		// update of the client): ask as the configuration did, for no scope.
		tflog.Debug(ctx, "The client's allowed scopes were refused; requesting no scope", map[string]any{"scopes": strings.Join(scopes, " ")})
		treq.Scopes = nil
		tok, err = exchange(ctx)
	}
	retried := false
	if refusedSecret(err) && !cfg.SecretID.IsNull() && r.data != nil {
		// A secret this apply has just created may reach the token endpoint a moment after the API
		// acknowledged it (an eventually consistent store behind the endpoint): try it again for a
		// few seconds rather than fail the check of a rotation that works. Each refused try counts
		// toward the endpoint's throttle of failed logins for the client (10 a minute at the
		// mock), which would lock out its working secret too, so the tries are three in all: now,
		// after freshSecretGrace/2 and at its end. A value that is simply wrong still fails soon,
		// with the endpoint's own answer.
		key := "secret " + clientSecretID(cfg.ClientID.ValueString(), cfg.SecretID.ValueString())
		if at, ok := r.data.created.at(key); ok && time.Since(at) < readAfterCreateWindow {
			refused := err
			retried = true
			deadline := time.Now().Add(freshSecretGrace)
			if end := at.Add(readAfterCreateWindow); end.Before(deadline) {
				deadline = end
			}
			tok, err = retryWhileFrom(ctx, freshSecretGrace/2, deadline, refusedSecret, exchange, tok, err)
			if errors.Is(err, iam.ErrRateLimited) {
				err = refused
			}
		}
	}
	if err != nil {
		who := fmt.Sprintf("client %q", cfg.ClientID.ValueString())
		if !cfg.SecretID.IsNull() {
			who += fmt.Sprintf(" (secret %q)", cfg.SecretID.ValueString())
		}
		// client_id and secret_id quoted, but not a client_secret given as one of them by mistake.
		who = iam.Redact(who, cfg.ClientSecret.ValueString())
		shownTokenURL := shownURLSetting(tokenURL, append(r.credentials(), cfg.ClientSecret.ValueString())...)
		detail := fmt.Sprintf("Exchanging the credentials of %s at %s failed: %s", who, shownTokenURL, err.Error())
		switch {
		case errors.Is(err, iam.ErrGrantNotAllowed):
			// The secret worked. The plan opens this with the client as the API holds it now, so a
			// grant type the plan gives back (one taken away outside Terraform) is not there yet.
			detail += "\n\nThe secret was accepted, but the client does not allow the client_credentials grant: add " +
				"it to the client's allowed_grant_types. If this configuration manages the client and its plan gives the " +
				"grant back, apply the client first (terraform apply -target=<the client's resource address>, or tofu apply " +
				"with the same flag), then the " +
				"rest: this is checked at plan time, with the client as the API holds it."
		case errors.Is(err, iam.ErrUnauthorized):
			detail += "\n\nCheck client_id and client_secret: the secret may be wrong, expired or deleted."
			if retried {
				detail += fmt.Sprintf(" (The secret was created moments ago, so it was tried again for %s, in case "+
					"it reached the token endpoint late.)", freshSecretGrace)
			}
			if cfg.SecretID.IsNull() {
				detail += " If client_secret comes from an aritma_iam_client_secret that this apply creates or " +
					"replaces, also set secret_id = aritma_iam_client_secret.<name>.secret_id: the token is then " +
					"asked for once the new secret exists, not with its value at plan time."
			} else {
				// A write-only value is never compared with the last one, so changing it alone
				// replaces nothing: the server keeps the old value, which this exchange then lacks.
				detail += " If client_secret is the value_wo of that secret and you changed it, change its " +
					"value_wo_version too: Terraform cannot see a change of a write-only value, so the secret was not " +
					"replaced and the server still holds the old value. Every refused attempt counts toward the token " +
					"endpoint's limit of failed attempts for the client, which then refuses even the right secret for a while."
			}
		case errors.Is(err, iam.ErrNoTokenEndpoint):
			detail += "\n\n" + noTokenEndpointHint
		case iam.IsCertificateError(err):
			detail += "\n\n" + untrustedCertificateHint
		case errors.Is(err, iam.ErrForbidden) && cfg.Scopes.IsNull():
			detail += "\n\n" + scopesUnsetRefusedHint
		case errors.Is(err, iam.ErrForbidden):
			detail += "\n\n" + scopesRefusedHint
		case errors.Is(err, iam.ErrRateLimited):
			detail += "\n\n" + tokenThrottledHint
		}
		if h := timeoutHint(ctx, "ephemeral resource", err); h != "" {
			detail += "\n\n" + h
		}
		switch {
		case refusedSecret(err):
			// A secret that has expired since (or was deleted) fails every plan that opens this,
			// terraform destroy's included.
			detail += "\n\n" + destroyWithoutPlanNote + " That does not help where the token configures a provider " +
				"(its access_token), which needs the token to destroy as well: first give this ephemeral resource a secret that " +
				"works (one made outside this configuration, say)."
		case errors.Is(err, iam.ErrGrantNotAllowed):
			// Every secret of the client is refused alike: only the grant type helps.
			detail += "\n\n" + destroyWithoutPlanNote + " That does not help where the token configures a provider " +
				"(its access_token), which needs the token to destroy as well: first give the client the client_credentials grant."
		}
		resp.Diagnostics.AddError("Unable to Get Access Token", detail)
		return
	}
	ctx = maskSecrets(ctx, tok.AccessToken)
	tflog.Debug(ctx, "Got an access token", map[string]any{"client_id": cfg.ClientID.ValueString(), "scope": tok.Scope})

	if cfg.TokenURL.IsNull() {
		// Terraform refuses a result that changes a configured value, "" included.
		cfg.TokenURL = types.StringValue(tokenURL)
	}
	cfg.AccessToken = types.StringValue(tok.AccessToken)
	// An answer without token_type (RFC 6749 requires one) is null, as a missing expires_in is: ""
	// would make "${token_type} ${access_token}" a header that fails only at the API.
	cfg.TokenType = types.StringNull()
	if tok.TokenType != "" {
		cfg.TokenType = types.StringValue(tok.TokenType)
	}
	cfg.ExpiresAt = types.StringNull() // the server did not say (no expires_in)
	if !tok.ExpiresAt.IsZero() {
		cfg.ExpiresAt = types.StringValue(formatAPITime(tok.ExpiresAt))
	}
	cfg.Scope = types.StringNull() // the server did not say, and no scope was asked for
	if tok.Scope != "" {
		cfg.Scope = types.StringValue(tok.Scope)
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &cfg)...)
}

// credentials are the provider's, which a URL this resource shows must not reveal either; a copy,
// to append the resource's own secret to.
func (r *iamAccessTokenEphemeralResource) credentials() []string {
	if r.data == nil {
		return nil
	}
	return slices.Clone(r.data.credentials)
}
