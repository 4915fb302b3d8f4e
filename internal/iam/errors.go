package iam

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Sentinel errors. An *APIError matches them with errors.Is through its status code, so callers
// never compare status codes themselves.
var (
	// ErrNotFound matches 404 (and 410) answers and lookups that found nothing.
	ErrNotFound = errors.New("not found")
	// ErrConflict matches 409 answers, such as a duplicate policy triple.
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized matches 401 answers and rejected credentials at the token endpoint.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches 403 answers: the caller lacks a scope or an IAM permission.
	ErrForbidden = errors.New("forbidden")
	// ErrInvalidScope matches a token endpoint's invalid_scope: a scope was asked for that the
	// client may not have (it also matches ErrForbidden).
	ErrInvalidScope = errors.New("invalid scope")
	// ErrGrantNotAllowed matches a token endpoint's unauthorized_client: the credentials were
	// accepted, but the client may not use the client_credentials grant (it also matches
	// ErrUnauthorized).
	ErrGrantNotAllowed = errors.New("grant type not allowed")
	// ErrValidation matches 400 and 422 answers.
	ErrValidation = errors.New("validation failed")
	// ErrNoTokenEndpoint matches a token request answered 404, 405 or 410 without an OAuth error:
	// the token URL names no token endpoint. It is kept apart from ErrNotFound, which would read
	// as "the object is gone".
	ErrNoTokenEndpoint = errors.New("no token endpoint at the token URL")
	// ErrRateLimited matches 429 answers that were still rate limited after every retry.
	ErrRateLimited = errors.New("rate limited")
	// ErrOutcomeUnknown marks a create whose request reached the server but whose answer was lost
	// (502, 504, a timeout or a reset connection) or said only that the server failed (500). The
	// object MAY exist; it was not retried because repeating a non-idempotent create could make a
	// duplicate.
	ErrOutcomeUnknown = errors.New("outcome unknown: the server may have applied the request, so the object may exist")
)

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// HasFieldError reports whether err is an *APIError with a field error on field. Field names
// are compared without regard to case, and a JSON path prefix ("$.subject") is ignored: ASP.NET
// APIs spell them either way.
func HasFieldError(err error, field string) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for k, msgs := range ae.FieldErrors {
		if len(msgs) > 0 && strings.EqualFold(strings.TrimPrefix(k, "$."), field) {
			return true
		}
	}
	return false
}

// APIError is a non-2xx answer of the IAM API, decoded from RFC 7807 problem details when the
// body has them. It never holds a request body, a header or a token.
type APIError struct {
	StatusCode  int
	Method      string
	Path        string // API path including the query, e.g. "/v1/clients/abc"
	Type        string
	Title       string
	Detail      string
	Instance    string
	TraceID     string
	FieldErrors map[string][]string // "" holds failures not tied to one field
	// InsufficientScope is set for a 403 whose WWW-Authenticate says error="insufficient_scope"
	// (RFC 6750): the token lacks an OAuth scope, which no IAM grant can make up for.
	InsufficientScope bool
	// GivenToken is set when the call carried a token the caller gave (Config.AccessToken), which
	// the client cannot renew, rather than one it fetched with client credentials: what to do about
	// a 401 or a missing scope differs.
	GivenToken bool
	// Attempts is how many requests the call sent, retries included. Error shows it when the call
	// was retried: the answer is the last one, and a user raising max_retries must see they ran.
	Attempts int
}

// Error renders one readable line: what was called, the status, the API's own words, the field
// errors sorted by field and the trace id support needs.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if statusText := http.StatusText(e.StatusCode); statusText != "" {
		b.WriteByte(' ')
		b.WriteString(statusText)
	}
	b.WriteString(e.problemText())
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (the last of %d attempts)", e.Attempts)
	}
	return b.String()
}

// problemText is what the problem body adds to the status line: ": <title>: <detail>: <field
// errors> (trace id <id>)", each part only when it says something the status does not.
func (e *APIError) problemText() string {
	var b strings.Builder
	statusText := http.StatusText(e.StatusCode)
	title := strings.TrimSpace(e.Title)
	if title != "" && !strings.EqualFold(title, statusText) {
		b.WriteString(": ")
		b.WriteString(title)
	}
	// ASP.NET's "See the errors property for details." says nothing once the field errors follow.
	if detail := strings.TrimSpace(e.Detail); detail != "" && detail != title &&
		(len(e.FieldErrors) == 0 || !strings.Contains(detail, "errors property")) {
		b.WriteString(": ")
		b.WriteString(detail)
	}
	if fe := e.fieldErrorText(); fe != "" {
		b.WriteString(": ")
		b.WriteString(fe)
	}
	if e.TraceID != "" {
		b.WriteString(" (trace id ")
		b.WriteString(e.TraceID)
		b.WriteByte(')')
	}
	return b.String()
}

