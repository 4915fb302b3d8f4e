package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxBodyBytes bounds request bodies; nothing in the contract comes close.
const maxBodyBytes = 1 << 20

// fieldErrors is the `errors` map of a validation problem (field -> messages).
type fieldErrors map[string][]string

func (e fieldErrors) add(field, format string, args ...any) {
	e[field] = append(e[field], fmt.Sprintf(format, args...))
}

// first is one of the messages, the same every time: the first of the first field by name.
func (e fieldErrors) first() string {
	for _, f := range sortedKeys(e) {
		if len(e[f]) > 0 {
			return e[f][0]
		}
	}
	return ""
}

// bodyTooLarge is the API's rule for a request body over maxBodyBytes, which the token endpoint
// states too.
var bodyTooLarge = fmt.Sprintf("request body must be at most %d bytes", maxBodyBytes)

// decodeJSON decodes one JSON value from body into dst. It returns field
// errors (never nil on failure) that name what is wrong, keyed by the JSON
// field or "" when the body as a whole is bad. Unknown fields are ignored,
// as ASP.NET services do.
func decodeJSON(body io.Reader, dst any) fieldErrors {
	data, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return fieldErrors{"": {"request body could not be read"}}
	}
	if len(data) > maxBodyBytes {
		return fieldErrors{"": {bodyTooLarge}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fieldErrors{"": {"request body is required"}}
	}
	// encoding/json would take invalid UTF-8 and store U+FFFD in its place: a value other than
	// the one sent, which System.Text.Json (the real service's) refuses.
	if !utf8.Valid(data) {
		return fieldErrors{"": {"request body is not valid UTF-8"}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// te.Type is the element's type when an array holds a wrong item; name the field's.
			kind := te.Type.String()
			if declared := fieldType(dst, te.Field); declared != "" {
				kind = declared
			}
			return fieldErrors{te.Field: {fmt.Sprintf("%s must be %s", te.Field, jsonKind(kind))}}
		}
		if errors.As(err, &te) {
			return fieldErrors{"": {"request body must be a JSON object"}}
		}
		return fieldErrors{"": {"request body is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}}
	}
	if dec.More() {
		return fieldErrors{"": {"request body must contain a single JSON object"}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return fieldErrors{"": {"request body must contain a single JSON object"}}
	}
	return nil
}

// fieldType is the Go type of the field of struct *dst that JSON name field decodes into, or ""
// when there is none (a nested field, or dst not a struct).
func fieldType(dst any, field string) string {
	for name, typ := range jsonFields(dst) {
		if name == field {
			return typ.String()
		}
	}
	return ""
}

// jsonFields yields the JSON name and Go type of each field of struct *dst (nothing when dst is
// not a struct).
func jsonFields(dst any) iter.Seq2[string, reflect.Type] {
	return func(yield func(string, reflect.Type) bool) {
		t := reflect.TypeOf(dst)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if !yield(name, t.Field(i).Type) {
				return
			}
		}
	}
}

// jsonKind names a Go type the way an API user thinks of JSON values.
func jsonKind(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "a string"
	case strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]"):
		return "an array of strings"
	case strings.Contains(goType, "int"):
		return "an integer in range, written without a fraction or exponent (such as 250)"
	case strings.Contains(goType, "float"):
		return "a number"
	case goType == "bool" || goType == "*bool":
		return "a boolean"
	}
	return "a JSON object"
}

// runeLen counts Unicode code points, which is how the contract measures lengths.
func runeLen(s string) int { return len([]rune(s)) }

// sortedKeys returns the keys of m in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// foldCase maps every rune to the least rune of its case-folding orbit, so two strings equal
// under strings.EqualFold fold alike and a case-insensitive substring search is a plain
// strings.Contains of folded strings. Lower-casing is not enough: "ΟΔΟΣ" lowers to "οδοσ",
// which does not contain "οδος" (final sigma).
func foldCase(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return strings.ToUpper(s) // the least of an ASCII letter's orbit is its upper case
	}
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}

// unknownField returns the first member (in name order) of the JSON object data that dst has no
// field for, or "" when there is none (or data does not decode, which decodeJSON reports). Names
// must match exactly: encoding/json would take "readlagMs" for readLagMs, but a name the mock
// documents one way is not to be written another.
func unknownField(data []byte, dst any) string {
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return ""
	}
	for _, k := range sortedKeys(members) {
		if fieldType(dst, k) == "" {
			return k
		}
	}
	return ""
}

// jsonFieldLike is the JSON name of a field of struct *dst that name spells with other case, or "".
func jsonFieldLike(dst any, name string) string {
	for field := range jsonFields(dst) {
		if strings.EqualFold(field, name) {
			return field
		}
	}
	return ""
}
