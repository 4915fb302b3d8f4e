package iam

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestAPIError_rendering(t *testing.T) {
	t.Parallel()
	html := "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>" +
		"<hr><center>nginx</center>" + strings.Repeat("<p>padding text</p>", 40) + "</body></html>"
	for _, tc := range []struct {
		name        string
		method      string
		status      int
		contentType string
		body        string
		header      http.Header
		want        string
	}{
		{
			name: "problem with field errors", method: "POST", status: 400, contentType: "application/problem+json",
			body: `{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.",` +
				`"status":400,"traceId":"00-abc-01","errors":{"redirectUris":["must be empty"],"name":["must be 1..200 characters"],"":["general"]}}`,
			want: "POST /v1/clients: 400 Bad Request: One or more validation errors occurred.: general; name: must be 1..200 characters; redirectUris: must be empty (trace id 00-abc-01)",
		},
		{
			name: "problem with detail", method: "GET", status: 404, contentType: "application/problem+json",
			body: `{"title":"Not Found","status":404,"detail":"client 'x' does not exist","traceId":"t-1"}`,
			want: "GET /v1/clients: 404 Not Found: client 'x' does not exist (trace id t-1)",
		},
		{
			name: "empty body", method: "DELETE", status: 500,
			want: "DELETE /v1/clients: 500 Internal Server Error",
		},
		{
			name: "empty body, trace id header", method: "GET", status: 503, header: http.Header{"X-Request-Id": {"req-9"}},
			want: "GET /v1/clients: 503 Service Unavailable (trace id req-9)",
		},
		{
			name: "html body", method: "GET", status: 502, contentType: "text/html", body: html,
			want: "GET /v1/clients: 502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx padding text padding text",
		},
		{
			name: "plain text with control characters", method: "GET", status: 418, contentType: "text/plain",
			body: "line one\r\n\tline\x00two\x1b[31m",
			want: "GET /v1/clients: 418 I'm a teapot: line one line two [31m",
		},
		{
			name: "broken json", method: "GET", status: 500, contentType: "application/json", body: `{"title": "cut`,
			want: `GET /v1/clients: 500 Internal Server Error: {"title": "cut`,
		},
		{
			name: "oauth style body", method: "GET", status: 401, contentType: "application/json",
			body: `{"error":"invalid_token","error_description":"expired"}`,
			want: "GET /v1/clients: 401 Unauthorized: invalid_token: expired",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			resp := &http.Response{StatusCode: tc.status, Header: h, Body: http.NoBody}
			if tc.body != "" {
				resp.Body = nopCloser{strings.NewReader(tc.body)}
			}
			got := newAPIError(resp, tc.method, "/v1/clients", newRedactor()).Error()
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
			if tc.name == "html body" {
				detail := strings.TrimPrefix(got, "GET /v1/clients: 502 Bad Gateway: ")
				if len(strings.TrimSuffix(detail, "…")) > maxSnippet || !strings.HasSuffix(detail, "…") || strings.Contains(got, "<") {
					t.Fatalf("HTML body not reduced to a %d-byte snippet: %q", maxSnippet, detail)
				}
			}
		})
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func TestAPIError_is(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrNotFound, ErrConflict, ErrUnauthorized, ErrForbidden, ErrValidation, ErrRateLimited}
	for status, want := range map[int]error{
		404: ErrNotFound, 409: ErrConflict, 401: ErrUnauthorized, 403: ErrForbidden,
		400: ErrValidation, 422: ErrValidation, 429: ErrRateLimited, 500: nil,
	} {
		err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: status})
		for _, s := range sentinels {
			if got := errors.Is(err, s); got != errors.Is(s, want) {
				t.Errorf("status %d: errors.Is(%v) = %v", status, s, got)
			}
		}
		if IsNotFound(err) != (status == 404) {
			t.Errorf("IsNotFound(%d) wrong", status)
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("status %d matched ErrOutcomeUnknown", status)
		}
	}
}

func TestAPIError_redactsEchoedSecret(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		problem(w, 400, "One or more validation errors occurred.", map[string][]string{
			"value": {"'" + testSecret + "' is too long"},
		})
	})
	_, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: testSecret})
	if !errors.Is(err, ErrValidation) {
		t.Fatalf("want ErrValidation, got %v", err)
	}
	assertNoSecret(t, err)
	if !strings.Contains(err.Error(), "value: '[redacted]' is too long") {
		t.Fatalf("unexpected message %q", err)
	}
}

