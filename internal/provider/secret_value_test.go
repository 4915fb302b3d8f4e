package provider

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestUnitGenerateSecretValue(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 2000
	for range n {
		v, err := generateSecretValue()
		if err != nil {
			t.Fatalf("generateSecretValue: %v", err)
		}
		if len(v) != generatedSecretLength {
			t.Fatalf("length = %d, want %d", len(v), generatedSecretLength)
		}
		if err := checkSecretValueLength("value", v); err != nil {
			t.Fatalf("generated value fails the API's length rule: %v", err)
		}
		for _, c := range v {
			if !strings.ContainsRune(secretValueAlphabet, c) {
				t.Fatalf("character %q is outside the alphabet", c)
			}
			counts[c]++
		}
		if seen[v] {
			t.Fatalf("value repeated after %d draws", len(seen))
		}
		seen[v] = true
	}
	if len(secretValueAlphabet) < 62 {
		t.Fatalf("alphabet has %d characters, want at least 62", len(secretValueAlphabet))
	}
	// 64000 characters over 62 symbols: about 1032 each. A symbol that never or rarely appears
	// would mean a broken draw, not bad luck (the bounds are more than 10 standard deviations out).
	for _, c := range secretValueAlphabet {
		if counts[c] < 700 || counts[c] > 1400 {
			t.Errorf("character %q drawn %d times, want about %d", c, counts[c], n*generatedSecretLength/len(secretValueAlphabet))
		}
	}
}

func TestUnitRandomString(t *testing.T) {
	t.Parallel()
	// Bytes 248..255 lie beyond the largest multiple of 62 (248) and must be skipped, not folded
	// onto the first characters of the alphabet.
	src := bytes.NewReader([]byte{248, 255, 0, 61, 62, 247, 250, 1, 0, 0, 0, 0})
	got, err := randomString(src, 5, secretValueAlphabet)
	if err != nil {
		t.Fatal(err)
	}
	if want := "A9A9B"; got != want {
		t.Errorf("randomString = %q, want %q", got, want)
	}

	if _, err := randomString(bytes.NewReader(nil), 4, secretValueAlphabet); err == nil {
		t.Error("want an error when the random source is exhausted")
	}
	if _, err := randomString(errReader{}, 4, secretValueAlphabet); err == nil || !strings.Contains(err.Error(), "reading random bytes") {
		t.Errorf("want a wrapped read error, got %v", err)
	}
	if _, err := randomString(bytes.NewReader(make([]byte, 10)), 1, ""); err == nil {
		t.Error("want an error for an empty alphabet")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }
