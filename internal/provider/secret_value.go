package provider

import (
	"crypto/rand"
	"fmt"
	"io"
)

// secretValueAlphabet holds the characters of a generated client secret: the 62 ASCII letters
// and digits. They survive every transport a secret travels through (form encoding, HTTP Basic,
// environment variables, shell quoting) without escaping.
const secretValueAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// generatedSecretLength is the length of a generated client secret: the API's maximum, which
// gives 32 × log2(62) ≈ 190 bits of entropy.
const generatedSecretLength = 32

// generateSecretValue returns a new client secret of generatedSecretLength characters drawn
// uniformly from secretValueAlphabet with crypto/rand.
func generateSecretValue() (string, error) {
	return randomString(rand.Reader, generatedSecretLength, secretValueAlphabet)
}

// randomString draws n characters uniformly from alphabet (at most 256 single-byte characters)
// using random bytes from r. Bytes at or above the largest multiple of len(alphabet) are
// rejected so that no character is more likely than another (no modulo bias).
func randomString(r io.Reader, n int, alphabet string) (string, error) {
	if len(alphabet) == 0 || len(alphabet) > 256 {
		return "", fmt.Errorf("alphabet must hold 1 to 256 characters, got %d", len(alphabet))
	}
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}
