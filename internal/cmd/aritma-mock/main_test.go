package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

func TestRunRejectsBadStartup(t *testing.T) {
	corrupt := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(corrupt, []byte("{oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "not defined"},
		{"stray argument before flags", []string{"-listen", "127.0.0.1:0", "state.json", "-control"},
			`unexpected argument "state.json": every setting is a flag (a data file is -data FILE)`},
		{"admin client id with a space", []string{"-listen", "127.0.0.1:0", "-admin-client-id", "ci admin", "-admin-client-secret", "abcdefgh1"},
			`the admin client id must not be "." or ".." nor contain '/', whitespace or control characters, got "ci admin"`},
		{"admin client id with a slash", []string{"-listen", "127.0.0.1:0", "-admin-client-id", "ci/admin", "-admin-client-secret", "abcdefgh1"},
			`got "ci/admin"`},
		{"admin client id ..", []string{"-listen", "127.0.0.1:0", "-admin-client-id", "..", "-admin-client-secret", "abcdefgh1"},
			`got ".."`},
		{"tls half configured", []string{"-tls-cert", "cert.pem"}, "must be given together"},
		{"token lifetime under a second", []string{"-token-lifetime", "500ms"}, "-token-lifetime must be a whole number of seconds, at least 1s, got 500ms"},
		{"token lifetime not whole seconds", []string{"-token-lifetime", "1.5s"}, "got 1.5s"},
		{"corrupt data file", []string{"-data", corrupt, "-listen", "127.0.0.1:0"}, "corrupt"},
		{"bad listen address", []string{"-listen", "256.0.0.1:99999"}, "listen"},
		{"missing certificate", []string{"-listen", "127.0.0.1:0", "-tls-cert", "nope.crt", "-tls-key", "nope.key"},
			"-tls-cert nope.crt / -tls-key nope.key: open nope.crt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%v) = %v, want error containing %q", tt.args, err, tt.want)
			}
			// Scripts wait for the banner: a mock that will not serve must not print it.
			if strings.Contains(out.String(), "serving") {
				t.Errorf("run(%v) printed the banner before failing: %q", tt.args, out.String())
			}
		})
	}
}

// A mock whose port is taken fails before it touches the data file, which another mock (the one
// on that port) may be using.
func TestRunPortInUseLeavesDataFileAlone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	data := filepath.Join(t.TempDir(), "state.json")
	if err := run([]string{"-listen", ln.Addr().String(), "-data", data}, io.Discard, io.Discard); err == nil {
		t.Fatal("started on a port in use")
	}
	if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the data file was written (%v) by a mock that could not serve", err)
	}
}

func TestShownAddr(t *testing.T) {
	for _, tt := range []struct{ listen, got, want string }{
		{"localhost:8089", "127.0.0.1:8089", "localhost:8089"},
		{":8089", "[::]:8089", "127.0.0.1:8089"},
		{"0.0.0.0:8089", "[::]:8089", "127.0.0.1:8089"},
		{"127.0.0.1:0", "127.0.0.1:40123", "127.0.0.1:40123"},
		{"[::1]:8089", "[::1]:8089", "[::1]:8089"},
	} {
		addr, err := net.ResolveTCPAddr("tcp", tt.got)
		if err != nil {
			t.Fatal(err)
		}
		if got := shownAddr(tt.listen, addr); got != tt.want {
			t.Errorf("shownAddr(%q, %s) = %q, want %q", tt.listen, tt.got, got, tt.want)
		}
	}
}

