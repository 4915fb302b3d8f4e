package mockserver

import (
	"net/http/httptest"
	"testing"
)

// TestServer is a mock served by an httptest.Server for the length of a test.
type TestServer struct {
	*Server
	// URL is the API base URL (the provider's endpoint); paths start with /v1.
	URL string
	// TokenURL is URL + "/connect/token".
	TokenURL string
}

// NewTestServer starts a mock with control endpoints enabled; opts may change
// the Options. The server is closed through t.Cleanup.
func NewTestServer(t testing.TB, opts ...func(*Options)) *TestServer {
	t.Helper()
	o := Options{EnableControl: true}
	for _, f := range opts {
		f(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("mockserver.New: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Errorf("mockserver.Close: %v", err)
		}
	})
	return &TestServer{Server: s, URL: hs.URL, TokenURL: hs.URL + "/connect/token"}
}
