package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestUnitIAMAccessTokenOpenChecksTokenURL: Open checks token_url itself, because ValidateConfig
// skips one that is unknown then, and a CLI need not validate again with the final value: the
// secret must never go to an http URL off this machine.
func TestUnitIAMAccessTokenOpenChecksTokenURL(t *testing.T) {
	ctx := context.Background()
	r := NewIAMAccessTokenEphemeralResource()
	var sr ephemeral.SchemaResponse
	r.Schema(ctx, ephemeral.SchemaRequest{}, &sr)
	st := tfsdk.State{Schema: sr.Schema, Raw: tftypes.NewValue(sr.Schema.Type().TerraformType(ctx), nil)}
	m := iamAccessTokenModel{
		ClientID: types.StringValue("cid"), ClientSecret: types.StringValue("open-secret-0123"),
		Scopes: types.ListNull(types.StringType), TokenURL: types.StringValue("http://id.example.com/connect/token"),
		AccessToken: types.StringNull(), TokenType: types.StringNull(), ExpiresAt: types.StringNull(), Scope: types.StringNull(),
	}
	if diags := st.Set(ctx, &m); diags.HasError() {
		t.Fatalf("building the configuration: %v", diags)
	}
	resp := &ephemeral.OpenResponse{Result: tfsdk.EphemeralResultData{Schema: sr.Schema, Raw: st.Raw.Copy()}}
	r.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Schema: sr.Schema, Raw: st.Raw}}, resp)
	if resp.Diagnostics.ErrorsCount() != 1 || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(),
		`"http://id.example.com/connect/token" uses http; only https is allowed`) {
		t.Fatalf("diagnostics = %v, want the https rule", resp.Diagnostics)
	}
}
