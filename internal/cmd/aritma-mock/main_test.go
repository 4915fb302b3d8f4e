package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		{"tls half configured", []string{"-tls-cert", "cert.pem"}, "must be given together"},
		{"corrupt data file", []string{"-data", corrupt, "-listen", "127.0.0.1:0"}, "corrupt"},
		{"bad listen address", []string{"-listen", "256.0.0.1:99999"}, "listen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%v) = %v, want error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