func (e *APIError) fieldErrorText() string {
	keys := make([]string, 0, len(e.FieldErrors))
	for k := range e.FieldErrors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		for _, msg := range e.FieldErrors[k] {
			if k == "" {
				parts = append(parts, msg)
			} else {
				parts = append(parts, k+": "+msg)
			}
		}
	}
	return strings.Join(parts, "; ")
}

// Is lets errors.Is(err, ErrNotFound) and friends work on an *APIError by status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrValidation:
		return e.StatusCode == http.StatusBadRequest || e.StatusCode == http.StatusUnprocessableEntity
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// redactWith removes secrets (a caller-chosen secret value, the bearer token, the provider's own
// credentials) from every text the server sent back, in case a misbehaving server or proxy echoes
// the request or its headers.
func (e *APIError) redactWith(r *redactor) {
	if len(r.forms) == 0 {
		return
	}
	replace := r.shown
	e.Title, e.Detail, e.Instance, e.Type = replace(e.Title), replace(e.Detail), replace(e.Instance), replace(e.Type)
	e.TraceID = replace(e.TraceID)
	if e.FieldErrors == nil {
		return
	}
	// A new map, so keys that redact alike (or into one the server sent) keep all their messages.
	fields := make(map[string][]string, len(e.FieldErrors))
	for _, k := range slices.Sorted(maps.Keys(e.FieldErrors)) {
		nk := replace(k)
		for _, m := range e.FieldErrors[k] {
			fields[nk] = append(fields[nk], replace(m))
		}
	}
	e.FieldErrors = fields
}

// redactor removes a secret from server text in every form an echo of the request may hold it
// in: as sent, form- and path-encoded (a token request is a form), JSON- and HTML-escaped, each
// also with its whitespace collapsed the way clean and snippet collapse the text around it.
type redactor struct {
	forms, raw []string
	// reshaped are the secrets (of reshapedMinLen characters or more) squashed, and their base64
	// and hex forms: what a server's answer is searched for once the forms above are cut out.
	reshaped []string
}

// reshapedMinLen is the shortest secret searched for reshaped: once case and spacing no longer
// count, a shorter one turns up in ordinary text too often.
const reshapedMinLen = 8

// withheldAnswer stands in for a server's answer that holds a secret reshaped beyond the forms
// the redactor can cut out where they stand.
const withheldAnswer = "[the server's answer is withheld: it seems to echo a secret of the request]"