// A secret the user gave is never printed: not in the usage text of -h or of a bad flag, where a
// flag default would show it, nor in the start-up banner. A generated one is, as it must be.
func TestAdminSecretPrintedOnlyWhenGenerated(t *testing.T) {
	const given = "given-secret-never-printed"
	t.Setenv("ARITMA_MOCK_ADMIN_CLIENT_SECRET", given)
	for _, args := range [][]string{{"-h"}, {"-nope"}} {
		var out, errOut bytes.Buffer
		err := run(args, &out, &errOut)
		if err == nil {
			t.Fatalf("run(%v) succeeded", args)
		}
		if args[0] == "-h" && !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("run(-h) = %v", err)
		}
		if text := out.String() + errOut.String(); strings.Contains(text, given) || !strings.Contains(text, "admin-client-secret") {
			t.Fatalf("usage after %v shows the given secret, or no usage at all:\n%s", args, text)
		}
	}

	b := banner{base: "http://127.0.0.1:1", tenant: "t", adminID: "admin", adminSecret: given, secretGiven: true}
	var out bytes.Buffer
	printBanner(&out, b)
	if strings.Contains(out.String(), given) || !strings.Contains(out.String(), "admin client id:     admin") {
		t.Fatalf("banner with a given secret:\n%s", out.String())
	}
	b.secretGiven = false
	out.Reset()
	printBanner(&out, b)
	if !strings.Contains(out.String(), "admin client secret: "+given) {
		t.Fatalf("banner without the generated secret:\n%s", out.String())
	}
}

// The flag's 0 (what a user types to turn the throttle off) must not reach the option as its 0
// (the default of 10).
func TestTokenFailureLimitFlag(t *testing.T) {
	for flagValue, want := range map[int]int{0: -1, -5: -1, 1: 1, 10: 10} {
		if got := tokenFailureLimit(flagValue); got != want {
			t.Errorf("tokenFailureLimit(%d) = %d, want %d", flagValue, got, want)
		}
	}
}

// TestShutdownCountsAfterDrain: a create under way at the signal finishes and is counted in the
// summary; one that outlasts the grace is cut off, and the error says so.
func TestShutdownCountsAfterDrain(t *testing.T) {
	for _, tc := range []struct {
		name      string
		latencyMS int
		grace     time.Duration
		holding   string
		err       string
	}{
		{"drained", 600, 5 * time.Second, "holding 1 clients,", ""},
		{"cut off", 3000, 200 * time.Millisecond, "holding 0 clients,",
			"requests still running 200ms after the signal were cut off without an answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := mockserver.New(mockserver.Options{AdminClientID: "adm", AdminClientSecret: "admin-secret-123"})
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
			go func() { _ = hs.Serve(ln) }()
			base := "http://" + ln.Addr().String()
			tok, err := iam.ExchangeToken(t.Context(), iam.TokenRequest{TokenURL: base + "/connect/token", ClientID: "adm", ClientSecret: "admin-secret-123"})
			if err != nil {
				t.Fatal(err)
			}
			srv.SetFaults(mockserver.Faults{LatencyMS: tc.latencyMS})
			created := make(chan int, 1)
			go func() {
				req, _ := http.NewRequest(http.MethodPost, base+"/v1/clients", strings.NewReader(
					`{"name":"in-flight","description":"","allowedGrantTypes":["client_credentials"],"redirectUris":[],"allowedScopes":["api"]}`))
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					created <- 0
					return
				}
				_ = resp.Body.Close()
				created <- resp.StatusCode
			}()
			time.Sleep(150 * time.Millisecond) // the create is under way
			var out bytes.Buffer
			err = shutdown(hs, srv, &out, tc.grace)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Errorf("shutdown: %v, want %q", err, tc.err)
			}
			if !strings.Contains(out.String(), tc.holding) {
				t.Errorf("summary %q, want it to say %q", out.String(), tc.holding)
			}
			if status := <-created; tc.err == "" && status != http.StatusCreated {
				t.Errorf("the create under way got %d, want 201", status)
			}
		})
	}
}

// A secret the start deleted to make room for the bootstrap secret is named, since a service may
// have been using it.
func TestBannerNamesEvictedAdminSecret(t *testing.T) {
	var out bytes.Buffer
	printBanner(&out, banner{base: "http://127.0.0.1:1", tenant: "t", adminID: "admin", evicted: []string{"sec-1"}})
	want := "  note: the admin client held 20 secrets, the most a client may; its secret sec-1 (expired, or else the oldest) " +
		"was deleted to make room for this run's\n"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("banner lacks the note %q:\n%s", want, out.String())
	}
}