// A server or proxy that echoes the request's headers in an error must not put the bearer token
// (or a static access token) into the error text; nor may a trace id carry it.
func TestAPIError_redactsEchoedToken(t *testing.T) {
	t.Parallel()
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Request-Id", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad request; headers were Authorization: " + r.Header.Get("Authorization")))
	}
	for name, mod := range map[string]func(*Config){
		"client credentials": func(*Config) {},
		"static token":       func(c *Config) { c.ClientID, c.ClientSecret, c.AccessToken = "", "", "static-"+testSecret },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var sent string
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				sent = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				echo(w, r)
			})
			_, err := f.client(t, mod).GetClient(ctxT(t), "c1")
			if err == nil || sent == "" {
				t.Fatalf("err %v, token sent %q", err, sent)
			}
			if strings.Contains(err.Error(), sent) || !strings.Contains(err.Error(), "Authorization: Bearer [redacted]") {
				t.Fatalf("error %q leaks the token or lost the mark", err)
			}
		})
	}
}

// A successful answer that does not decode quotes the value it could not take in the error: a
// server that echoes the request's token into a timestamp must not put the token there.
func TestDecodeError_redactsEchoedToken(t *testing.T) {
	t.Parallel()
	var sent string
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"items":[{"clientSecretId":"s1","created":%q}],"metadata":{"page":1,"pageSize":20,"totalCount":1}}`, sent)
	})
	var err error
	for _, e := range f.client(t).ListClientSecrets(ctxT(t), "c1") {
		if e != nil {
			err = e
		}
	}
	token := strings.TrimPrefix(sent, "Bearer ")
	if err == nil || token == "" || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %v leaks the token %q or lost the mark", err, token)
	}
}

// A plain-text error body is cut to maxSnippet characters; a secret the cut splits must not
// leave its first half behind.
func TestAPIError_redactsSecretSplitByTheCut(t *testing.T) {
	t.Parallel()
	secret := "Zq8-split-by-the-cut-Zq8"
	body := strings.Repeat("x", maxSnippet-10) + " " + secret + " and more"
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(body))
	})
	_, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: secret})
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), secret[:5]) || !strings.Contains(err.Error(), "[redacted]…") {
		t.Fatalf("message %q leaks the start of the secret or lost the mark", err)
	}
}

func TestRedactCutEnd(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"no cut secr", "no cut secr"},
		{"cut here secr…", "cut here [redacted]…"},
		{"cut elsewhere…", "cut elsewhere…"},
		{"…", "…"},
	} {
		if got := redactCutEnd(tt.in, "secret-value"); got != tt.want {
			t.Errorf("redactCutEnd(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A token that happens to start with the last character must not win over the secret whose
	// start covers more of the end.
	if got := redactCutEnd("cut here secr…", "r-token", "secret-value"); got != "cut here [redacted]…" {
		t.Errorf("two secrets: %q", got)
	}
}

func TestAPIError_insufficientScopeAndBoilerplate(t *testing.T) {
	t.Parallel()
	rec := func(status int, header http.Header, body string) *APIError {
		resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body))}
		return newAPIError(resp, http.MethodPost, "/v1/clients", newRedactor())
	}
	scope := rec(http.StatusForbidden, http.Header{
		"Content-Type":     {"application/problem+json"},
		"Www-Authenticate": {`Bearer error="insufficient_scope", scope="services.iam"`},
	}, `{"title":"Forbidden","detail":"the access token lacks the scope services.iam"}`)
	if !scope.InsufficientScope {
		t.Error("a 403 with error=\"insufficient_scope\" is not marked InsufficientScope")
	}
	perm := rec(http.StatusForbidden, http.Header{"Content-Type": {"application/problem+json"}},
		`{"title":"Forbidden","detail":"subject client-1 lacks permission iam.client.write on scope /"}`)
	if perm.InsufficientScope {
		t.Error("a 403 for a missing IAM permission is marked InsufficientScope")
	}
	v := rec(http.StatusBadRequest, http.Header{"Content-Type": {"application/problem+json"}},
		`{"title":"One or more validation errors occurred.","detail":"See the errors property for details.","errors":{"name":["name is required"]}}`)
	if got, want := v.Error(), "POST /v1/clients: 400 Bad Request: One or more validation errors occurred.: name: name is required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// Echoes of a secret as other servers write them: escaped by System.Text.Json (uppercase
// \uXXXX, "+" and "<" escaped), by an encoder escaping all punctuation, and raw in an HTML page
// where a "<" in the secret would otherwise start a "tag" that stripping cuts it at.
func TestAPIError_redactsOtherEncodersEchoes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, secret, contentType, body string
	}{
		{"System.Text.Json", "Sup3r+S3cretValue", "text/plain", `{"echo":"Sup3r\u002BS3cretValue"} rejected`},
		{"System.Text.Json, lowercase hex", "Sup3r+S3cretValue", "text/plain", `{"echo":"Sup3r\u002bS3cretValue"} rejected`},
		{"non-ASCII", "Sup3r+S3cretVålue", "application/problem+json", `{"title":"bad","detail":"value Sup3r\u002BS3cretV\u00E5lue rejected"}`},
		{"raw in HTML", "Sup3rS3cretValue<1", "text/html", `<html><body><p>value Sup3rS3cretValue<1 rejected</p></body></html>`},
		{"only non-ASCII escaped, lowercase", "Sup3r-S3cretVålue", "text/plain", `{"echo": "Sup3r-S3cretV\u00e5lue"} rejected`},
		{"hex character references", "Sup3r+S3cret'Value", "text/html", `<p>value Sup3r&#x2B;S3cret&#x27;Value rejected</p>`},
		{"decimal character references", "Sup3r+S3cret'Value", "text/html", `<p>value Sup3r&#43;S3cret&#39;Value rejected</p>`},
		{"escaped slash, surrogate pair", "Sup3r/S3cret😀Value", "text/plain", `echo "Sup3r\/S3cret\ud83d\ude00Value"`},
		{"references in a trace id", `Sup3r"S3cret+Value<`, "application/problem+json",
			`{"title":"Bad Request","traceId":"Sup3r&quot;S3cret&#x2B;Value&lt;"}`},
		{"lowercase percent escapes", "Sup3r+S3cret/Value", "text/plain", `body was value=Sup3r%2bS3cret%2fValue`},
		{"encodeURIComponent", "Sup3r S3cret!*Value", "text/plain", `could not handle value=Sup3r%20S3cret!*Value`},
		{"RFC 3986", "Sup3r S3cret!*Value", "text/plain", `could not handle value=Sup3r%20S3cret%21%2AValue`},
		{"Java URLEncoder, lowercase", "Sup3r S3cret~/Value", "text/plain", `could not handle value=Sup3r+S3cret%7e%2fValue`},
		{".NET WebUtility.UrlEncode", "Sup3r+S3cret!Value", "text/plain", `could not handle value=Sup3r%2BS3cret!Value`},
		{"Python quote", "Sup3r/S3cret Value", "text/plain", `could not handle value=Sup3r/S3cret%20Value`},
		// A body longer than what is read, cut inside the echo: what remains of it must go too,
		// although stripping tags and collapsing whitespace bring it into the part shown.
		{"cut by the read limit, padded with blanks", "Sup3rS3cretValue-0123456789abcd", "text/plain",
			"rejected:" + strings.Repeat(" ", maxErrorBody-len("rejected:")-20) + "Sup3rS3cretValue-0123456789abcd and more"},
		{"cut by the read limit, padded with tags", "Sup3rS3cretValue-0123456789abcd", "text/html",
			"<p>rejected:" + strings.Repeat("<b></b>", (maxErrorBody-len("<p>rejected:")-20)/7) +
				strings.Repeat(" ", (maxErrorBody-len("<p>rejected:")-20)%7) + "Sup3rS3cretValue-0123456789abcd</p>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: tt.secret})
			if err == nil || strings.Contains(err.Error(), "S3cret") || !strings.Contains(err.Error(), "[redacted]") {
				t.Fatalf("error %v leaks the secret or lost the mark", err)
			}
		})
	}
}

func TestDecodeUnicodeEscapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{`plain`, `plain`},
		{`a\u002Bb\u002bc`, `a+b+c`},
		{`\ud83d\ude00`, "😀"},
		{`lone \ud83d surrogate`, "lone \uFFFD surrogate"},
		{`bad \u12G4 hex`, `bad \u12G4 hex`},
		{`short \u12`, `short \u12`},
		{`trailing \`, `trailing \`},
		{`a\/b \n`, `a/b \n`},
	} {
		if got := decodeUnicodeEscapes(tt.in); got != tt.want {
			t.Errorf("decodeUnicodeEscapes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactFieldErrorKeys: field names that hold a secret are redacted, and names that redact
// alike keep every message.
func TestRedactFieldErrorKeys(t *testing.T) {
	t.Parallel()
	e := &APIError{FieldErrors: map[string][]string{
		"value.s3cr3t-value":    {"is s3cr3t-value"},
		"value." + redactedMark: {"second"},
		"name":                  {"required"},
	}}
	e.redactWith(newRedactor("s3cr3t-value"))
	want := map[string][]string{"value." + redactedMark: {"second", "is " + redactedMark}, "name": {"required"}}
	if !reflect.DeepEqual(e.FieldErrors, want) {
		t.Fatalf("field errors = %q, want %q", e.FieldErrors, want)
	}
}

func TestHasFieldError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("wrapped: %w", &APIError{StatusCode: 400, FieldErrors: map[string][]string{
		"Subject": {"subject does not exist"}, "$.scope": {"bad"}, "action": {},
	}})
	for field, want := range map[string]bool{"subject": true, "scope": true, "action": false, "name": false} {
		if got := HasFieldError(err, field); got != want {
			t.Errorf("HasFieldError(%q) = %v, want %v", field, got, want)
		}
	}
	if HasFieldError(errors.New("subject"), "subject") {
		t.Error("HasFieldError matched an error that is no APIError")
	}
}

// A secret escaped by hand, every byte of it, is found unescaped, also beside a stray "%" (which
// url.PathUnescape refuses the whole text for), and what its escapes held is cleaned: no controls,
// no bytes that are no UTF-8, in a diagnostic.
func TestRedactor_handEscapedSecret(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-xyz"
	var enc strings.Builder
	for _, b := range []byte(secret) {
		fmt.Fprintf(&enc, "%%%02X", b)
	}
	r := newRedactor(secret)
	for _, text := range []string{
		"Cannot POST /connect/" + enc.String() + "/token",
		"Cannot POST /connect/" + enc.String() + "/token (100% sure)",
		"POST /connect/" + enc.String() + "/token%0Ax%FF%1B[31m",
	} {
		got := r.text(text)
		if strings.Contains(got, enc.String()) || strings.Contains(got, secret) || !strings.Contains(got, "[redacted]") {
			t.Errorf("text(%q) = %q", text, got)
		}
		if !utf8.ValidString(got) || strings.ContainsFunc(got, unicode.IsControl) {
			t.Errorf("text(%q) = %q: not clean", text, got)
		}
	}
	if got := r.text("width:100% and %41"); got != "width:100% and %41" {
		t.Errorf("a text without the secret changed: %q", got)
	}
	if got := UnescapePercent("a%41%zz%4"); got != "aA%zz%4" {
		t.Errorf("UnescapePercent = %q", got)
	}
}

// An echo reshaped beyond the forms the redactor cuts out where they stand — wrapped across lines,
// with an invisible character put in, in another case or Unicode form, percent-encoded twice, in
// base64 or hex — withholds the server's text whole, from API errors and token errors alike.
func TestRedactor_reshapedEchoWithheld(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"plainSecretValue42", "plainSecrétValue42"} {
		forms := map[string]string{
			"wrapped":               secret[:8] + "\n    " + secret[8:],
			"zero-width space":      secret[:4] + "\u200b" + secret[4:],
			"soft hyphen, HTML":     secret[:4] + "&shy;" + secret[4:],
			"upper-cased":           strings.ToUpper(secret),
			"NFD":                   norm.NFD.String(secret),
			"percent-encoded twice": url.QueryEscape(url.QueryEscape(secret)),
			"base64":                base64.StdEncoding.EncodeToString([]byte(secret)),
			"base64url":             base64.RawURLEncoding.EncodeToString([]byte(secret)),
			"hex":                   hex.EncodeToString([]byte(secret)),
		}
		for name, form := range forms {
			check := func(t *testing.T, err error) {
				t.Helper()
				if err == nil {
					t.Fatal("no error")
				}
				text := err.Error()
				if strings.Contains(text, form) || strings.Contains(squash(text), squash(secret)) ||
					!strings.Contains(text, withheldAnswer) && !strings.Contains(text, "[redacted]") {
					t.Errorf("%q echoed as %s: %s", secret, name, text)
				}
			}
			t.Run(secret+"/"+name+"/API", func(t *testing.T) {
				t.Parallel()
				for _, ct := range []string{"text/plain", "application/problem+json"} {
					f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
						w.Header().Set("Content-Type", ct)
						w.WriteHeader(http.StatusBadRequest)
						if ct == "text/plain" {
							_, _ = w.Write([]byte("bad value: " + form))
							return
						}
						_ = json.NewEncoder(w).Encode(map[string]string{"title": "Bad Request", "detail": "bad value: " + form})
					})
					_, err := f.client(t).CreateClientSecret(ctxT(t), "c1", SecretRequest{Value: secret})
					check(t, err)
				}
			})
			t.Run(secret+"/"+name+"/token", func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusUnauthorized)
					_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "bad secret " + form})
				}))
				defer srv.Close()
				_, err := ExchangeToken(ctxT(t), TokenRequest{TokenURL: srv.URL + "/connect/token", ClientID: "client-1", ClientSecret: secret, MaxRetries: -1})
				check(t, err)
			})
		}
	}
	// Text that merely looks alike is shown, and so is any text for a secret too short to tell.
	r := newRedactor("plainSecretValue42", "abc")
	for _, text := range []string{"plainSecretValue4 is not it", "ABC and a b c are fine", "value 42, plain"} {
		if got := r.shown(text); got != text {
			t.Errorf("shown(%q) = %q", text, got)
		}
	}
}