// squash is s as an echo may have reshaped it, for comparison: compatibility-normalised,
// lower-cased, without whitespace, control or format characters (a line wrapped inside it, a
// zero-width space or a soft hyphen put in).
func squash(s string) string {
	var b strings.Builder
	for _, c := range norm.NFKC.String(s) {
		if unicode.IsSpace(c) || unicode.IsControl(c) || unicode.Is(unicode.Cf, c) {
			continue
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

// reshapedIn reports whether s, a server's answer, holds a secret reshaped: wrapped, with
// invisible characters, in another case or Unicode form, percent-encoded more than once, or in
// base64 or hex.
func (r *redactor) reshapedIn(s string) bool {
	if len(r.reshaped) == 0 {
		return false
	}
	variants := []string{s, html.UnescapeString(s)}
	for u := s; strings.Contains(u, "%") && len(variants) < 6; {
		next := UnescapePercent(u)
		if next == u {
			break
		}
		u = next
		variants = append(variants, u)
	}
	for _, v := range variants {
		sq := squash(v)
		for _, f := range r.reshaped {
			if strings.Contains(sq, f) {
				return true
			}
		}
	}
	return false
}

// UnescapePercent decodes every well-formed %XX escape of s and leaves the rest as it is, where
// url.PathUnescape refuses the whole text for one stray "%" ("100%").
func UnescapePercent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Redact replaces each of secrets in text, in every form this package knows a secret may take
// there (escaped for a URL's path or query, for JSON, HTML or JavaScript), with a mark.
func Redact(text string, secrets ...string) string {
	if !slices.ContainsFunc(secrets, func(s string) bool { return s != "" }) {
		return text
	}
	return newRedactor(secrets...).text(text)
}

// newRedactor redacts every non-empty one of secrets.
func newRedactor(secrets ...string) *redactor {
	seen := map[string]bool{}
	var forms []string
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		jsonEsc := func(escapeHTML bool) string {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(escapeHTML)
			_ = enc.Encode(secret)
			return strings.TrimSuffix(strings.TrimSuffix(b.String(), "\n"), "\"")[1:]
		}
		encoded := []string{url.QueryEscape(secret), url.PathEscape(secret),
			// Other platforms' URL encoders: RFC 3986's unreserved set, JavaScript's
			// encodeURIComponent, Java's URLEncoder (HTML form encoding), .NET's
			// WebUtility.UrlEncode and Python's quote.
			percentEncode(secret, "-._~", "%20"), percentEncode(secret, "-._~!*'()", "%20"), percentEncode(secret, "*-._", "+"),
			percentEncode(secret, "-_.!*()", "+"), percentEncode(secret, "-._~/", "%20")}
		for _, e := range slices.Clone(encoded) {
			encoded = append(encoded, lowerPercentEscapes(e))
		}
		for _, f := range slices.Concat([]string{secret, jsonEsc(true), jsonEsc(false),
			html.EscapeString(secret), unicodeEscape(secret, dotnetEscaped, "\\u%04X"),
			unicodeEscape(secret, notAlphanumeric, "\\u%04X"), unicodeEscape(secret, notAlphanumeric, "\\u%04x")}, encoded) {
			// goQuoted: net/http quotes a malformed answer with %q in its error, escaping an echo
			// of the request (or of its JSON) once more.
			for _, g := range []string{f, clean(f), goQuoted(f)} {
				if g != "" && !seen[g] {
					seen[g] = true
					forms = append(forms, g)
				}
			}
		}
	}
	var reshaped []string
	for _, secret := range secrets {
		if utf8.RuneCountInString(secret) < reshapedMinLen {
			continue
		}
		b := []byte(secret)
		// Unpadded base64: a padded echo holds it too, and std and URL alphabets differ in two
		// characters only, so both are searched.
		reshaped = append(reshaped, squash(secret), squash(base64.RawStdEncoding.EncodeToString(b)),
			squash(base64.RawURLEncoding.EncodeToString(b)), hex.EncodeToString(b))
	}
	// Longest first, so a form is never half replaced through a shorter one inside it.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return &redactor{forms: forms, raw: slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return s == "" }),
		reshaped: slices.Compact(slices.Sorted(slices.Values(reshaped)))}
}

// goQuoted is s as the body of a Go-quoted string (%q), as net/http quotes bytes it cannot parse.
func goQuoted(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// scrub returns err, or an error with its text redacted when the text holds a secret. The
// replacement keeps no chain: what it would unwrap to still holds the secret.
func (r *redactor) scrub(err error) error {
	if msg := err.Error(); r.text(msg) != msg {
		return errors.New(r.text(msg))
	}
	return err
}

// unicodeEscape writes s as a JSON string body in which the runes escape selects are \uXXXX
// escapes in format (upper- or lowercase hex; UTF-16 surrogate pairs beyond the BMP), as encoders
// other than Go's write them.
func unicodeEscape(s string, escape func(rune) bool, format string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case !escape(c):
			b.WriteRune(c)
		case c > 0xFFFF:
			hi, lo := utf16.EncodeRune(c)
			fmt.Fprintf(&b, format+format, hi, lo)
		default:
			fmt.Fprintf(&b, format, c)
		}
	}
	return b.String()
}

