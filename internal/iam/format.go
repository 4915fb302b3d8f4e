package iam

import (
	"fmt"
	"strings"
)

// The types below carry a client secret or an access token. Their String and GoString methods
// keep it out of fmt's output (%v, %+v, %s and %#v alike), so a debugging print, an error built
// with %v or a log field holding one of these values can never show it.

// redactedValue stands in for a secret in fmt output: whether it is set, never what it is.
func redactedValue(s string) string {
	if s == "" {
		return `""`
	}
	return "(sensitive)"
}

func (c Config) String() string {
	return fmt.Sprintf("iam.Config{Endpoint:%q TokenURL:%q ClientID:%q ClientSecret:%s AccessToken:%s Scopes:%q "+
		"MaxRetries:%d RequestTimeout:%s}", c.Endpoint, c.TokenURL, c.ClientID, redactedValue(c.ClientSecret),
		redactedValue(c.AccessToken), c.Scopes, c.MaxRetries, c.RequestTimeout)
}

func (c Config) GoString() string { return c.String() }

func (r SecretRequest) String() string {
	return fmt.Sprintf("iam.SecretRequest{Value:%s Description:%q Expiration:%v}",
		redactedValue(r.Value), r.Description, r.Expiration)
}

func (r SecretRequest) GoString() string { return r.String() }

func (s ClientSecret) String() string {
	return fmt.Sprintf("iam.ClientSecret{ClientSecretID:%q ClientID:%q Description:%q Expiration:%v Created:%s Value:%s}",
		s.ClientSecretID, s.ClientID, s.Description, s.Expiration, s.Created, redactedValue(s.Value))
}

func (s ClientSecret) GoString() string { return s.String() }

func (r TokenRequest) String() string {
	return fmt.Sprintf("iam.TokenRequest{TokenURL:%q ClientID:%q ClientSecret:%s Scopes:%q}",
		r.TokenURL, r.ClientID, redactedValue(r.ClientSecret), r.Scopes)
}

func (r TokenRequest) GoString() string { return r.String() }

func (t Token) String() string {
	return fmt.Sprintf("iam.Token{AccessToken:%s TokenType:%q Scope:%q ExpiresAt:%s}",
		redactedValue(t.AccessToken), t.TokenType, t.Scope, t.ExpiresAt)
}

func (t Token) GoString() string { return t.String() }

// ShownURL is a URL as a message or a log line may show it, with every part that may carry a
// credential masked: user info ("https://***@host"), the query and the fragment ("?***",
// "#***"). It works on the text, not on what url.Parse makes of it, because a password with a
// "/", "?" or "#" in it ends the authority early ("https://svc:12?pw@host" parses as host
// "svc:12" with the password in the query). Everything before the last "@" is masked, which may
// hide more than user info, never less; and an "@" that only follows a "?" or "#" may end a
// password as well as sit in a query, so then all but the scheme is masked.
func ShownURL(raw string) string {
	scheme, body := "", raw
	if i := strings.Index(raw, "://"); i > 0 && isScheme(raw[:i]) {
		scheme, body = raw[:i+3], raw[i+3:]
	}
	at, q := strings.LastIndexByte(body, '@'), strings.IndexAny(body, "?#")
	switch {
	case at >= 0 && q >= 0 && at > q:
		return scheme + "***"
	case at >= 0:
		body = "***@" + body[at+1:]
		q = strings.IndexAny(body, "?#")
	}
	if q >= 0 && q+1 < len(body) {
		body = body[:q+1] + "***"
	}
	return scheme + body
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then letters, digits, "+", "-"
// or "."), so a "://" inside a password is not taken for the end of one.
func isScheme(s string) bool {
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		other := r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return s != ""
}
