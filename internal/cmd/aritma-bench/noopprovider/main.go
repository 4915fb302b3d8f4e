// Command noopprovider is a Terraform provider that does nothing, for `aritma-bench`'s second
// floor: `noop_data` is terraform_data served over the plugin protocol by
// terraform-plugin-framework, like the aritma provider but with no API behind it.
//
// terraform_data lives inside the CLI, so the first floor has no provider process, no gRPC and no
// msgpack. What a CLI spends on those for every resource, and what the framework spends, is the
// same for any framework provider; comparing the aritma workload with this one leaves what the
// aritma provider itself costs. It is served exactly as the aritma provider is
// (provider.ServeFramework: RPC contexts released, unread logs off, the same GC settings), so the
// comparison is like for like.
//
// With ARITMA_BENCH_NOOP_PROTOCOL set it serves the same noop_data without the framework, straight
// through terraform-plugin-go (protocol.go): the third floor, what the plugin protocol itself costs.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/cmd/aritma-bench/benchenv"
	aritma "github.com/aritma/terraform-provider-aritma/internal/provider"
)

func main() {
	if os.Getenv(benchenv.NoopProtocol) != "" {
		if err := serveProtocol(); err != nil {
			log.Fatal(err.Error())
		}
		return
	}
	if err := aritma.ServeFramework("registry.terraform.io/aritma/noop", "noop",
		func() provider.Provider { return noopProvider{} }, false); err != nil {
		log.Fatal(err.Error())
	}
}

type noopProvider struct{}

func (noopProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "noop"
}

func (noopProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (noopProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (noopProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return noopData{} }}
}

func (noopProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// noopData is terraform_data's contract: input is stored, output mirrors it, id is random.
type noopData struct{}

type noopModel struct {
	ID     types.String  `tfsdk:"id"`
	Input  types.Dynamic `tfsdk:"input"`
	Output types.Dynamic `tfsdk:"output"`
}

func (noopData) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_data"
}

func (noopData) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{Attributes: map[string]schema.Attribute{
		"id":     schema.StringAttribute{Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
		"input":  schema.DynamicAttribute{Optional: true},
		"output": schema.DynamicAttribute{Computed: true},
	}}
}

func (noopData) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var m noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	m.ID, m.Output = types.StringValue(hex.EncodeToString(id)), m.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// Read decodes and re-encodes the state, as every provider's Read does, so the baseline pays for
// that too; only the API call is missing.
func (noopData) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m noopModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (noopData) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var m noopModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &m)...)
	m.Output = m.Input
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

func (noopData) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
