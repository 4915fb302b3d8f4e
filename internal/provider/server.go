package provider

import (
	"context"
	"os"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// ProtocolServer is the provider as a protocol 6 server, for tf6server.Serve and for tests.
//
// terraform-plugin-framework (proto6server.Server.registerContext, v1.19.0) derives a cancelable
// context from every RPC's context and keeps its CancelFunc in a slice that only StopProvider
// empties. Each kept CancelFunc holds the whole chain of the RPC's context: the gRPC stream and
// every logger terraform-plugin-go and the framework attached to it, about 15 KB per RPC. A
// refresh makes four RPCs per resource, so without help the provider's heap grows by some 60 KB
// per resource and command: 155 MB of peak RSS for a plan of 1,000 resources, about 35 MB with it
// (with Go's default GC settings; see TuneGC for the ones the provider runs with).
//
// So every per-resource RPC runs with a context that forwards to the RPC's context only while the
// RPC runs and forgets it when the RPC returns; what the framework keeps is then a few hundred
// bytes. Cancellation (end of the gRPC stream, deadlines) still propagates, and StopProvider
// still cancels the contexts of RPCs in flight. The once-per-process RPCs (schemas, provider
// configuration, stop) pass through unchanged.
//
// The optional interfaces the framework's server implements (list resources, actions, state
// stores) are forwarded as they are, so the wrapper changes nothing but the contexts.
func ProtocolServer(version string) func() tfprotov6.ProviderServer {
	return releasingProtocolServer(New(version))
}

// releasingProtocolServer is the framework's protocol 6 server of p, wrapped as ProtocolServer
// explains.
func releasingProtocolServer(p func() provider.Provider) func() tfprotov6.ProviderServer {
	prov := p()
	framework := providerserver.NewProtocol6(prov)
	return func() tfprotov6.ProviderServer {
		s := newReleasingServer(framework())
		if h, ok := prov.(interface{ diagnosticSecrets() []string }); ok {
			s.secrets = h.diagnosticSecrets
		}
		return s
	}
}

// Address is the provider's registry address, as go-plugin serves it.
const Address = "registry.terraform.io/aritma/aritma"

// logName is the provider's part of its log level variable, TF_LOG_PROVIDER_ARITMA; Serve pins it
// with tf6server.WithLogEnvVarName so the name does not hang on the registry address.
const logName = "aritma"

// Serve serves ProtocolServer to Terraform until it stops the provider. With debug, it runs in
// go-plugin's managed debug mode and keeps its logs, which go to the developer's terminal;
// otherwise logs nobody asked for are switched off (QuietUnreadLogs).
func Serve(version string, debug bool) error {
	return ServeFramework(Address, logName, New(version), debug)
}

// ServeFramework serves any terraform-plugin-framework provider the way Serve serves this one:
// RPC contexts released (ProtocolServer), unread logs off, the garbage collector tuned (TuneGC).
// logName is the provider's part of TF_LOG_PROVIDER_<NAME>. The benchmark's no-op provider is
// served by it too, so that comparing the two measures this provider's own work.
func ServeFramework(address, logName string, p func() provider.Provider, debug bool) error {
	opts := []tf6server.ServeOpt{tf6server.WithLogEnvVarName(logName)}
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		QuietUnreadLogs(os.Environ(), os.Setenv)
	}
	TuneGC(os.Getenv)
	return tf6server.Serve(address, releasingProtocolServer(p), opts...)
}

// Garbage collector settings of a provider process, unless GOGC or GOMEMLIMIT say otherwise.
const (
	gcPercent   = 400
	memoryLimit = 128 << 20
)

