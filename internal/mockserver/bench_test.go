package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// benchEnv is a mock over real HTTP with an admin token, for benchmarks.
type benchEnv struct {
	ts     *TestServer
	token  string
	client *http.Client
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	ts := NewTestServer(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	be := &benchEnv{ts: ts, client: &http.Client{Transport: tr}}
	res := be.do(b, "POST", "/connect/token", "grant_type=client_credentials&client_id="+ts.AdminClientID()+"&client_secret="+ts.AdminClientSecret(), 200)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(res, &tok); err != nil {
		b.Fatal(err)
	}
	be.token = tok.AccessToken
	return be
}

func (be *benchEnv) do(b *testing.B, method, path string, body any, want int) []byte {
	var rd io.Reader
	ct := "application/json"
	switch v := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(v)
		ct = "application/x-www-form-urlencoded"
	default:
		data, _ := json.Marshal(v)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, be.ts.URL+path, rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	if be.token != "" {
		req.Header.Set("Authorization", "Bearer "+be.token)
	}
	resp, err := be.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return data
}

// hit is do for the measured loop: it drains the body without keeping it,
// so the numbers are about the server rather than the client's buffers.
func (be *benchEnv) hit(b *testing.B, method, path string, body []byte, want int) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, be.ts.URL+path, rd)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+be.token)
	resp, err := be.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
}

// runParallel runs op from several goroutines and reports requests per
// second (wall clock) and per CPU second of this process (client and server
// together), which does not depend on what else the machine is running.
func runParallel(b *testing.B, op func()) {
	b.SetParallelism(4)
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			op()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "req/cpu-s")
	}
}

func BenchmarkGetClient(b *testing.B) {
	be := newBenchEnv(b)
	for i := range 100 {
		be.do(b, "POST", "/v1/clients", clientBodyOK(fmt.Sprintf("bench-%03d", i)), 201)
	}
	var id struct {
		ClientID string `json:"clientId"`
	}
	_ = json.Unmarshal(be.do(b, "POST", "/v1/clients", clientBodyOK("target"), 201), &id)
	runParallel(b, func() { be.hit(b, "GET", "/v1/clients/"+id.ClientID, nil, 200) })
}

func BenchmarkCreateClient(b *testing.B) {
	be := newBenchEnv(b)
	body, _ := json.Marshal(clientBodyOK("bench"))
	runParallel(b, func() { be.hit(b, "POST", "/v1/clients", body, 201) })
}

func BenchmarkListSubjects(b *testing.B) {
	be := newBenchEnv(b)
	for i := range 200 {
		be.do(b, "POST", "/v1/clients", clientBodyOK(fmt.Sprintf("bench-%03d", i)), 201)
	}
	runParallel(b, func() { be.hit(b, "GET", "/v1/subjects?pageSize=50&page=2", nil, 200) })
}
