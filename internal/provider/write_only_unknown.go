package provider

import (
	"context"
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
	s := schema(req.TypeName)
	if s == nil || req.Config == nil {
		return nil
	}
	v, err := req.Config.Unmarshal(s.ValueType())
	if err != nil {
		return nil
	}
	return &v
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