// TuneGC trades a little memory for a good share of the provider's CPU.
//
// A provider process lives for one CLI command and keeps little: a few MB of schemas, clients and
// caches. What it allocates is per-RPC garbage (protocol values, tftypes trees, JSON), and with
// Go's default GOGC=100 it collects every time that garbage reaches the size of the live heap, a
// few MB: at 5,000 resources the collector took a sixth of the provider's CPU, and the allocator's
// assists more. GOGC=400 lets the heap grow to five times what is live before a collection. The
// soft limit of 128 MiB stops a large live heap (10,000 subjects read by a data source) from
// growing five-fold; it is above the default's own target (twice what is live) for every live heap
// up to 64 MiB, so below that the collector never runs more often than with Go's defaults. An
// explicit GOGC or GOMEMLIMIT wins.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// QuietUnreadLogs switches the provider's and the SDK's log output off when nobody will read it.
//
// terraform-plugin-go's loggers default to TRACE and write a JSON line for every RPC and every
// API call to stderr; go-plugin ships each line to the CLI, which parses it and drops it unless
// TF_LOG or TF_LOG_PROVIDER is set. That costs a third of the provider's CPU and a good share of
// the CLI's. The CLI passes its environment on to the provider, so when no TF_LOG* variable is
// set here, no log level was asked for and nothing is lost.
//
// The provider's own logger takes its level from TF_LOG_PROVIDER_ARITMA (terraform-plugin-go reads
// no plain TF_LOG_PROVIDER in the provider process), its subsystems inherit it, and the SDK's
// loggers read TF_LOG_SDK*. Names are compared case-blind: Windows treats tf_log as TF_LOG.
func QuietUnreadLogs(environ []string, setenv func(key, value string) error) {
	for _, kv := range environ {
		if strings.HasPrefix(strings.ToUpper(kv), "TF_LOG") {
			return
		}
	}
	for _, k := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_" + strings.ToUpper(logName)} {
		_ = setenv(k, "OFF")
	}
}

// rpcContext forwards to its parent until released.
type rpcContext struct {
	mu     sync.RWMutex
	parent context.Context // nil once released
	done   <-chan struct{} // the parent's Done, kept so a released context stays consistent
}

func newRPCContext(parent context.Context) (*rpcContext, func()) {
	c := &rpcContext{parent: parent, done: parent.Done()}
	return c, c.release
}

func (c *rpcContext) get() context.Context {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.parent
}

func (c *rpcContext) release() {
	c.mu.Lock()
	c.parent = nil
	c.mu.Unlock()
}

func (c *rpcContext) Deadline() (time.Time, bool) {
	if p := c.get(); p != nil {
		return p.Deadline()
	}
	return time.Time{}, false
}

func (c *rpcContext) Done() <-chan struct{} { return c.done }

func (c *rpcContext) Err() error {
	if p := c.get(); p != nil {
		return p.Err()
	}
	// Released: consistent with Done, which the RPC's end closes a moment after the handler returns.
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

func (c *rpcContext) Value(key any) any {
	if p := c.get(); p != nil {
		return p.Value(key)
	}
	return nil
}

// released runs one RPC of next with a context released when it returns, and cancelled from the
// start once Terraform has asked the provider to stop (see stopLatch).
func released[Req, Resp any](ctx context.Context, s releasingServer, req Req, next func(context.Context, Req) (Resp, error)) (Resp, error) {
	if s.stop.stopped() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		cancel()
	}
	if s.secrets != nil {
		// The provider's logs mask its credentials in every call, not only in the one that
		// configured it: a resource's id may quote one set there by mistake (a policy's scope).
		ctx = maskSecrets(ctx, s.secrets()...)
	}
	c, release := newRPCContext(ctx)
	defer release()
	resp, err := next(c, req)
	s.redactDiagnostics(resp)
	return resp, err
}

// redactDiagnostics takes the provider's credentials out of the diagnostics of resp (a protocol
// response with a Diagnostics field). The provider's own words may quote a value the user gave
// that is one of them by mistake (a client id, a scope, a subject), which iam's redaction of
// the API's words does not cover.
func (s releasingServer) redactDiagnostics(resp any) {
	if s.secrets == nil {
		return
	}
	v := reflect.ValueOf(resp)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName("Diagnostics")
	if !f.IsValid() {
		return
	}
	diags, _ := f.Interface().([]*tfprotov6.Diagnostic)
	if len(diags) == 0 {
		return
	}
	secrets := s.secrets()
	for _, d := range diags {
		if d != nil && len(secrets) > 0 {
			d.Summary, d.Detail = iam.Redact(d.Summary, secrets...), iam.Redact(d.Detail, secrets...)
		}
	}
}

// stopLatch remembers that Terraform asked the provider to stop (an interrupted apply). The
// protocol server then cancels the RPCs in flight, and only those: an operation Terraform had
// started whose RPC arrives a moment later would run to its end, such as a create waiting out a
// Retry-After of a minute while the CLI waits for it. After a stop, every RPC starts cancelled:
// a create then fails at once, having sent nothing.
type stopLatch struct {
	once sync.Once
	ch   chan struct{}
}

func newStopLatch() *stopLatch { return &stopLatch{ch: make(chan struct{})} }

func (l *stopLatch) stop() { l.once.Do(func() { close(l.ch) }) }

func (l *stopLatch) stopped() bool {
	select {
	case <-l.ch:
		return true
	default:
		return false
	}
}

