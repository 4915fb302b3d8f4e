package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// secretConfig is a configuration of aritma_iam_client_secret as the protocol carries it, with
// client_id set, value_wo and value_wo_version as given and everything else null.
func secretConfig(t *testing.T, s tfprotov6.ProviderServer, wo, version tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	schemas, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ := schemas.ResourceSchemas["aritma_iam_client_secret"].ValueType().(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	values["client_id"] = tftypes.NewValue(tftypes.String, "c1")
	values["value_wo"], values["value_wo_version"] = wo, version
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// A CLI without write-only support validates with its variables unknown first: a value_wo not
// known yet is no error then, a value_wo set is, and a CLI with write-only support is not touched.
func TestProtocolServer_unknownWriteOnlyUnderAnOldCLI(t *testing.T) {
	t.Parallel()
	s := ProtocolServer("test")()
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	unknownVersion := tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)
	set := tftypes.NewValue(tftypes.String, "a-secret-value-1")
	one := tftypes.NewValue(tftypes.Number, 1)
	for _, tc := range []struct {
		name      string
		wo, ver   tftypes.Value
		caps      *tfprotov6.ValidateResourceConfigClientCapabilities
		wantError bool
	}{
		{"old CLI, value_wo unknown", unknown, unknownVersion, nil, false},
		{"old CLI, value_wo set", set, one, nil, true},
		{"old CLI saying so, value_wo set", set, one, &tfprotov6.ValidateResourceConfigClientCapabilities{}, true},
		{"new CLI, value_wo set", set, one, &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, err := s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{
				TypeName: "aritma_iam_client_secret", Config: secretConfig(t, s, tc.wo, tc.ver), ClientCapabilities: tc.caps,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, d := range resp.Diagnostics {
				if d.Summary == writeOnlyNotAllowed {
					got = true
				} else if d.Severity == tfprotov6.DiagnosticSeverityError {
					t.Errorf("unexpected error %q: %s", d.Summary, d.Detail)
				}
			}
			if got != tc.wantError {
				t.Errorf("%q reported: %v, want %v (diagnostics %v)", writeOnlyNotAllowed, got, tc.wantError, resp.Diagnostics)
			}
		})
	}
}

// A value_wo still unknown when an old CLI plans (it depends on what the apply makes) is refused
// with the framework's summary and why, rather than planned as null, which such a CLI takes for a
// provider bug ("Provider produced invalid plan").
func TestProtocolServer_writeOnlyUnknownAtPlanUnderAnOldCLI(t *testing.T) {
	t.Parallel()
	s := ProtocolServer("test")()
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	one := tftypes.NewValue(tftypes.Number, 1)
	config := secretConfig(t, s, unknown, one)
	if _, err := s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{
		TypeName: "aritma_iam_client_secret", Config: config,
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "aritma_iam_client_secret", Config: config, ProposedNewState: config,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary != writeOnlyNotAllowed ||
		resp.Diagnostics[0].Detail != "value_wo is not known until apply, and this CLI does not support write-only "+
			"attributes (Terraform 1.11 and later do), so value_wo must be null here, which the plan cannot tell yet. "+
			"Make it null in a way known at plan time (or leave it out), or use a CLI that supports write-only attributes." {
		t.Errorf("diagnostics = %v", resp.Diagnostics)
	}
}

func TestUnknownWriteOnly(t *testing.T) {
	t.Parallel()
	s := ProtocolServer("test")()
	schema := resourceSchemas(s)
	for name, tc := range map[string]struct {
		wo   tftypes.Value
		want bool
	}{
		"unknown": {tftypes.NewValue(tftypes.String, tftypes.UnknownValue), true},
		"set":     {tftypes.NewValue(tftypes.String, "a-secret-value-1"), false},
		"null":    {tftypes.NewValue(tftypes.String, nil), false},
	} {
		config := secretConfig(t, s, tc.wo, tftypes.NewValue(tftypes.Number, nil))
		if got := unknownWriteOnly("aritma_iam_client_secret", config, schema) != nil; got != tc.want {
			t.Errorf("%s: refused %v, want %v", name, got, tc.want)
		}
	}
	if d := unknownWriteOnly("aritma_iam_client", secretConfig(t, s, tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		tftypes.NewValue(tftypes.Number, nil)), schema); d != nil {
		t.Errorf("a resource without write-only attributes: %v", d)
	}
}

// A CLI that validated with write-only support once supports it, whatever another validation of
// its left out: its unknown value_wo is planned, not refused.
func TestWriteOnlySupport(t *testing.T) {
	t.Parallel()
	var w writeOnlySupport
	if w.lacking() {
		t.Error("lacking before any validation")
	}
	w.note(nil)
	if !w.lacking() {
		t.Error("not lacking after a validation without capabilities")
	}
	w.note(&tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true})
	w.note(&tfprotov6.ValidateResourceConfigClientCapabilities{})
	if w.lacking() {
		t.Error("lacking after a validation with write-only support")
	}
}
