package provider

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets of the provider's parsers (issue 5, section 4). `make fuzz` runs each for a short
// while (internal/scripts/fuzz.sh); `go test` alone runs only the seeds, here and in
// testdata/fuzz/<Name>/.

// policyScopeReference is the scope grammar written a second, independent way: "/" or
// /<type>/<id> pairs of A-Z a-z 0-9 . _ ~ -, at most 512 bytes.
var policyScopeReference = regexp.MustCompile(`^(/|(/[A-Za-z0-9._~-]+/[A-Za-z0-9._~-]+)+)$`)

// FuzzParseScope checks the policy scope validator against the reference grammar: it accepts
// exactly the scopes the grammar describes, and every rejection says why in valid UTF-8.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{
		"/", "", "/subscriptions/123", "/subscriptions/123/resource-groups/my-company", "subscriptions/1",
		"/a//b", "/a/", "/subscriptions", "/subscriptions/my company", "//", "/a/b/c", "/ä/b",
		"/" + strings.Repeat("s", 256) + "/" + strings.Repeat("1", 254), "/" + strings.Repeat("s", 256) + "/" + strings.Repeat("1", 255),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkPolicyScope(s)
		want := len(s) <= maxPolicyScopeLength && policyScopeReference.MatchString(s)
		if (err == nil) != want {
			t.Fatalf("checkPolicyScope(%q) = %v, but the reference grammar says valid=%v", s, err, want)
		}
		if err != nil && (err.Error() == "" || !utf8.ValidString(err.Error())) {
			t.Fatalf("checkPolicyScope(%q): unusable message %q", s, err.Error())
		}
	})
}

// FuzzParsePolicyID checks the policy import id parser: an accepted id splits into three non-empty
// parts that rebuild it exactly, a valid triple has no comma in its action or scope, and the parts
// of any valid triple survive a round trip.
func FuzzParsePolicyID(f *testing.F) {
	for _, s := range []string{
		"client-1234,iam.client.read,/subscriptions/123", "user-1,owner,/", "a,b,c,d", ",,", "a,,/", "a,b", "",
		"client-1,iam.client.read,/a,b", "client-a,b,owner,/", "group-x,iam.manage,/subscriptions/1/resource-groups/rg",
		"client-abc ,iam.client.read,/subscriptions/1", "user-x\t,owner,/", "client-a\u00a0b,owner,/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		subject, action, scope, err := parsePolicyID(id)
		if err != nil {
			if !strings.Contains(err.Error(), "<subject>,<action>,<scope>") {
				t.Fatalf("parsePolicyID(%q): the error does not show the expected form: %v", id, err)
			}
			return
		}
		if subject == "" || action == "" || scope == "" {
			t.Fatalf("parsePolicyID(%q) accepted an empty part: %q %q %q", id, subject, action, scope)
		}
		if checkPolicyTriple(subject, action, scope) == nil && hasSpaceOrControl(id) {
			t.Fatalf("policy id %q with whitespace passed the schema's checks", id)
		}
		if checkPolicyTriple(subject, action, scope) == nil && (strings.Contains(action, ",") || strings.Contains(scope, ",")) {
			t.Fatalf("parsePolicyID(%q): comma in action %q or scope %q", id, action, scope)
		}
		if got := policyID(subject, action, scope); got != id {
			t.Fatalf("parsePolicyID(%q) does not rebuild: %q", id, got)
		}
		// Anything that passes the schema's own checks is a policy the provider could have
		// written, so its id must come back unchanged.
		if checkSubjectID(subject) == nil && checkAction(action) == nil && checkPolicyScope(scope) == nil {
			s2, a2, sc2, err := parsePolicyID(policyID(subject, action, scope))
			if err != nil || s2 != subject || a2 != action || sc2 != scope {
				t.Fatalf("round trip of %q: %q %q %q %v", id, s2, a2, sc2, err)
			}
		}
	})
}

// FuzzParseClientSecretID checks the client secret import id parser: an accepted id is
// "<client_id>/<secret_id>" with two non-empty parts free of '/' and whitespace that rebuild it,
// and a client id the client resource accepts pairs with any such secret id.
func FuzzParseClientSecretID(f *testing.F) {
	for _, s := range []string{
		"0b5e2a41-0000-4000-8000-000000000000/ab12cd34", "a/b", "a/b/c", "/b", "a/", "/", "", "a b/c", "a/b\n", "ä/ö",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		clientID, secretID, err := parseClientSecretID(id)
		if err != nil {
			if !strings.Contains(err.Error(), "<client_id>/<secret_id>") {
				t.Fatalf("parseClientSecretID(%q): the error does not show the expected form: %v", id, err)
			}
			return
		}
		for _, part := range []string{clientID, secretID} {
			if part == "" || strings.Contains(part, "/") || hasSpaceOrControl(part) {
				t.Fatalf("parseClientSecretID(%q) accepted part %q", id, part)
			}
		}
		if got := clientSecretID(clientID, secretID); got != id {
			t.Fatalf("parseClientSecretID(%q) does not rebuild: %q", id, got)
		}
		// The client half is a client id the client resource would import.
		if _, err := parseClientID(clientID); err != nil {
			t.Fatalf("parseClientSecretID(%q) accepted client id %q that parseClientID rejects: %v", id, clientID, err)
		}
	})
}

// FuzzParseClientID checks the client import id parser: an accepted id is non-empty, free of '/',
// whitespace and control characters, and comes back unchanged; a rejected one is told the form.
func FuzzParseClientID(f *testing.F) {
	for _, s := range []string{
		"0b5e2a41-0000-4000-8000-000000000000", "", "a/b", "a b", "a\u00a0b", "a\vb", "a\x00b", "ä", "client-abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got, err := parseClientID(id)
		if err != nil {
			if !strings.Contains(err.Error(), "expected the import id to be a client id") {
				t.Fatalf("parseClientID(%q): the error does not say what is expected: %v", id, err)
			}
			return
		}
		if got != id || id == "" || strings.Contains(id, "/") || hasSpaceOrControl(id) {
			t.Fatalf("parseClientID(%q) accepted it as %q", id, got)
		}
	})
}