// releasingServer wraps the framework's server; the RPCs Terraform makes per resource, data
// source, function call or ephemeral resource get released contexts (and the validation of a
// resource's configuration loses the errors dropUnknownWriteOnly explains). The once-per-process RPCs
// (schema, provider configuration, stop) pass through: their contexts are few, and a provider may
// legitimately keep what ConfigureProvider's context carries.
type releasingServer struct {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
	stop *stopLatch
	// schema looks up a resource type's schema, for dropUnknownWriteOnly and unknownWriteOnly.
	schema func(typeName string) *tfprotov6.Schema
	// writeOnly records what the CLI's validations said of write-only support.
	writeOnly *writeOnlySupport
	// secrets are the provider's credentials, redacted from every diagnostic (nil: none).
	secrets func() []string
}

// writeOnlySupport records whether the CLI validated configurations with write-only support or
// without: the CLI validates each resource again right before it plans it, in the same provider
// process. Once a validation came with it, the CLI supports write-only arguments, whatever another
// of its validations left out.
type writeOnlySupport struct{ with, without atomic.Bool }

func (w *writeOnlySupport) note(c *tfprotov6.ValidateResourceConfigClientCapabilities) {
	if c != nil && c.WriteOnlyAttributesAllowed {
		w.with.Store(true)
	} else {
		w.without.Store(true)
	}
}

// lacking reports a CLI without write-only support.
func (w *writeOnlySupport) lacking() bool { return w.without.Load() && !w.with.Load() }

// newReleasingServer wraps s, forwarding the optional interfaces it implements. (The framework's
// server implements them all; TestProtocolServer_forwardsOptionalInterfaces checks it.)
func newReleasingServer(s tfprotov6.ProviderServer) releasingServer {
	r := releasingServer{ProviderServer: s, stop: newStopLatch(), schema: resourceSchemas(s), writeOnly: &writeOnlySupport{}}
	r.ListResourceServer, _ = s.(tfprotov6.ListResourceServer)
	r.ActionServer, _ = s.(tfprotov6.ActionServer)
	r.StateStoreServer, _ = s.(tfprotov6.StateStoreServer)
	return r
}

// StopProvider latches the stop for the RPCs still to come (see stopLatch); the protocol server
// has already cancelled those in flight.
func (s releasingServer) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	s.stop.stop()
	return s.ProviderServer.StopProvider(ctx, req)
}

func (s releasingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	s.writeOnly.note(req.ClientCapabilities)
	resp, err := released(ctx, s, req, s.ProviderServer.ValidateResourceConfig)
	if err == nil {
		dropUnknownWriteOnly(req, resp, s.schema)
	}
	return resp, err
}

func (s releasingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return released(ctx, s, req, s.ProviderServer.UpgradeResourceState)
}

func (s releasingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return released(ctx, s, req, s.ProviderServer.ReadResource)
}

func (s releasingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	if s.writeOnly.lacking() {
		if d := unknownWriteOnly(req.TypeName, req.Config, s.schema); d != nil {
			return &tfprotov6.PlanResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{d}}, nil
		}
	}
	return released(ctx, s, req, s.ProviderServer.PlanResourceChange)
}

func (s releasingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return released(ctx, s, req, s.ProviderServer.ApplyResourceChange)
}

func (s releasingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return released(ctx, s, req, s.ProviderServer.ImportResourceState)
}

// GenerateResourceConfig runs once per imported resource under plan -generate-config-out.
func (s releasingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return released(ctx, s, req, s.ProviderServer.GenerateResourceConfig)
}

func (s releasingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return released(ctx, s, req, s.ProviderServer.MoveResourceState)
}

func (s releasingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return released(ctx, s, req, s.ProviderServer.UpgradeResourceIdentity)
}

func (s releasingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return released(ctx, s, req, s.ProviderServer.ValidateDataResourceConfig)
}

func (s releasingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return released(ctx, s, req, s.ProviderServer.ReadDataSource)
}

func (s releasingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return released(ctx, s, req, s.ProviderServer.CallFunction)
}

func (s releasingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return released(ctx, s, req, s.ProviderServer.ValidateEphemeralResourceConfig)
}

func (s releasingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return released(ctx, s, req, s.ProviderServer.OpenEphemeralResource)
}

func (s releasingServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return released(ctx, s, req, s.ProviderServer.RenewEphemeralResource)
}

func (s releasingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return released(ctx, s, req, s.ProviderServer.CloseEphemeralResource)
}
