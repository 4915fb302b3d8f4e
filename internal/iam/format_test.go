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
