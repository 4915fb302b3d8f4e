package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// testProviderSchema is the provider's schema as the CLI gets it over the protocol.
func testProviderSchema(t *testing.T) *tfprotov6.GetProviderSchemaResponse {
	t.Helper()
	server := providerserver.NewProtocol6(New("test")())()
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Every schema, block and attribute is documented: the descriptions become the registry docs
// (tfplugindocs), and an undocumented argument is one a user has to guess at.
func TestSchemas_documented(t *testing.T) {
	t.Parallel()
	resp := testProviderSchema(t)
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}
	schemas := map[string]*tfprotov6.Schema{"provider": resp.Provider}
	for kind, m := range map[string]map[string]*tfprotov6.Schema{
		"resource": resp.ResourceSchemas, "data source": resp.DataSourceSchemas,
		"ephemeral resource": resp.EphemeralResourceSchemas,
	} {
		for name, s := range m {
			schemas[kind+" "+name] = s
		}
	}
	if len(schemas) != 1+3+10+1 {
		t.Errorf("found %d schemas, want the provider's, 3 resources', 10 data sources' and 1 ephemeral resource's", len(schemas))
	}
	for name, s := range schemas {
		checkBlockDocumented(t, name, s.Block)
	}

	for name, f := range resp.Functions {
		if f.Summary == "" || f.Description == "" {
			t.Errorf("function %s has no summary or description", name)
		}
		for _, p := range f.Parameters {
			if p.Description == "" {
				t.Errorf("parameter %s of function %s has no description", p.Name, name)
			}
		}
	}
}

func checkBlockDocumented(t *testing.T, at string, b *tfprotov6.SchemaBlock) {
	t.Helper()
	if b.Description == "" && at != "" {
		t.Errorf("%s has no description", at)
	}
	for _, a := range b.Attributes {
		checkAttributeDocumented(t, at+"."+a.Name, a)
	}
	for _, nb := range b.BlockTypes {
		checkBlockDocumented(t, at+"."+nb.TypeName, nb.Block)
	}
}

func checkAttributeDocumented(t *testing.T, at string, a *tfprotov6.SchemaAttribute) {
	t.Helper()
	if a.Description == "" {
		t.Errorf("%s has no description", at)
	}
	if a.NestedType != nil {
		for _, na := range a.NestedType.Attributes {
			checkAttributeDocumented(t, at+"."+na.Name, na)
		}
	}
}

// Every data source has a timeouts block with read: without one, a read against an API that keeps
// answering 429 has no deadline at all.
func TestSchemas_dataSourceReadTimeouts(t *testing.T) {
	t.Parallel()
	resp := testProviderSchema(t)
	if len(resp.DataSourceSchemas) == 0 {
		t.Fatal("no data sources")
	}
	for name, s := range resp.DataSourceSchemas {
		var block *tfprotov6.SchemaNestedBlock
		for _, nb := range s.Block.BlockTypes {
			if nb.TypeName == "timeouts" {
				block = nb
			}
		}
		if block == nil || block.Nesting != tfprotov6.SchemaNestedBlockNestingModeSingle {
			t.Errorf("data source %s has no single timeouts block", name)
			continue
		}
		if len(block.Block.Attributes) != 1 || block.Block.Attributes[0].Name != "read" || !block.Block.Attributes[0].Optional {
			t.Errorf("the timeouts block of data source %s does not have exactly an optional read: %+v", name, block.Block.Attributes)
		}
	}
}

// Every attribute that holds a credential is sensitive (kept out of plan output and marked in
// state), and write-only where it must never be stored; nothing else needs to be. The list is
// exact in both directions, so a new credential attribute has to be added here on purpose.
func TestSchemas_credentialsSensitive(t *testing.T) {
	t.Parallel()
	resp := testProviderSchema(t)
	want := map[string]bool{
		"provider.client_secret":                true,
		"provider.access_token":                 true,
		"aritma_iam_client_secret.value":        true,
		"aritma_iam_client_secret.value_wo":     true,
		"aritma_iam_access_token.client_secret": true,
		"aritma_iam_access_token.access_token":  true,
	}
	got := map[string]bool{}
	collect := func(prefix string, b *tfprotov6.SchemaBlock) {
		for _, a := range b.Attributes {
			if a.Sensitive {
				got[prefix+"."+a.Name] = true
			}
		}
	}
	collect("provider", resp.Provider.Block)
	for _, m := range []map[string]*tfprotov6.Schema{resp.ResourceSchemas, resp.DataSourceSchemas, resp.EphemeralResourceSchemas} {
		for name, s := range m {
			collect(name, s.Block)
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s is not sensitive", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("%s is sensitive, but not in this test's list of credentials", k)
		}
	}
	for _, a := range resp.ResourceSchemas["aritma_iam_client_secret"].Block.Attributes {
		if a.Name == "value_wo" && !a.WriteOnly {
			t.Error("aritma_iam_client_secret.value_wo is not write-only")
		}
	}
}
