package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	aritma "github.com/aritma/terraform-provider-aritma/internal/provider"
)

// serveProtocol serves noop_data as protocolServer. It is what a provider costs when it does the
// least the protocol asks of it: decode the values it is sent and encode the ones it answers.
// Whatever a framework provider costs beyond this run is the framework's; whatever this run costs
// beyond terraform_data is the plugin protocol's, on both sides of it, and no provider avoids it.
func serveProtocol() error {
	aritma.QuietUnreadLogs(os.Environ(), os.Setenv)
	aritma.TuneGC(os.Getenv)
	return tf6server.Serve("registry.terraform.io/aritma/noop",
		func() tfprotov6.ProviderServer { return protocolServer{} }, tf6server.WithLogEnvVarName("noop"))
}

var (
	noopType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id": tftypes.String, "input": tftypes.DynamicPseudoType, "output": tftypes.DynamicPseudoType,
	}}
	noopSchema = &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{Attributes: []*tfprotov6.SchemaAttribute{
		{Name: "id", Type: tftypes.String, Computed: true},
		{Name: "input", Type: tftypes.DynamicPseudoType, Optional: true},
		{Name: "output", Type: tftypes.DynamicPseudoType, Computed: true},
	}}}
	// The capabilities terraform-plugin-framework announces, so the CLI makes the same RPCs of
	// both no-op providers and the difference between them is the framework's work alone.
	noopCapabilities = &tfprotov6.ServerCapabilities{GetProviderSchemaOptional: true, PlanDestroy: true, MoveResourceState: true}
)

const noopTypeName = "noop_data"

// protocolServer is noop_data with terraform_data's contract (input stored, output mirrors it,
// id random), written against the protocol. Every RPC the CLI does not send for a managed
// resource answers empty.
type protocolServer struct{}

// noopValue is the decoded noop_data object; decode and encode go through it so that every RPC
// pays for a real decode and encode, as any provider's does.
type noopValue struct {
	null              bool
	id, input, output tftypes.Value
}

func decodeNoop(dv *tfprotov6.DynamicValue) (noopValue, error) {
	if dv == nil {
		return noopValue{null: true}, nil
	}
	v, err := dv.Unmarshal(noopType)
	if err != nil {
		return noopValue{}, err
	}
	return noopFromValue(v)
}

func noopFromValue(v tftypes.Value) (noopValue, error) {
	if v.IsNull() {
		return noopValue{null: true}, nil
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return noopValue{}, err
	}
	return noopValue{id: attrs["id"], input: attrs["input"], output: attrs["output"]}, nil
}

func (n noopValue) encode() (*tfprotov6.DynamicValue, error) {
	if n.null {
		dv, err := tfprotov6.NewDynamicValue(noopType, tftypes.NewValue(noopType, nil))
		return &dv, err
	}
	dv, err := tfprotov6.NewDynamicValue(noopType, tftypes.NewValue(noopType, map[string]tftypes.Value{
		"id": n.id, "input": n.input, "output": n.output,
	}))
	return &dv, err
}

// errorDiagnostics turns an encoding error into the diagnostics a response carries.
func errorDiagnostics(err error) []*tfprotov6.Diagnostic {
	if err == nil {
		return nil
	}
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: "noop_data", Detail: err.Error()}}
}

func (protocolServer) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return &tfprotov6.GetMetadataResponse{
		ServerCapabilities: noopCapabilities,
		Resources:          []tfprotov6.ResourceMetadata{{TypeName: noopTypeName}},
	}, nil
}

func (protocolServer) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities: noopCapabilities,
		Provider:           &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}},
		ResourceSchemas:    map[string]*tfprotov6.Schema{noopTypeName: noopSchema},
	}, nil
}

func (protocolServer) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{}, nil
}

func (protocolServer) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (protocolServer) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (protocolServer) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// ValidateResourceConfig decodes the configuration, as a provider must to check anything in it.
func (protocolServer) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	_, err := decodeNoop(req.Config)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: errorDiagnostics(err)}, nil
}

// UpgradeResourceState turns the state's JSON into the protocol's msgpack: every provider does.
func (protocolServer) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	if req.RawState == nil {
		return resp, nil
	}
	v, err := req.RawState.UnmarshalWithOpts(noopType, tfprotov6.UnmarshalOpts{})
	if err == nil {
		var n noopValue
		if n, err = noopFromValue(v); err == nil {
			resp.UpgradedState, err = n.encode()
		}
	}
	resp.Diagnostics = errorDiagnostics(err)
	return resp, nil
}

// ReadResource decodes and re-encodes the state, as noop_data's Read does.
func (protocolServer) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp := &tfprotov6.ReadResourceResponse{Private: req.Private}
	n, err := decodeNoop(req.CurrentState)
	if err == nil {
		resp.NewState, err = n.encode()
	}
	resp.Diagnostics = errorDiagnostics(err)
	return resp, nil
}

// PlanResourceChange plans terraform_data's way: a new object's id is unknown, output is input.
func (protocolServer) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	resp := &tfprotov6.PlanResourceChangeResponse{PlannedPrivate: req.PriorPrivate}
	n, err := decodeNoop(req.ProposedNewState)
	if err == nil {
		if !n.null {
			if n.id.IsNull() {
				n.id = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
			}
			n.output = n.input
		}
		resp.PlannedState, err = n.encode()
	}
	resp.Diagnostics = errorDiagnostics(err)
	return resp, nil
}

// ApplyResourceChange gives a new object its random id; a destroy answers a null state.
func (protocolServer) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp := &tfprotov6.ApplyResourceChangeResponse{Private: req.PlannedPrivate}
	n, err := decodeNoop(req.PlannedState)
	if err == nil {
		if !n.null && !n.id.IsKnown() {
			id := make([]byte, 16)
			_, _ = rand.Read(id)
			n.id = tftypes.NewValue(tftypes.String, hex.EncodeToString(id))
		}
		resp.NewState, err = n.encode()
	}
	resp.Diagnostics = errorDiagnostics(err)
	return resp, nil
}

func (protocolServer) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{}, nil
}

func (protocolServer) MoveResourceState(context.Context, *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{}, nil
}

func (protocolServer) UpgradeResourceIdentity(context.Context, *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{}, nil
}

func (protocolServer) GenerateResourceConfig(context.Context, *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{}, nil
}

func (protocolServer) ValidateDataResourceConfig(context.Context, *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return &tfprotov6.ValidateDataResourceConfigResponse{}, nil
}

func (protocolServer) ReadDataSource(context.Context, *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return &tfprotov6.ReadDataSourceResponse{}, nil
}

func (protocolServer) CallFunction(context.Context, *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{}, nil
}

func (protocolServer) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{}, nil
}

func (protocolServer) ValidateEphemeralResourceConfig(context.Context, *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{}, nil
}

func (protocolServer) OpenEphemeralResource(context.Context, *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{}, nil
}

func (protocolServer) RenewEphemeralResource(context.Context, *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{}, nil
}

func (protocolServer) CloseEphemeralResource(context.Context, *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{}, nil
}