// percentEncode percent-encodes every byte of s but ASCII letters, digits and the bytes in keep,
// writing a space as space, the way URL encoders of other platforms than Go do.
func percentEncode(s, keep, space string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteString(space)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// lowerPercentEscapes writes the hex digits of s's %XX escapes in lower case, as some encoders do.
func lowerPercentEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerHex(b[i+1]), lowerHex(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// dotnetEscaped selects what System.Text.Json's default encoder escapes: HTML-sensitive and
// JSON-special characters, controls and everything outside ASCII.
func dotnetEscaped(c rune) bool {
	return c < 0x20 || c > 0x7E || strings.ContainsRune("<>&'\"+\\`", c)
}

func notAlphanumeric(c rune) bool {
	return (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9')
}

// redactedMark stands in for a secret.
const redactedMark = "[redacted]"

// body redacts a response body as it came, before anything decodes it, keeping at most limit
// bytes of it. A body longer than that is cut, and the start of a secret that the cut splits is
// redacted too: stripping tags and collapsing whitespace could otherwise bring it into the part
// of the text that is shown.
func (r *redactor) body(b []byte, limit int) []byte {
	cut := len(b) > limit
	if cut {
		b = b[:limit]
	}
	if len(r.forms) == 0 {
		return b
	}
	if !cut {
		return []byte(r.text(string(b)))
	}
	return []byte(strings.TrimSuffix(r.text(string(b)+"…"), "…"))
}

// shown is server text (a field of an answer, decoded) as an error may show it: its secrets cut
// out in every form the redactor knows, or, when it still holds one reshaped where it cannot be
// cut out (wrapped across lines, say), withheld whole.
func (r *redactor) shown(s string) string {
	s = r.text(s)
	if r.reshapedIn(s) {
		return withheldAnswer
	}
	return s
}

// text returns s with every form of the secrets replaced, including the start of one that
// snippet cut short at the end of s.
func (r *redactor) text(s string) string {
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, redactedMark)
	}
	// An escaping no encoder above writes (a URL the user escaped by hand, every byte of it, say)
	// is found unescaped, and the text is shown unescaped then, cleaned of what the escapes may
	// have held (controls, bytes that are no UTF-8).
	if strings.Contains(s, "%") {
		if u := clean(UnescapePercent(s)); u != s && slices.ContainsFunc(r.raw, func(raw string) bool { return strings.Contains(u, raw) }) {
			return r.text(u)
		}
	}
	// The body is redacted before it is cut too, so a cut may also fall inside a mark.
	return redactCutEnd(s, slices.Concat(r.forms, []string{redactedMark})...)
}

// redactCutEnd redacts the start of a secret where snippet cut a text short ("…") in the middle
// of it: the whole secret is no longer there to be replaced, but its first characters are. Of
// several secrets, the one whose start covers the most of the end wins: a shorter match (a
// single character, by chance) must not hide a longer one.
func redactCutEnd(s string, secrets ...string) string {
	body, cut := strings.CutSuffix(s, "…")
	if !cut {
		return s
	}
	longest := 0
	for _, secret := range secrets {
		for n := min(len(secret)-1, len(body)); n > longest; n-- {
			if strings.HasSuffix(body, secret[:n]) {
				longest = n
				break
			}
		}
	}
	if longest == 0 {
		return s
	}
	return body[:len(body)-longest] + "[redacted]…"
}

// outcomeUnknownError wraps the failure of a create that may have been applied.
type outcomeUnknownError struct{ err error }

func (e *outcomeUnknownError) Error() string {
	return e.err.Error() + " (outcome unknown: the server may have applied the request, so the object may exist)"
}
func (e *outcomeUnknownError) Unwrap() error        { return e.err }
func (e *outcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// maxErrorBody bounds how much of an error body is read; problem details are small, and an
// unexpected HTML page must not be buffered whole.
const maxErrorBody = 64 << 10

// maxSnippet is how much of a non-JSON error body may appear in an error message.
const maxSnippet = 200

type problemJSON struct {
	Type     string          `json:"type"`
	Title    string          `json:"title"`
	Detail   string          `json:"detail"`
	Instance string          `json:"instance"`
	TraceID  string          `json:"traceId"`
	Errors   json.RawMessage `json:"errors"`
	// Tolerated shapes of non-RFC 7807 servers and gateways.
	Message          string `json:"message"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// newAPIError reads (a bounded part of) the body of a failed response and builds the error; r
// redacts what must not appear in it.
func newAPIError(resp *http.Response, method, path string, r *redactor) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	// Redact the body as it came, and the fields made from it: decoding, stripping HTML tags and
	// collapsing whitespace can each split or rewrite a secret's echo beyond recognition (a raw
	// "<" in a secret starts a "tag"), and the fields can hold a form only decoding produces.
	body = r.body(body, maxErrorBody)
	e := &APIError{StatusCode: resp.StatusCode, Method: method, Path: path}
	defer e.redactWith(r)
	if !decodeProblem(e, body, resp.Header.Get("Content-Type")) {
		e.Detail = snippet(body, resp.Header.Get("Content-Type"))
	}
	if e.TraceID == "" {
		e.TraceID = headerTraceID(resp.Header)
	}
	e.InsufficientScope = resp.StatusCode == http.StatusForbidden &&
		strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope")
	return e
}

// decodeProblem fills e from a JSON error body and reports whether the body was JSON.
func decodeProblem(e *APIError, body []byte, contentType string) bool {
	trimmed := bytes.TrimSpace(body)
	mt, _, _ := mime.ParseMediaType(contentType)
	if len(trimmed) == 0 || (!strings.Contains(mt, "json") && trimmed[0] != '{') {
		return false
	}
	var p problemJSON
	if err := json.Unmarshal(trimmed, &p); err != nil {
		return false
	}
	// Every field as a person reads it, decoded: redaction (redactWith) then also finds a secret
	// that an encoder escaped in a way newRedactor does not produce.
	e.Type, e.Title, e.Detail, e.Instance, e.TraceID = readable(p.Type), readable(p.Title), readable(p.Detail), readable(p.Instance), readable(p.TraceID)
	if e.Detail == "" {
		e.Detail = readable(p.Message)
	}
	if e.Title == "" && p.Error != "" {
		e.Title = readable(p.Error)
		if e.Detail == "" {
			e.Detail = readable(p.ErrorDescription)
		}
	}
	e.FieldErrors = decodeFieldErrors(p.Errors)
	return true
}

// decodeFieldErrors accepts the ASP.NET shape {"field":["msg"]} and the looser {"field":"msg"}.
func decodeFieldErrors(raw json.RawMessage) map[string][]string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var many map[string][]string
	if json.Unmarshal(raw, &many) == nil {
		return cleanFieldErrors(many)
	}
	var one map[string]string
	if json.Unmarshal(raw, &one) == nil {
		many = make(map[string][]string, len(one))
		for k, v := range one {
			many[k] = []string{v}
		}
		return cleanFieldErrors(many)
	}
	return nil
}

func cleanFieldErrors(m map[string][]string) map[string][]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, msgs := range m {
		for _, msg := range msgs {
			out[clean(k)] = append(out[clean(k)], readable(msg))
		}
	}
	return out
}

// headerTraceID finds a trace id in the usual response headers, for bodies without traceId.
func headerTraceID(h http.Header) string {
	for _, k := range []string{"X-Trace-Id", "Trace-Id", "X-Request-Id", "Request-Id", "X-Correlation-Id"} {
		if v := h.Get(k); v != "" {
			return readable(v)
		}
	}
	return ""
}

// snippet turns a non-JSON error body into at most maxSnippet bytes of plain, single-line text
// (HTML tags removed), so a proxy's error page does not flood the message.
func snippet(body []byte, contentType string) string {
	s := strings.ToValidUTF8(string(body), "")
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || strings.HasPrefix(strings.TrimSpace(s), "<") {
		s = stripTags(s)
	}
	s = readable(s)
	if len(s) <= maxSnippet {
		return s
	}
	cut := maxSnippet
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// clean collapses whitespace and drops control characters so server text stays on one line.
// readable is server text as a person reads it: JSON \uXXXX escapes and HTML character
// references decoded, whitespace collapsed. Decoding also lets redaction find a secret that any
// encoder escaped, rather than only the forms it knows.
func readable(s string) string {
	return clean(html.UnescapeString(decodeUnicodeEscapes(s)))
}

// decodeUnicodeEscapes decodes \uXXXX escapes (surrogate pairs joined) and \/ in text that holds
// JSON-escaped fragments outside a JSON document, such as a plain-text echo of a request body.
func decodeUnicodeEscapes(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		if s[i+1] == '/' {
			b.WriteByte('/')
			i += 2
			continue
		}
		r, n := unicodeEscapeAt(s, i)
		if n == 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		if utf16.IsSurrogate(r) {
			if lo, m := unicodeEscapeAt(s, i+n); m > 0 {
				if joined := utf16.DecodeRune(r, lo); joined != unicode.ReplacementChar {
					b.WriteRune(joined)
					i += n + m
					continue
				}
			}
		}
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// unicodeEscapeAt reads a \uXXXX escape at s[i:], returning its code unit and length (0 if none).
func unicodeEscapeAt(s string, i int) (rune, int) {
	if i+6 > len(s) || s[i] != '\\' || s[i+1] != 'u' {
		return 0, 0
	}
	v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
	if err != nil {
		return 0, 0
	}
	return rune(v), 6
}

func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrapf prefixes an error with the call it belongs to.
func wrapf(method, path string, err error) error {
	return fmt.Errorf("%s %s: %w", method, path, err)
}
