package iam

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ClientRequest is the body of creating or (fully) replacing an OAuth client.
type ClientRequest struct {
	Name              string
	Description       string
	AllowedGrantTypes []string
	RedirectURIs      []string
	AllowedScopes     []string
}

// OAuthClient is an OAuth 2.0 client. Lists fill only ClientID, Name and Description.
type OAuthClient struct {
	ClientID          string   `json:"clientId"`
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	AllowedGrantTypes []string `json:"allowedGrantTypes"`
	RedirectURIs      []string `json:"redirectUris"`
	AllowedScopes     []string `json:"allowedScopes"`

	// Omitted names, by their wire names ("allowedScopes"), the fields GetClient's answer left
	// out; their values above are empty because the API did not say, not because they are. The
	// API's GET answer is not documented (CONTRACT.md §3 infers ClientDetailsDto), so a reader
	// must not take a short ClientDto for a client whose lists were emptied.
	Omitted []string `json:"-"`
}

// ListClientsOptions filters and sizes ListClients.
type ListClientsOptions struct {
	SearchText string // case-insensitive substring of the name; "" = all
	PageSize   int    // 0 = 100 (the maximum)
}

// clientBody is the wire form of ClientRequest: the API requires all five fields, so nil slices
// must go out as [] rather than null.
type clientBody struct {
	Name              string   `json:"name"`
	Description       string   `json:"description"`
	AllowedGrantTypes []string `json:"allowedGrantTypes"`
	RedirectURIs      []string `json:"redirectUris"`
	AllowedScopes     []string `json:"allowedScopes"`
}

