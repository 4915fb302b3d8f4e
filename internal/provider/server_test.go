package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestQuietUnreadLogs(t *testing.T) {
	quiet := []string{"TF_LOG_PROVIDER_ARITMA=OFF", "TF_LOG_SDK=OFF", "TF_LOG_SDK_FRAMEWORK=OFF", "TF_LOG_SDK_PROTO=OFF"}
	for _, tc := range []struct {
		name    string
		environ []string
		want    []string
	}{
		{"nobody asked", []string{"HOME=/home/u", "TF_IN_AUTOMATION=1", "ARITMA_ENDPOINT=http://127.0.0.1:8089"}, quiet},
		{"empty environment", nil, quiet},
		{"TF_LOG", []string{"TF_LOG=debug"}, nil},
		{"TF_LOG_PROVIDER", []string{"TF_LOG_PROVIDER=trace"}, nil},
		{"TF_LOG_PATH alone", []string{"TF_LOG_PATH=/tmp/tf.log"}, nil},
		{"TF_LOG_SDK_FRAMEWORK", []string{"TF_LOG_SDK_FRAMEWORK=trace"}, nil},
		{"lower case, as Windows allows", []string{"tf_log=trace"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			QuietUnreadLogs(tc.environ, func(k, v string) error { got = append(got, k+"="+v); return nil })
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("set %q, want %q", got, tc.want)
			}
		})
	}
}

// rpcPayload stands for what a real RPC's context carries: terraform-plugin-go and the framework
// attach some 15 KB of loggers to it; 2 KB keeps the benchmark's memory small.
type rpcPayload [2048]byte

// callFunction makes one CallFunction RPC the way gRPC does: with a context that carries values
// (loggers, in real life) and is cancelled when the RPC returns.
func callFunction(t testing.TB, s tfprotov6.ProviderServer, payload *rpcPayload) {
	type payloadKey struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, payload))
	defer cancel()
	arg, err := tfprotov6.NewDynamicValue(tftypes.String, tftypes.NewValue(tftypes.String, "0oa1b2c3"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.CallFunction(ctx, &tfprotov6.CallFunctionRequest{Name: "client_subject_id", Arguments: []*tfprotov6.DynamicValue{&arg}})
	if err != nil || resp.Error != nil {
		t.Fatalf("CallFunction: %v %v", err, resp.Error)
	}
	got, err := resp.Result.Unmarshal(tftypes.String)
	if err != nil {
		t.Fatal(err)
	}
	var s2 string
	if err := got.As(&s2); err != nil || s2 != "client-0oa1b2c3" {
		t.Fatalf("result %q, %v", s2, err)
	}
}

// retainsRPCContext reports whether the server still references an RPC's context once the RPC is
// over.
func retainsRPCContext(t *testing.T, s tfprotov6.ProviderServer) bool {
	t.Helper()
	payload := new(rpcPayload)
	w := weak.Make(payload)
	callFunction(t, s, payload)
	payload = nil //nolint:ineffassign,wastedassign // dropping the last strong reference is the point
	for range 5 {
		runtime.GC()
		if w.Value() == nil {
			runtime.KeepAlive(s)
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(s) // the server must outlive the check, or it is collected with what it keeps
	return true
}

func TestProtocolServer_releasesRPCContexts(t *testing.T) {
	// The canary: the framework alone keeps every RPC's context until StopProvider. When an
	// upgrade fixes that, this fails, and releasingServer can go.
	framework := providerserver.NewProtocol6(New("test")())()
	if !retainsRPCContext(t, framework) {
		t.Fatal("terraform-plugin-framework no longer keeps RPC contexts: releasingServer is not needed any more")
	}
	if retainsRPCContext(t, ProtocolServer("test")()) {
		t.Fatal("ProtocolServer kept the context of a finished RPC")
	}
}

// The wrapper must not hide an RPC the framework serves: tf6server finds list resources, actions
// and state stores through optional interfaces.
func TestProtocolServer_forwardsOptionalInterfaces(t *testing.T) {
	framework := providerserver.NewProtocol6(New("test")())()
	wrapped := ProtocolServer("test")()
	for name, implements := range map[string]func(tfprotov6.ProviderServer) bool{
		"ListResourceServer": func(s tfprotov6.ProviderServer) bool {
			_, ok := s.(tfprotov6.ListResourceServer)
			return ok
		},
		"ActionServer": func(s tfprotov6.ProviderServer) bool {
			_, ok := s.(tfprotov6.ActionServer)
			return ok
		},
		"StateStoreServer": func(s tfprotov6.ProviderServer) bool {
			_, ok := s.(tfprotov6.StateStoreServer)
			return ok
		},
	} {
		if implements(framework) && !implements(wrapped) {
			t.Errorf("the framework's server is a %s and ProtocolServer's is not", name)
		}
	}
	r := wrapped.(releasingServer)
	if r.ListResourceServer == nil || r.ActionServer == nil || r.StateStoreServer == nil {
		t.Errorf("an optional interface is forwarded to nil: %+v", r)
	}
}

func TestRPCContext_forwardsWhileTheRPCRuns(t *testing.T) {
	type key struct{}
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), key{}, "v"), deadline)
	defer cancel()
	c, release := newRPCContext(parent)

	if c.Value(key{}) != "v" {
		t.Error("Value not forwarded")
	}
	if d, ok := c.Deadline(); !ok || !d.Equal(deadline) {
		t.Errorf("Deadline() = %v, %v", d, ok)
	}
	child, stop := context.WithCancel(c) // what the framework does with it
	defer stop()
	cancel()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the RPC's context did not reach the framework's context")
	}
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("Err() = %v", c.Err())
	}

	live, _ := newRPCContext(context.Background())
	if err := live.Err(); err != nil {
		t.Errorf("Err() of a live context = %v", err)
	}

	release()
	if c.Value(key{}) != nil {
		t.Error("a released context still forwards values")
	}
	if _, ok := c.Deadline(); ok {
		t.Error("a released context still has a deadline")
	}
	if !errors.Is(c.Err(), context.Canceled) {
		t.Errorf("released Err() = %v, want context.Canceled", c.Err())
	}
}

