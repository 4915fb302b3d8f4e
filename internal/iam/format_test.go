package iam

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// No fmt verb may print a secret or token held in one of the package's types, however deeply the
// value is nested.
func TestFormat_neverShowsSecrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-123"
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	values := []any{
		Config{Endpoint: "https://iam.example.com", ClientID: "c1", ClientSecret: secret},
		Config{AccessToken: secret},
		SecretRequest{Value: secret, Description: "ci", Expiration: &exp},
		&SecretRequest{Value: secret},
		ClientSecret{ClientSecretID: "s1", ClientID: "c1", Value: secret},
		[]ClientSecret{{Value: secret}},
		TokenRequest{TokenURL: "https://id.example.com/connect/token", ClientID: "c1", ClientSecret: secret},
		&Token{AccessToken: secret, TokenType: "Bearer"},
		struct{ Req SecretRequest }{SecretRequest{Value: secret}},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%s", "%#v"} {
			if got := fmt.Sprintf(verb, v); strings.Contains(got, secret) {
				t.Errorf("%s of %T shows the secret: %s", verb, v, got)
			}
		}
	}
	if got := fmt.Sprint(SecretRequest{Description: "ci"}); !strings.Contains(got, `Value:""`) || !strings.Contains(got, `"ci"`) {
		t.Errorf("an unset value or the other fields are not shown: %s", got)
	}
}

// A URL in a message or a log line never shows what may carry a credential, even where a
// password's "/", "?" or "#" hides its user info from url.Parse.
func TestShownURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://iam.example.com/core/iam":        "https://iam.example.com/core/iam",
		"https://user:pa55word@iam.example.com/":  "https://***@iam.example.com/",
		"http://t0ken@example.com":                "http://***@example.com",
		"iam.example.com":                         "iam.example.com",
		"https://user:pa55%zz@iam.example.com/":   "https://***@iam.example.com/", // unparsable escape
		"user:pa55%zz@iam.example.com":            "***@iam.example.com",
		"https://iam.example.com/?contact=ab.c":   "https://iam.example.com/?***",
		"https://iam.example.com/token?":          "https://iam.example.com/token?",
		"https://iam.example.com/token#":          "https://iam.example.com/token#",
		"https://user:12/ss@iam.example.com/":     "https://***@iam.example.com/", // "/" in the password
		"https://user:12/ss@iam.example.com/?a=b": "https://***@iam.example.com/?***",
		"https://iam.example.com/core@v1":         "https://***@v1",      // more than user info, never less
		"user:hunter2://x@iam.example.com":        "***@iam.example.com", // "://" in the password
		"a@b?next=https://c":                      "***@b?***",
		// An "@" only after a "?" or "#" may end a password that holds one, or sit in a query:
		// nothing but the scheme is shown.
		"https://svc:1234?hunter2@iam.example.com": "https://***",
		"https://svc:hunter2?x@iam.example.com/a":  "https://***",
		"https://svc:#hunter2@iam.example.com/x":   "https://***",
		"https://svc:hun/ter2?x@iam.example.com":   "https://***",
		"https://iam.example.com/?contact=a@b.c":   "https://***",
		"https://user:12/ss@iam.example.com/?a@b":  "https://***",
	} {
		if got := ShownURL(raw); got != want {
			t.Errorf("ShownURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
