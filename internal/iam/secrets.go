package iam

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// SecretRequest creates a client secret. The caller chooses the value (8..32 characters).
type SecretRequest struct {
	Value       string
	Description string
	Expiration  *time.Time // nil = never expires
}

// ClientSecret is a secret of a client. Value is set only in the answer to its creation: the API
// never returns it again.
type ClientSecret struct {
	ClientSecretID string     `json:"clientSecretId"`
	ClientID       string     `json:"clientId"`
	Description    string     `json:"description"`
	Expiration     *time.Time `json:"expiration"`
	Created        time.Time  `json:"created"`
	Value          string     `json:"value"`
}

// secretAnswer is the wire form of a create answer: pointers tell a description or expiration the
// answer left out (or sent as null) from one it sent.
type secretAnswer struct {
	ClientSecret
	Description *string    `json:"description"`
	Expiration  *time.Time `json:"expiration"`
}

type secretBody struct {
	Value       string  `json:"value"`
	Description string  `json:"description"`
	Expiration  *string `json:"expiration,omitempty"`
}

// LatestExpiration is the last instant the API can be sent or answer: it writes timestamps in UTC
// (CONTRACT.md §2), and RFC 3339 has four digits for the year.
var LatestExpiration = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// CreateClientSecret adds a secret to a client. Like CreateClient it is not retried once the
// request may have reached the server (ErrOutcomeUnknown). Server messages are scrubbed of the
// value in case one echoes it.
func (c *Client) CreateClientSecret(ctx context.Context, clientID string, req SecretRequest) (*ClientSecret, error) {
	if err := nonEmpty("CreateClientSecret", "client ID", clientID); err != nil {
		return nil, err
	}
	body := secretBody{Value: req.Value, Description: req.Description}
	if req.Expiration != nil && req.Expiration.After(LatestExpiration) {
		return nil, fmt.Errorf("CreateClientSecret: expiration %s is later than %s, the last instant RFC 3339 writes in UTC", req.Expiration.Format(time.RFC3339Nano), LatestExpiration.Format(time.RFC3339))
	}
	if req.Expiration != nil {
		// A fraction of a second is kept (RFC3339Nano writes none for a whole second): cut off, the
		// secret would stop working up to a second before the instant configured.
		s := req.Expiration.UTC().Format(time.RFC3339Nano)
		body.Expiration = &s
	}
	var answer secretAnswer
	res, err := c.call(ctx, request{method: http.MethodPost, path: "/v1/clients/" + seg(clientID) + "/secrets", body: body,
		mode: retryCreate, secrets: []string{req.Value}}, &answer)
	if err != nil {
		// As for a client: a success whose body could not be read (it broke off, or was no JSON)
		// still made the secret, and a Location naming it says which. The rest is what was sent.
		if res == nil || res.status/100 != 2 || !errors.Is(err, ErrOutcomeUnknown) ||
			idFromLocation(res.header, "v1", "clients", clientID, "secrets") == "" {
			return nil, err
		}
		answer = secretAnswer{} // a body that broke off is no one's word
	}
	// What the answer leaves out is what was asked for: the server applied the request as a whole.
	out := answer.ClientSecret
	out.Description, out.Expiration = req.Description, req.Expiration
	if answer.Description != nil {
		out.Description = *answer.Description
	}
	if answer.Expiration != nil {
		out.Expiration = answer.Expiration
	}
	if out.ClientSecretID == "" {
		out.ClientSecretID = idFromLocation(res.header, "v1", "clients", clientID, "secrets")
	}
	if out.ClientSecretID == "" {
		return nil, &outcomeUnknownError{fmt.Errorf("POST /v1/clients/%s/secrets: the server created the secret but sent no clientSecretId", seg(clientID))}
	}
	if out.ClientID == "" {
		out.ClientID = clientID
	}
	if out.Value == "" {
		out.Value = req.Value // chosen by the caller, so known even if the answer omits it
	}
	return &out, nil
}

// ListClientSecrets iterates over all secrets of a client (never their values).
func (c *Client) ListClientSecrets(ctx context.Context, clientID string) iter.Seq2[ClientSecret, error] {
	if err := nonEmpty("ListClientSecrets", "client ID", clientID); err != nil {
		return errSeq[ClientSecret](err)
	}
	return listA(ctx, c, "/v1/clients/"+seg(clientID)+"/secrets", nil, maxPageSizeA, same[ClientSecret])
}

// GetClientSecret finds one secret by paging through the list, as the API has no "get one".
// It returns ErrNotFound when the client or the secret does not exist.
func (c *Client) GetClientSecret(ctx context.Context, clientID, secretID string) (*ClientSecret, error) {
	if err := nonEmpty("GetClientSecret", "client ID", clientID, "secret ID", secretID); err != nil {
		return nil, err
	}
	for s, err := range c.ListClientSecrets(ctx, clientID) {
		if err != nil {
			return nil, err
		}
		if s.ClientSecretID == secretID {
			return secretOf(s, clientID), nil
		}
	}
	return nil, c.secretNotFound(clientID, secretID)
}

// ClientSecretIn is GetClientSecret over secrets, a list of client clientID's secrets read
// before: the secret, or ErrNotFound as GetClientSecret words it.
func (c *Client) ClientSecretIn(secrets []ClientSecret, clientID, secretID string) (*ClientSecret, error) {
	for _, s := range secrets {
		if s.ClientSecretID == secretID {
			return secretOf(s, clientID), nil
		}
	}
	return nil, c.secretNotFound(clientID, secretID)
}

// secretOf is s as a secret of client clientID, which its list entry may leave out.
func secretOf(s ClientSecret, clientID string) *ClientSecret {
	if s.ClientID == "" {
		s.ClientID = clientID
	}
	return &s
}

func (c *Client) secretNotFound(clientID, secretID string) error {
	// Ids are the caller's: redacted, in case a credential was given as one by mistake.
	return fmt.Errorf("%s: %w", Redact(fmt.Sprintf("client secret %q of client %q", secretID, clientID), c.credentials...), ErrNotFound)
}

// DeleteClientSecret deletes one secret; tokens already issued with it stay valid until expiry.
func (c *Client) DeleteClientSecret(ctx context.Context, clientID, secretID string) error {
	if err := nonEmpty("DeleteClientSecret", "client ID", clientID, "secret ID", secretID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/v1/clients/" + seg(clientID) + "/secrets/" + seg(secretID)}, nil)
	return err
}

// errSeq is an iterator that yields only err.
func errSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}
