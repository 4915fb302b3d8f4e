package mockserver

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"/", "", "/subscriptions/123", "/subscriptions/123/resource-groups/my-company", "/a", "//", "/a/b/", "/a b/c", "x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := parseScope(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// Accepted scopes are well formed and rebuild exactly.
		if len(s) > maxScopeLen || len(segs)%2 != 0 {
			t.Fatalf("accepted %q with %d segments", s, len(segs))
		}
		if got := "/" + strings.Join(segs, "/"); got != s {
			t.Fatalf("rebuilt %q from %q", got, s)
		}
		for _, seg := range segs {
			if seg == "" {
				t.Fatalf("empty segment in %q", s)
			}
		}
		rt, _ := resourceOf(s)
		if len(segs) > 0 && rt != segs[len(segs)-2] {
			t.Fatalf("resourceType %q of %q", rt, s)
		}
	})
}

func FuzzDecodeJSONRequest(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"name":"a","description":"","allowedGrantTypes":["client_credentials"],"redirectUris":[],"allowedScopes":[]}`,
		`{"name":5}`, `{"allowedGrantTypes":"x"}`, `{} {}`, `{"name":"\u00e9"}`, `{"value":"12345678","expiration":null}`, "\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c clientBody
		errs := decodeJSON(strings.NewReader(string(data)), &c)
		if errs != nil {
			for k, msgs := range errs {
				if len(msgs) == 0 || msgs[0] == "" {
					t.Fatalf("empty message for %q", k)
				}
			}
			return
		}
		// A decoded body validates without panicking; messages quote input with
		// %q, so they stay valid UTF-8 whatever the input was.
		for _, msgs := range c.validate() {
			for _, m := range msgs {
				if m == "" || !utf8.ValidString(m) {
					t.Fatalf("bad validation message %q", m)
				}
			}
		}
		var sb secretBody
		if decodeJSON(strings.NewReader(string(data)), &sb) == nil {
			_, _ = sb.validate(newFakeClock().Now())
		}
	})
}