func newClientBody(r ClientRequest) clientBody {
	return clientBody{
		Name:              r.Name,
		Description:       r.Description,
		AllowedGrantTypes: orEmpty(r.AllowedGrantTypes),
		RedirectURIs:      orEmpty(r.RedirectURIs),
		AllowedScopes:     orEmpty(r.AllowedScopes),
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// clientAnswer is the wire form of a create or update answer. The API may answer with the short
// ClientDto ({clientId, name, description}) or no body at all; pointers and nil slices tell a
// field it left out from one it sent empty.
type clientAnswer struct {
	ClientID          string   `json:"clientId"`
	Name              *string  `json:"name"`
	Description       *string  `json:"description"`
	AllowedGrantTypes []string `json:"allowedGrantTypes"`
	RedirectURIs      []string `json:"redirectUris"`
	AllowedScopes     []string `json:"allowedScopes"`

	// keys are the names of the fields the answer had, null or not.
	keys []string
}

func (a *clientAnswer) UnmarshalJSON(b []byte) error {
	type fields clientAnswer // without this method
	if err := json.Unmarshal(b, (*fields)(a)); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	a.keys = slices.Collect(maps.Keys(raw))
	return nil
}

// client is the answer as an OAuthClient, each field the answer left out taken from the request,
// which the server applied as a whole: the caller sees what exists, never an empty list that
// only means "not in this answer".
func (a clientAnswer) client(r ClientRequest) *OAuthClient {
	or := func(answer, request []string) []string {
		if answer != nil {
			return answer
		}
		return orEmpty(request)
	}
	c := &OAuthClient{
		ClientID:          a.ClientID,
		Name:              r.Name,
		Description:       r.Description,
		AllowedGrantTypes: or(a.AllowedGrantTypes, r.AllowedGrantTypes),
		RedirectURIs:      or(a.RedirectURIs, r.RedirectURIs),
		AllowedScopes:     or(a.AllowedScopes, r.AllowedScopes),
	}
	if a.Name != nil {
		c.Name = *a.Name
	}
	if a.Description != nil {
		c.Description = *a.Description
	}
	return c
}

// omitted lists, by wire name, the fields the answer left out. A field sent as null is not left
// out: the API said it holds nothing.
func (a clientAnswer) omitted() []string {
	var out []string
	for _, name := range []string{"name", "description", "allowedGrantTypes", "redirectUris", "allowedScopes"} {
		// encoding/json matches keys ignoring case; so does this.
		if !slices.ContainsFunc(a.keys, func(k string) bool { return strings.EqualFold(k, name) }) {
			out = append(out, name)
		}
	}
	return out
}

// CreateClient creates an OAuth client. It is not retried once the request may have reached the
// server; such a failure wraps ErrOutcomeUnknown. 200 and 201 are both success, and the id is
// taken from the Location header when the body lacks it.
func (c *Client) CreateClient(ctx context.Context, req ClientRequest) (*OAuthClient, error) {
	var out clientAnswer
	res, err := c.call(ctx, request{method: http.MethodPost, path: "/v1/clients", body: newClientBody(req), mode: retryCreate}, &out)
	if err != nil {
		// A success whose body could not be read (it broke off, or was no JSON) still made the
		// client, and its Location says which: the client is as sent.
		if res != nil && res.status/100 == 2 && errors.Is(err, ErrOutcomeUnknown) {
			if id := idFromLocation(res.header, "v1", "clients"); id != "" {
				return clientAnswer{ClientID: id}.client(req), nil
			}
		}
		return nil, err
	}
	if out.ClientID == "" {
		out.ClientID = idFromLocation(res.header, "v1", "clients")
	}
	if out.ClientID == "" {
		return nil, &outcomeUnknownError{errors.New("POST /v1/clients: the server created the client but sent neither a clientId nor a Location header")}
	}
	return out.client(req), nil
}

// GetClient reads one client with its grant types, redirect URIs and scopes. Fields the answer
// leaves out are named in Omitted; a field sent as null is empty.
func (c *Client) GetClient(ctx context.Context, clientID string) (*OAuthClient, error) {
	if err := nonEmpty("GetClient", "client ID", clientID); err != nil {
		return nil, err
	}
	var out clientAnswer
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/v1/clients/" + seg(clientID)}, &out); err != nil {
		return nil, err
	}
	if out.ClientID == "" {
		out.ClientID = clientID
	}
	got := out.client(ClientRequest{})
	got.Omitted = out.omitted()
	return got, nil
}

// UpdateClient replaces every field of a client.
func (c *Client) UpdateClient(ctx context.Context, clientID string, req ClientRequest) (*OAuthClient, error) {
	if err := nonEmpty("UpdateClient", "client ID", clientID); err != nil {
		return nil, err
	}
	var out clientAnswer
	if _, err := c.call(ctx, request{method: http.MethodPut, path: "/v1/clients/" + seg(clientID), body: newClientBody(req)}, &out); err != nil {
		return nil, err
	}
	if out.ClientID == "" {
		out.ClientID = clientID
	}
	return out.client(req), nil
}

// DeleteClient deletes a client with its secrets, policies and memberships.
func (c *Client) DeleteClient(ctx context.Context, clientID string) error {
	if err := nonEmpty("DeleteClient", "client ID", clientID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/v1/clients/" + seg(clientID)}, nil)
	return err
}

// ListClients iterates over all clients (every page), optionally filtered by name.
func (c *Client) ListClients(ctx context.Context, opts ListClientsOptions) iter.Seq2[OAuthClient, error] {
	size := opts.PageSize
	if size <= 0 || size > maxPageSizeA {
		size = maxPageSizeA
	}
	q := url.Values{}
	if opts.SearchText != "" {
		q.Set("searchText", opts.SearchText)
	}
	return listA(ctx, c, "/v1/clients", q, size, same[OAuthClient])
}

// ProbeAPI asks the client list for one entry to learn whether the endpoint serves the IAM API
// at all. It returns ErrNotFound when the list route itself answers 404 (the endpoint lacks the
// API's base path, or is another service); any other answer of the server, a 403 for a caller
// that may not list clients included, proves the route exists and returns nil. Only a failure
// without an HTTP answer (network, timeout) is returned as such.
func (c *Client) ProbeAPI(ctx context.Context) error {
	q := url.Values{"page": {"1"}, "pageSize": {"1"}}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/v1/clients", query: q, mode: retryIdempotent}, nil)
	var apiErr *APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound:
		return err
	case errors.As(err, &apiErr):
		return nil
	}
	return err
}
