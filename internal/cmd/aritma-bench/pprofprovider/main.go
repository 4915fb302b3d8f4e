// Command pprofprovider is the provider built with profiling, for `aritma-bench -pprof DIR`.
//
// It serves exactly what main.go serves. When ARITMA_BENCH_PPROF_DIR is set, every process
// writes a CPU profile of its whole life to cpu-<pid>.pprof and a heap profile at exit to
// heap-<pid>.pprof in that directory (Terraform stops a provider through go-plugin's graceful
// shutdown, after which Serve returns), and heap-peak-<pid>.pprof whenever the heap in use reaches
// a new high, so the profile shows what the peak RSS is made of.
//
// Two experiments behind recommended fixes can be switched on through the environment (pass them
// with aritma-bench -env): ARITMA_BENCH_RELEASE_CONTEXTS=1 (see release.go) and
// ARITMA_BENCH_QUIET_LOGS=1 (see quietLogsUnlessAsked).
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/aritma/terraform-provider-aritma/internal/provider"
)

var version = "bench"

func main() {
	stop := startProfiles(os.Getenv("ARITMA_BENCH_PPROF_DIR"))
	if os.Getenv("ARITMA_BENCH_QUIET_LOGS") == "1" {
		quietLogsUnlessAsked()
	}
	server := providerserver.NewProtocol6(provider.New(version)())
	if os.Getenv("ARITMA_BENCH_RELEASE_CONTEXTS") == "1" {
		inner := server
		server = func() tfprotov6.ProviderServer { return releasingServer{inner()} }
	}
	err := tf6server.Serve("registry.terraform.io/aritma/aritma", server)
	stop()
	if err != nil {
		log.Fatal(err.Error())
	}
}

func startProfiles(dir string) func() {
	if dir == "" {
		return func() {}
	}
	pid := os.Getpid()
	cpu, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", pid)))
	if err != nil {
		log.Printf("pprof: %v", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		log.Printf("pprof: %v", err)
		_ = cpu.Close()
		return func() {}
	}
	done := make(chan struct{})
	go watchPeak(dir, pid, done)
	return func() {
		close(done)
		pprof.StopCPUProfile()
		_ = cpu.Close()
		heap, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", pid)))
		if err != nil {
			return
		}
		defer heap.Close()
		runtime.GC()
		_ = pprof.Lookup("allocs").WriteTo(heap, 0)
	}
}

// watchPeak writes a heap profile each time the heap in use grows by a tenth over its last high.
func watchPeak(dir string, pid int, done <-chan struct{}) {
	var high uint64
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse <= high+high/10 {
			continue
		}
		high = ms.HeapInuse
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-peak-%d.pprof", pid)))
		if err != nil {
			return
		}
		_ = pprof.Lookup("heap").WriteTo(f, 0)
		_ = f.Close()
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(live)
		note := fmt.Sprintf("%s heap in use %d MiB, live after last GC %d MiB, GCs %d, sys %d MiB, goroutines %d\n",
			time.Now().Format(time.TimeOnly), ms.HeapInuse>>20, live[0].Value.Uint64()>>20, ms.NumGC, ms.Sys>>20, runtime.NumGoroutine())
		_ = appendFile(filepath.Join(dir, fmt.Sprintf("peak-%d.txt", pid)), note)
	}
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	return errors.Join(err, f.Close())
}

// quietLogsUnlessAsked turns the SDK and provider loggers off when nobody asked for logs.
// terraform-plugin-go's loggers default to TRACE and write JSON for every RPC to stderr, which
// go-plugin ships to the CLI, which parses each line and drops it unless TF_LOG or
// TF_LOG_PROVIDER is set. The CLI passes its environment on to the provider, so when none of
// the TF_LOG* variables is set here, nobody will read these logs.
func quietLogsUnlessAsked() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") {
			return
		}
	}
	for _, k := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		_ = os.Setenv(k, "OFF")
	}
}
