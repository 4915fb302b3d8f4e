package mockserver

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
)

// response is what a route handler returns. Handlers never write to the
// http.ResponseWriter themselves, so the fault layer can still swap a
// committed success for a 502 (CommitThenFailRate) and stats see the status.
type response struct {
	status int
	header http.Header
	body   any // nil = no body; problem bodies are *problem
}

// problem is an RFC 7807 body (CONTRACT.md §2).
type problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail,omitempty"`
	Instance string              `json:"instance,omitempty"`
	TraceID  string              `json:"traceId"`
	Errors   map[string][]string `json:"errors,omitempty"`
}

// problemTypes follows the RFC 9110 section links ASP.NET Core uses, which is
// what the real Aritma API (an ASP.NET service) answers with.
var problemTypes = map[int]string{
	400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
	401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
	403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
	404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
	405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
	409: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
	415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
	429: "https://tools.ietf.org/html/rfc6585#section-4",
	500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
	502: "https://tools.ietf.org/html/rfc9110#section-15.6.3",
	503: "https://tools.ietf.org/html/rfc9110#section-15.6.4",
}

// validationTitle is the title of every 400 with field errors.
const validationTitle = "One or more validation errors occurred."

func newTraceID() string {
	var b [24]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-00"
}

// problemResp builds a problem response for status with a detail text.
func problemResp(r *http.Request, status int, detail string) response {
	return response{status: status, body: newProblem(r, status, detail)}
}

func newProblem(r *http.Request, status int, detail string) *problem {
	return &problem{
		Type:     problemTypes[status],
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   detail,
		Instance: r.URL.Path,
		TraceID:  newTraceID(),
	}
}

// invalid builds a 400 validation problem from field errors.
func invalid(r *http.Request, errs fieldErrors) response {
	p := newProblem(r, http.StatusBadRequest, "See the errors property for details.")
	p.Title = validationTitle
	p.Errors = errs
	return response{status: http.StatusBadRequest, body: p}
}

func notFound(r *http.Request, what string) response {
	return problemResp(r, http.StatusNotFound, what)
}

func conflict(r *http.Request, what string) response {
	return problemResp(r, http.StatusConflict, what)
}

func jsonResp(status int, body any) response { return response{status: status, body: body} }

func noContent() response { return response{status: http.StatusNoContent} }

// rawJSON is a response body that is already encoded. encoding/json would
// re-validate (compact) a json.RawMessage byte by byte, which dominated the
// cost of subject lists.
type rawJSON []byte

// marshalJSON encodes v like responses are encoded (no HTML escaping).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// bufPool recycles encode buffers; list responses are tens of kilobytes.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// write sends resp. Problem bodies get application/problem+json.
func write(w http.ResponseWriter, resp response) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.body == nil {
		w.WriteHeader(resp.status)
		return
	}
	if raw, ok := resp.body.(rawJSON); ok {
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(len(raw)))
		w.WriteHeader(resp.status)
		_, _ = w.Write(raw)
		return
	}
	buf := bufPool.Get().(*bytes.Buffer) //nolint:forcetypeassert // the pool only holds buffers
	defer func() {
		if buf.Cap() <= 1<<20 { // do not pin the odd huge buffer
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // keep "&" in paging links readable
	if err := enc.Encode(resp.body); err != nil {
		// Only our own wire structs get here, so this is a programming error.
		http.Error(w, "mockserver: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if _, ok := resp.body.(*problem); ok {
		h.Set("Content-Type", "application/problem+json")
	} else if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(b) // a client that went away cannot be told anything
}