// BenchmarkProtocolServer_retainedPerRPC shows the memory a server keeps per finished RPC (the
// retained-B/rpc metric): what grows a provider's RSS with the number of resources.
func BenchmarkProtocolServer_retainedPerRPC(b *testing.B) {
	for _, bc := range []struct {
		name   string
		server func() tfprotov6.ProviderServer
	}{
		{"framework", providerserver.NewProtocol6(New("bench")())},
		{"ProtocolServer", ProtocolServer("bench")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.server()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for b.Loop() {
				callFunction(b, s, new(rpcPayload))
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "retained-B/rpc")
			runtime.KeepAlive(s)
		})
	}
}

func TestTuneGC(t *testing.T) {
	restore := func() { debug.SetGCPercent(100); debug.SetMemoryLimit(math.MaxInt64) }
	restore()
	t.Cleanup(restore)

	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: GC percent %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Errorf("GOMEMLIMIT unset: memory limit %d, want %d", got, memoryLimit)
	}

	restore()
	TuneGC(func(k string) string { return map[string]string{"GOGC": "50", "GOMEMLIMIT": "1GiB"}[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: GC percent changed to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT set: memory limit changed to %d", got)
	}
}

// ctxRecorder is a protocol server that records whether each ApplyResourceChange started with its
// context already cancelled.
type ctxRecorder struct {
	tfprotov6.ProviderServer
	cancelled []bool
}

func (r *ctxRecorder) ApplyResourceChange(ctx context.Context, _ *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	r.cancelled = append(r.cancelled, ctx.Err() != nil)
	return &tfprotov6.ApplyResourceChangeResponse{}, nil
}

func (r *ctxRecorder) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

// After Terraform asks the provider to stop, an RPC that arrives late (an operation Terraform had
// already started) starts cancelled: the protocol server cancels only the RPCs in flight, and a
// create would otherwise wait out a long Retry-After while the interrupted CLI waits for it.
func TestProtocolServer_rpcsAfterStopStartCancelled(t *testing.T) {
	rec := &ctxRecorder{}
	s := newReleasingServer(rec)
	ctx := context.Background()
	if _, err := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StopProvider(ctx, &tfprotov6.StopProviderRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{}); err != nil {
		t.Fatal(err)
	}
	if len(rec.cancelled) != 2 || rec.cancelled[0] || !rec.cancelled[1] {
		t.Fatalf("cancelled at the start of each RPC = %v, want [false true]", rec.cancelled)
	}
}

// The provider's credentials, set by mistake where its own words quote a value (a data source's
// client id, a policy's scope), are redacted from every diagnostic, whatever the RPC; a response
// without diagnostics passes as it is.
func TestAccProtocolServer_redactsCredentialsFromDiagnostics(t *testing.T) {
	testAccPreCheck(t)
	t.Parallel()
	e := newTestEnv(t)
	secret := e.Mock.AdminClientSecret()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: e.ProviderConfig() + fmt.Sprintf(`
data "aritma_iam_client" "mixed_up" {
  client_id = %q
}
`, secret),
			ExpectError: regexp.MustCompile(`(?s)No IAM client has the client id "\[redacted\]"`),
		}},
	})

	s := releasingServer{secrets: func() []string { return []string{"S3cret-xyz"} }}
	resp := &tfprotov6.ReadDataSourceResponse{Diagnostics: []*tfprotov6.Diagnostic{{Summary: "x S3cret-xyz", Detail: "id \"S3cret-xyz\""}}}
	s.redactDiagnostics(resp)
	if d := resp.Diagnostics[0]; strings.Contains(d.Summary+d.Detail, "S3cret") {
		t.Errorf("diagnostic not redacted: %+v", d)
	}
	s.redactDiagnostics(&tfprotov6.CallFunctionResponse{})
	s.redactDiagnostics((*tfprotov6.ReadResourceResponse)(nil))
}
