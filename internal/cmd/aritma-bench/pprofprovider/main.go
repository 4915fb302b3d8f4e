// Command pprofprovider is the provider built with profiling, for `aritma-bench -pprof DIR`.
//
// It serves exactly what main.go serves. When ARITMA_BENCH_PPROF_DIR is set, every process
// writes a CPU profile of its whole life to cpu-<pid>.pprof and a heap profile at exit to
// heap-<pid>.pprof in that directory (Terraform stops a provider through go-plugin's graceful
// shutdown, after which Serve returns), and heap-peak-<pid>.pprof whenever the heap in use reaches
// a new high, so the profile shows what the peak RSS is made of.
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
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/cmd/aritma-bench/benchenv"
	"github.com/aritma/terraform-provider-aritma/internal/provider"
)

var version = "bench"

func main() {
	stop := startProfiles(os.Getenv(benchenv.PprofDir))
	err := provider.Serve(version, false)
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
