package provider

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseClientID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"3f2a9c1e-0b1d-4e3f-8a5c-7d9e1f2a3b4c", "abc", "my_client.1"} {
		got, err := parseClientID(ok)
		if err != nil || got != ok {
			t.Errorf("parseClientID(%q) = %q, %v", ok, got, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a b", " abc", "abc\n", "abc\u200b", "\ufeffabc"} {
		_, err := parseClientID(bad)
		if err == nil {
			t.Errorf("parseClientID(%q) = nil error", bad)
			continue
		}
		if !strings.HasPrefix(err.Error(), "expected the import id to be a client id") {
			t.Errorf("parseClientID(%q) = %q", bad, err)
		}
	}
}

func TestParseClientSecretID(t *testing.T) {
	t.Parallel()
	c, s, err := parseClientSecretID("client-uuid/secret-uuid")
	if err != nil || c != "client-uuid" || s != "secret-uuid" {
		t.Fatalf("got %q, %q, %v", c, s, err)
	}
	if got := clientSecretID(c, s); got != "client-uuid/secret-uuid" {
		t.Errorf("clientSecretID round trip = %q", got)
	}
	for _, bad := range []string{"", "abc", "/s", "c/", "/", "c/s/x", "c//s", "c /s", "c/s\u200b", "./s", "../s", "c/..", "c/."} {
		_, _, err := parseClientSecretID(bad)
		if err == nil {
			t.Errorf("parseClientSecretID(%q) = nil error", bad)
			continue
		}
		want := `expected an import id of the form "<client_id>/<secret_id>", got ` + strconv.Quote(bad)
		if err.Error() != want {
			t.Errorf("parseClientSecretID(%q) = %q, want %q", bad, err, want)
		}
	}
}

func TestParsePolicyID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id                     string
		subject, action, scope string
	}{
		{"client-3f2a-9c1e,iam.client.read,/subscriptions/123", "client-3f2a-9c1e", "iam.client.read", "/subscriptions/123"},
		{"user-5b0e7c43-2d7a,owner,/", "user-5b0e7c43-2d7a", "owner", "/"},
		{"group-x,banking.pis.create,/subscriptions/1/resource-groups/my-company", "group-x", "banking.pis.create", "/subscriptions/1/resource-groups/my-company"},
		// Split on the last two commas: a subject id is opaque past its prefix and may hold one,
		// while actions and scopes cannot.
		{"client-a,b,iam.client.read,/", "client-a,b", "iam.client.read", "/"},
		// A triple that fails the checks splits on the first two, so the error names the scope.
		{"client-a,owner,/a,b", "client-a", "owner", "/a,b"},
		// Unless that leaves no scope: then the last two stand, and the error names the real fault.
		{"client-a,b,iam.client.read,/x", "client-a,b", "iam.client.read", "/x"},
		{"client-a,b,iam.Client.read,/s/1", "client-a,b", "iam.Client.read", "/s/1"},
	}
	for _, tt := range tests {
		s, a, sc, err := parsePolicyID(tt.id)
		if err != nil || s != tt.subject || a != tt.action || sc != tt.scope {
			t.Errorf("parsePolicyID(%q) = %q, %q, %q, %v", tt.id, s, a, sc, err)
		}
		if err == nil && policyID(s, a, sc) != tt.id {
			t.Errorf("policyID round trip of %q = %q", tt.id, policyID(s, a, sc))
		}
	}
	for _, bad := range []string{"", "client-a", "client-a,owner", "client-a,owner,", ",owner,/", "client-a,,/", ",,"} {
		_, _, _, err := parsePolicyID(bad)
		if err == nil {
			t.Errorf("parsePolicyID(%q) = nil error", bad)
			continue
		}
		want := `expected an import id of the form "<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123", got ` + strconv.Quote(bad)
		if err.Error() != want {
			t.Errorf("parsePolicyID(%q) = %q, want %q", bad, err, want)
		}
	}
}
