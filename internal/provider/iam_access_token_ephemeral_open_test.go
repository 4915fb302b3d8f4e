package provider

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// openAccessToken opens aritma_iam_access_token for client "cid" with secret "open-secret-0123"
// at tokenURL, as Terraform does with a configuration whose computed attributes are null.
func openAccessToken(t *testing.T, tokenURL string, scopes types.List, secretID types.String) *ephemeral.OpenResponse {
	t.Helper()
	ctx := context.Background()
	r := NewIAMAccessTokenEphemeralResource()
	var sr ephemeral.SchemaResponse
	r.Schema(ctx, ephemeral.SchemaRequest{}, &sr)
	st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	m := iamAccessTokenModel{
		ClientID: types.StringValue("cid"), ClientSecret: types.StringValue("open-secret-0123"),
		Scopes: scopes, TokenURL: types.StringValue(tokenURL), SecretID: secretID,
		AccessToken: types.StringNull(), TokenType: types.StringNull(), ExpiresAt: types.StringNull(), Scope: types.StringNull(),
	}
	if diags := st.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building the configuration: %v", diags)
	}
	resp := &ephemeral.OpenResponse{Result: tfsdk.EphemeralResultData{Schema: sr.Schema, Raw: st.Raw.Copy()}}
	r.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: st.Raw}}, resp)
	return resp
}

// TestUnitIAMAccessTokenOpenChecksTokenURL: Open checks token_url itself, because ValidateConfig
// skips one that is unknown then, and a CLI need not validate again with the final value: the
// secret must never go to an http URL off this machine.
func TestUnitIAMAccessTokenOpenChecksTokenURL(t *testing.T) {
	resp := openAccessToken(t, "http://id.example.com/connect/token", types.ListNull(types.StringType), types.StringNull())
	if resp.Diagnostics.ErrorsCount() != 1 || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(),
		`"http://id.example.com/connect/token" uses http; only https is allowed`) {
		t.Fatalf("diagnostics = %v, want the https rule", resp.Diagnostics)
	}
}

// A token endpoint may refuse a scope with 401 invalid_scope (CONTRACT.md §1: 400 or 401). The
// secret was accepted, so the error is about the scopes, and it neither blames the secret nor
// tries a fresh one again (each refused try counts toward the endpoint's throttle).
func TestUnitIAMAccessTokenOpenInvalidScope401(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_scope","error_description":"scope \"bankservice\" is not allowed for this client"}`))
	}))
	defer srv.Close()
	for name, tc := range map[string]struct {
		scopes types.List
		hint   string
	}{
		"scopes set":   {types.ListValueMust(types.StringType, []attr.Value{types.StringValue("bankservice")}), scopesRefusedHint},
		"scopes unset": {types.ListNull(types.StringType), scopesUnsetRefusedHint},
	} {
		t.Run(name, func(t *testing.T) {
			hits.Store(0)
			resp := openAccessToken(t, srv.URL+"/connect/token", tc.scopes, types.StringValue("s1"))
			if resp.Diagnostics.ErrorsCount() != 1 {
				t.Fatalf("diagnostics = %v", resp.Diagnostics)
			}
			detail := resp.Diagnostics.Errors()[0].Detail()
			if !strings.Contains(detail, tc.hint) || strings.Contains(detail, "the secret may be wrong") ||
				strings.Contains(detail, destroyWithoutPlanNote) {
				t.Errorf("a 401 invalid_scope is not put down to the scopes alone:\n%s", detail)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("the token endpoint was asked %d times, want once", n)
			}
		})
	}
}

// A token endpoint that leaves out token_type and expires_in gets null for both, not "" and not a
// made-up expiry.
func TestUnitIAMAccessTokenOpenUnsaidFieldsAreNull(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-0123456789"}`))
	}))
	defer srv.Close()
	resp := openAccessToken(t, srv.URL+"/connect/token", types.ListNull(types.StringType), types.StringNull())
	if resp.Diagnostics.HasError() {
		t.Fatalf("diagnostics = %v", resp.Diagnostics)
	}
	var got iamAccessTokenModel
	if diags := resp.Result.Get(context.Background(), &got); diags.HasError() {
		t.Fatalf("reading the result: %v", diags)
	}
	if got.AccessToken.ValueString() != "tok-0123456789" || !got.TokenType.IsNull() || !got.ExpiresAt.IsNull() || !got.Scope.IsNull() {
		t.Errorf("token_type = %v, expires_at = %v, scope = %v (access_token set: %v); want the token and null for the rest",
			got.TokenType, got.ExpiresAt, got.Scope, got.AccessToken.ValueString() == "tok-0123456789")
	}
}
