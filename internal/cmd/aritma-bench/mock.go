//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
	"github.com/aritma/terraform-provider-aritma/internal/rusage"
)

// mockProc is the mock server binary running as a child of the harness.
type mockProc struct {
	cmd          *exec.Cmd
	url          string
	clientID     string
	clientSecret string
	http         *http.Client
	done         chan struct{}
}

var mockURLPattern = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// startMock runs bin/aritma-mock on a free port with control endpoints and generated admin
// credentials, and waits until it prints its URL.
func startMock(ctx context.Context, bin, logPath string) (*mockProc, error) {
	m := &mockProc{clientID: "bench-admin", clientSecret: randomString(32), http: &http.Client{Timeout: 30 * time.Second}, done: make(chan struct{})}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	m.cmd = mockCommand(ctx, bin, m.clientID, m.clientSecret)
	m.cmd.Stderr = logFile
	stdout, err := m.cmd.StdoutPipe()
	if err != nil {
		_ = logFile.Close()
		return nil, err
	}
	if err := m.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the mock %s: %w (run `make build` first)", bin, err)
	}
	urlc := make(chan string, 1)
	go func() {
		defer close(m.done)
		defer logFile.Close()
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if !sent {
				if u := mockURLPattern.FindString(line); u != "" {
					urlc <- u
					sent = true
				}
			}
		}
		_, _ = io.Copy(logFile, stdout)
		_ = m.cmd.Wait()
	}()
	select {
	case m.url = <-urlc:
	case <-m.done:
		return nil, fmt.Errorf("the mock exited before serving; see %s", logPath)
	case <-time.After(20 * time.Second):
		m.stop()
		return nil, fmt.Errorf("the mock printed no URL within 20s; see %s", logPath)
	}
	return m, nil
}

// mockCommand is the mock's process, with the admin credentials given.
func mockCommand(ctx context.Context, bin, clientID, clientSecret string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, "-listen", "127.0.0.1:0", "-control")
	cmd.Env = append(os.Environ(),
		"ARITMA_MOCK_ADMIN_CLIENT_ID="+clientID,
		"ARITMA_MOCK_ADMIN_CLIENT_SECRET="+clientSecret,
	)
	// A harness that is killed runs no deferred stop: the mock must not outlive it, holding its
	// port and CPU under the next run.
	cmd.SysProcAttr = rusage.DieWithParent()
	return cmd
}

// stop ends the mock with SIGTERM (it flushes and exits) and waits for it.
func (m *mockProc) stop() {
	if m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
	}
}

func (m *mockProc) control(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.url+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (m *mockProc) reset(ctx context.Context) error {
	return m.control(ctx, http.MethodPost, "/_mock/reset", nil, nil)
}

func (m *mockProc) resetStats(ctx context.Context) error {
	return m.control(ctx, http.MethodDelete, "/_mock/stats", nil, nil)
}

func (m *mockProc) stats(ctx context.Context) (mockserver.Stats, error) {
	var s mockserver.Stats
	err := m.control(ctx, http.MethodGet, "/_mock/stats", nil, &s)
	return s, err
}

// setLatency sets a fixed latency on every /v1 and token request; 0 removes every fault.
func (m *mockProc) setLatency(ctx context.Context, ms int) error {
	return m.control(ctx, http.MethodPut, "/_mock/faults", map[string]any{"latencyMs": ms}, nil)
}

// cpuSeconds reads the mock's user+system CPU time so far from /proc.
func (m *mockProc) cpuSeconds() float64 {
	if m.cmd.Process == nil {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after the closing parenthesis
	// start at field 3, so utime (14) and stime (15) are at indexes 11 and 12.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0
	}
	const clockTicks = 100 // USER_HZ, 100 on every Linux architecture Go supports
	return (ut + st) / clockTicks
}

func randomString(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	for i := range buf {
		buf[i] = alphabet[int(buf[i])%len(alphabet)]
	}
	return string(buf)
}

// subjectCount is the number of subjects the mock holds, as its own envelope's total says (one
// page of one subject, so no paging code of ours is involved).
func (m *mockProc) subjectCount(ctx context.Context) (int, error) {
	tok, err := iam.ExchangeToken(ctx, iam.TokenRequest{
		TokenURL: m.url + "/connect/token", ClientID: m.clientID, ClientSecret: m.clientSecret, Scopes: []string{"services.iam"},
	})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/v1/subjects?page=1&pageSize=1", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var page struct {
		Total *int `json:"total"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /v1/subjects: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return 0, fmt.Errorf("GET /v1/subjects: %w", err)
	}
	if page.Total == nil {
		return 0, errors.New("GET /v1/subjects: the page has no total")
	}
	return *page.Total, nil
}
