package iam

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// Policy grants Action to Subject on Scope. The triple is its identity; Tenant is set by the
// server from the caller's token.
type Policy struct {
	Subject string `json:"subject"`
	Scope   string `json:"scope"`
	Action  string `json:"action"`
	Tenant  string `json:"tenant"`
}

// PolicyFilter selects policies by exact match; empty fields do not filter.
type PolicyFilter struct {
	Subject string
	Scope   string
	Action  string
}

// Matches reports whether p passes the filter: every field that is set equals p's. The server's
// filters are exact (CONTRACT.md §5); callers apply them again, so that a server that ignores one
// cannot put another subject's grant into an answer.
func (f PolicyFilter) Matches(p Policy) bool {
	return (f.Subject == "" || f.Subject == p.Subject) && (f.Action == "" || f.Action == p.Action) &&
		(f.Scope == "" || f.Scope == p.Scope)
}

type policyBody struct {
	Subject string `json:"subject"`
	Scope   string `json:"scope"`
	Action  string `json:"action"`
}

// CreatePolicy grants a policy. Because the triple is the identity, a repeat cannot duplicate it,
// so unlike other creates it is retried on 5xx and timeouts; when such a retry answers 409 the
// first attempt evidently succeeded and the existing policy is returned.
func (c *Client) CreatePolicy(ctx context.Context, p Policy) (*Policy, error) {
	if err := nonEmpty("CreatePolicy", "subject", p.Subject, "action", p.Action, "scope", p.Scope); err != nil {
		return nil, err
	}
	var out Policy
	res, err := c.call(ctx, request{
		method: http.MethodPost, path: "/v1/policies",
		body: policyBody{Subject: p.Subject, Scope: p.Scope, Action: p.Action},
		mode: retryIdentityCreate,
	}, &out)
	if err != nil {
		if res != nil && res.retried && errors.Is(err, ErrConflict) {
			if got, gerr := c.GetPolicy(ctx, p.Subject, p.Action, p.Scope); gerr == nil {
				return got, nil
			}
			// The 409 proves the policy exists; the read only adds its tenant, and one that lags
			// or fails must not turn a grant that exists into a failed create.
			return &Policy{Subject: p.Subject, Scope: p.Scope, Action: p.Action, Tenant: p.Tenant}, nil
		}
		return nil, err
	}
	if out.Subject == "" && out.Scope == "" && out.Action == "" {
		// 200 without a body: the triple is all there is to echo.
		out.Subject, out.Scope, out.Action = p.Subject, p.Scope, p.Action
	}
	return &out, nil
}

// GetPolicy looks a policy up by its triple, using the list with all three filters.
func (c *Client) GetPolicy(ctx context.Context, subject, action, scope string) (*Policy, error) {
	if err := nonEmpty("GetPolicy", "subject", subject, "action", action, "scope", scope); err != nil {
		return nil, err
	}
	f := PolicyFilter{Subject: subject, Scope: scope, Action: action}
	for p, err := range c.ListPolicies(ctx, f) {
		if err != nil {
			return nil, err
		}
		// Compared again, so a server ignoring a filter cannot make us adopt the wrong policy.
		if f.Matches(p) {
			return &p, nil
		}
	}
	return nil, fmt.Errorf("policy (subject %q, action %q, scope %q): %w", subject, action, scope, ErrNotFound)
}

// ListPolicies iterates over all policies matching f.
func (c *Client) ListPolicies(ctx context.Context, f PolicyFilter) iter.Seq2[Policy, error] {
	q := url.Values{}
	q.Set("subject", f.Subject)
	q.Set("scope", f.Scope)
	q.Set("action", f.Action)
	return listB(ctx, c, "/v1/policies", q, same[Policy])
}

// DeletePolicy revokes a policy. A 404 after a retried attempt counts as success.
func (c *Client) DeletePolicy(ctx context.Context, subject, action, scope string) error {
	if err := nonEmpty("DeletePolicy", "subject", subject, "action", action, "scope", scope); err != nil {
		return err
	}
	q := url.Values{}
	q.Set("subject", subject)
	q.Set("scope", scope)
	q.Set("action", action)
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/v1/policies", query: q}, nil)
	return err
}
