package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// writeOnlyNotAllowed is the summary of terraform-plugin-framework's error for a write-only
// argument set under a CLI without write-only support (before Terraform 1.11).
const writeOnlyNotAllowed = "WriteOnly Attribute Not Allowed"

// dropUnknownWriteOnly removes the framework's "WriteOnly Attribute Not Allowed" errors for
// write-only arguments whose value is not known yet.
//
// The framework takes an unknown value for a set one. A CLI validates the configuration first with
// its input variables unknown (Terraform 1.5 does), so a module that offers an optional write-only
// value (value_wo = var.wo, null unless the caller has a Terraform that supports it) failed on an
// old CLI even when the caller left it null. The CLI validates again during the plan, with the
// values known, and the framework then refuses a value that is really set: nothing is let through.
// A value still unknown then (it depends on what the apply makes) is refused by unknownWriteOnly.
func dropUnknownWriteOnly(req *tfprotov6.ValidateResourceConfigRequest, resp *tfprotov6.ValidateResourceConfigResponse,
	schema func(typeName string) *tfprotov6.Schema) {
	if resp == nil || req.ClientCapabilities != nil && req.ClientCapabilities.WriteOnlyAttributesAllowed {
		return
	}
	var config *tftypes.Value // decoded once, when needed
	kept := resp.Diagnostics[:0]
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError && d.Summary == writeOnlyNotAllowed && d.Attribute != nil {
			if config == nil {
				config = decodeConfig(req, schema)
			}
			if config != nil && !knownAt(*config, d.Attribute) {
				continue
			}
		}
		kept = append(kept, d)
	}
	resp.Diagnostics = kept
}

// decodeConfig is the request's configuration, or nil when it cannot be decoded.
func decodeConfig(req *tfprotov6.ValidateResourceConfigRequest, schema func(typeName string) *tfprotov6.Schema) *tftypes.Value {
	return decode(req.Config, schema(req.TypeName))
}

func decode(config *tfprotov6.DynamicValue, s *tfprotov6.Schema) *tftypes.Value {
	if s == nil || config == nil {
		return nil
	}
	v, err := config.Unmarshal(s.ValueType())
	if err != nil {
		return nil
	}
	return &v
}

// unknownWriteOnly refuses, on a CLI without write-only support, the plan of a configuration whose
// write-only argument is still unknown: dropUnknownWriteOnly let it through validation, and the
// framework would plan it as null, which such a CLI rejects as "Provider produced invalid plan"
// (a bug of the provider, it says). Only top-level write-only attributes are looked at; the
// provider has no others.
func unknownWriteOnly(typeName string, config *tfprotov6.DynamicValue, schema func(typeName string) *tfprotov6.Schema) *tfprotov6.Diagnostic {
	s := schema(typeName)
	if s == nil || s.Block == nil {
		return nil
	}
	var v *tftypes.Value
	for _, a := range s.Block.Attributes {
		if !a.WriteOnly {
			continue
		}
		if v == nil {
			if v = decode(config, s); v == nil || v.IsNull() || !v.IsKnown() {
				return nil
			}
		}
		p := tftypes.NewAttributePath().WithAttributeName(a.Name)
		if knownAt(*v, p) {
			continue
		}
		return &tfprotov6.Diagnostic{
			Severity:  tfprotov6.DiagnosticSeverityError,
			Summary:   writeOnlyNotAllowed,
			Attribute: p,
			Detail: fmt.Sprintf("%s is not known until apply, and this CLI does not support write-only attributes "+
				"(Terraform 1.11 and later do), so %s must be null here, which the plan cannot tell yet. Make it null "+
				"in a way known at plan time (or leave it out), or use a CLI that supports write-only attributes.", a.Name, a.Name),
		}
	}
	return nil
}

// knownAt reports whether the value at p in v is known through and through; a path that does not
// resolve counts as known, so the diagnostic stays.
func knownAt(v tftypes.Value, p *tftypes.AttributePath) bool {
	at, _, err := tftypes.WalkAttributePath(v, p)
	if err != nil {
		return true
	}
	value, ok := at.(tftypes.Value)
	return !ok || value.IsFullyKnown()
}

// resourceSchemas returns a lookup of the resource schemas of s, read once on first use.
func resourceSchemas(s tfprotov6.ProviderServer) func(typeName string) *tfprotov6.Schema {
	var schemas map[string]*tfprotov6.Schema
	var once sync.Once
	return func(typeName string) *tfprotov6.Schema {
		once.Do(func() {
			resp, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
			if err == nil && resp != nil {
				schemas = resp.ResourceSchemas
			}
		})
		return schemas[typeName]
	}
}
