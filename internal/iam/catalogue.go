package iam

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Action is an entry of the action catalogue; granting an action grants its descendants.
type Action struct {
	Name        string `json:"name"`
	Parent      string `json:"parent"`
	Description string `json:"description"`
}

// OAuthScope is an OAuth scope a client may be allowed to request.
type OAuthScope struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ListActions returns the whole action catalogue.
func (c *Client) ListActions(ctx context.Context) ([]Action, error) {
	return listPlain[Action](ctx, c, "/v1/actions")
}

// ListScopes returns the OAuth scopes the server knows.
func (c *Client) ListScopes(ctx context.Context) ([]OAuthScope, error) {
	return listPlain[OAuthScope](ctx, c, "/v1/scopes")
}

// listPlain reads a catalogue answered as a bare JSON array. In case the real service wraps it
// in one of the two paging envelopes, it then reads that list again page by page, so a wrapped
// catalogue is never cut to its first page.
func listPlain[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var raw json.RawMessage
	if _, err := c.call(ctx, request{method: http.MethodGet, path: path}, &raw); err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		var out []T
		if err := json.Unmarshal(raw, &out); err != nil && len(raw) > 0 {
			return nil, fmt.Errorf("GET %s: decoding response: %w", path, err)
		}
		return out, nil
	}
	var probe struct {
		Items json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("GET %s: decoding response: %w", path, err)
	}
	// An envelope that says nothing of more pages is the whole catalogue; only one that does is
	// read again, page by page.
	var first envelope[T] = &envelopeB[T]{}
	pages := listB[T, T](ctx, c, path, nil, same)
	if probe.Items != nil {
		first = &envelopeA[T]{}
		pages = listA[T, T](ctx, c, path, nil, maxPageSizeA, same)
	}
	if err := json.Unmarshal(raw, first); err != nil {
		return nil, fmt.Errorf("GET %s: decoding response: %w", path, err)
	}
	if n := len(first.entries()); first.last(1, n, n+1) {
		return append([]T{}, first.entries()...), nil
	}
	out := []T{}
	for v, err := range pages {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
