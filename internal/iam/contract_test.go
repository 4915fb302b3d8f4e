package iam_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

// Contract tests: the client against the real mock, which has its own wire structs, so a JSON tag
// mistake on either side shows up here.

func newMock(t *testing.T) (*mockserver.TestServer, *iam.Client) {
	t.Helper()
	ts := mockserver.NewTestServer(t)
	return ts, apiClient(t, ts, ts.AdminClientID(), ts.AdminClientSecret())
}

func apiClient(t *testing.T, ts *mockserver.TestServer, id, secret string, mods ...func(*iam.Config)) *iam.Client {
	t.Helper()
	cfg := iam.Config{
		Endpoint:       ts.URL,
		TokenURL:       ts.TokenURL,
		ClientID:       id,
		ClientSecret:   secret,
		Version:        "contract",
		RequestTimeout: 5 * time.Second,
		RetryWaitMin:   2 * time.Millisecond,
		RetryWaitMax:   20 * time.Millisecond,
		RetryAfterMax:  20 * time.Millisecond,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := iam.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func serviceClient(name string) iam.ClientRequest {
	return iam.ClientRequest{Name: name, Description: "contract test", AllowedGrantTypes: []string{"client_credentials"},
		AllowedScopes: []string{"services.iam"}}
}

// wantStatus asserts that err is an *APIError with the status that matches sentinel.
func wantStatus(t *testing.T, err error, sentinel error, status int) {
	t.Helper()
	_ = wantAPIError(t, err, sentinel, status)
}

// wantAPIError asserts an *APIError with the status and sentinel and returns it.
func wantAPIError(t *testing.T, err error, sentinel error, status int) *iam.APIError {
	t.Helper()
	var apiErr *iam.APIError
	if !errors.Is(err, sentinel) || !errors.As(err, &apiErr) || apiErr.StatusCode != status {
		t.Fatalf("want %d (%v), got %v", status, sentinel, err)
	}
	return apiErr
}

func TestContract_clients(t *testing.T) {
	t.Parallel()
	_, c := newMock(t)
	ctx := ctxFor(t)

	created, err := c.CreateClient(ctx, serviceClient("billing-service"))
	if err != nil {
		t.Fatal(err)
	}
	if created.ClientID == "" || created.Name != "billing-service" || created.AllowedScopes[0] != "services.iam" {
		t.Fatalf("created %+v", created)
	}
	got, err := c.GetClient(ctx, created.ClientID)
	if err != nil || got.Name != "billing-service" || len(got.RedirectURIs) != 0 || got.AllowedGrantTypes[0] != "client_credentials" {
		t.Fatalf("GetClient = %+v, %v", got, err)
	}
	upd := iam.ClientRequest{Name: "billing-web", Description: "d2", AllowedGrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectURIs: []string{"https://app.example/cb"}, AllowedScopes: []string{"api"}}
	updated, err := c.UpdateClient(ctx, created.ClientID, upd)
	if err != nil || updated.Name != "billing-web" || updated.RedirectURIs[0] != "https://app.example/cb" {
		t.Fatalf("UpdateClient = %+v, %v", updated, err)
	}
	list := collect(t, c.ListClients(ctx, iam.ListClientsOptions{SearchText: "BILLING"}))
	if len(list) != 1 || list[0].ClientID != created.ClientID || list[0].Description != "d2" {
		t.Fatalf("ListClients(search) = %+v", list)
	}

	// Failures.
	_, err = c.CreateClient(ctx, iam.ClientRequest{Name: "", AllowedGrantTypes: []string{"password"}})
	apiErr := wantAPIError(t, err, iam.ErrValidation, 400)
	if len(apiErr.FieldErrors["allowedGrantTypes"]) == 0 || len(apiErr.FieldErrors["name"]) == 0 || apiErr.TraceID == "" {
		t.Fatalf("field errors %+v, trace id %q", apiErr.FieldErrors, apiErr.TraceID)
	}
	if !strings.Contains(err.Error(), "allowedGrantTypes: ") || !strings.Contains(err.Error(), "(trace id ") {
		t.Fatalf("error text %q", err)
	}
	_, err = c.UpdateClient(ctx, created.ClientID, iam.ClientRequest{Name: "x", AllowedGrantTypes: []string{"client_credentials"},
		RedirectURIs: []string{"http://evil.example/cb"}})
	if apiErr := wantAPIError(t, err, iam.ErrValidation, 400); len(apiErr.FieldErrors["redirectUris"]) == 0 {
		t.Fatalf("field errors %+v", apiErr.FieldErrors)
	}
	_, err = c.UpdateClient(ctx, "no-such-client", upd)
	wantStatus(t, err, iam.ErrNotFound, 404)

	if err := c.DeleteClient(ctx, created.ClientID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetClient(ctx, created.ClientID)
	wantStatus(t, err, iam.ErrNotFound, 404)
	err = c.DeleteClient(ctx, created.ClientID)
	wantStatus(t, err, iam.ErrNotFound, 404)
}

func TestContract_secretsAndForbidden(t *testing.T) {
	t.Parallel()
	ts, c := newMock(t)
	ctx := ctxFor(t)
	cl, err := c.CreateClient(ctx, serviceClient("no-permissions"))
	if err != nil {
		t.Fatal(err)
	}
	const value = "Xy7-contract-secret-value-0001"
	// With a fraction of a second: the secret expires at the instant asked for, not before it.
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Millisecond)
	s, err := c.CreateClientSecret(ctx, cl.ClientID, iam.SecretRequest{Value: value, Description: "first", Expiration: &exp})
	if err != nil {
		t.Fatal(err)
	}
	if s.Value != value || s.ClientID != cl.ClientID || s.ClientSecretID == "" || !s.Expiration.Equal(exp) || s.Created.IsZero() {
		t.Fatalf("created secret %+v", s)
	}
	s2, err := c.CreateClientSecret(ctx, cl.ClientID, iam.SecretRequest{Value: value + "2", Description: ""})
	if err != nil {
		t.Fatal(err)
	}
	secrets := collect(t, c.ListClientSecrets(ctx, cl.ClientID))
	if len(secrets) != 2 || secrets[0].ClientSecretID != s.ClientSecretID || secrets[0].Value != "" || secrets[1].Expiration != nil {
		t.Fatalf("ListClientSecrets = %+v", secrets)
	}
	got, err := c.GetClientSecret(ctx, cl.ClientID, s2.ClientSecretID)
	if err != nil || got.Description != "" || got.Value != "" {
		t.Fatalf("GetClientSecret = %+v, %v", got, err)
	}

	// Failures: bad values, unknown client and secret, too many secrets.
	past := time.Now().Add(-time.Hour)
	_, err = c.CreateClientSecret(ctx, cl.ClientID, iam.SecretRequest{Value: "short", Expiration: &past})
	if apiErr := wantAPIError(t, err, iam.ErrValidation, 400); len(apiErr.FieldErrors["value"]) == 0 || len(apiErr.FieldErrors["expiration"]) == 0 {
		t.Fatalf("field errors %+v", apiErr.FieldErrors)
	}
	_, err = c.CreateClientSecret(ctx, "no-such-client", iam.SecretRequest{Value: value})
	wantStatus(t, err, iam.ErrNotFound, 404)
	if strings.Contains(err.Error(), value) {
		t.Fatalf("secret value in error: %v", err)
	}
	for _, err := range c.ListClientSecrets(ctx, "no-such-client") {
		wantStatus(t, err, iam.ErrNotFound, 404)
	}
	if _, err := c.GetClientSecret(ctx, cl.ClientID, "no-such-secret"); !iam.IsNotFound(err) {
		t.Fatalf("GetClientSecret(unknown) = %v", err)
	}
	wantStatus(t, c.DeleteClientSecret(ctx, cl.ClientID, "no-such-secret"), iam.ErrNotFound, 404)
	for i := 2; i < 20; i++ {
		if _, err := c.CreateClientSecret(ctx, cl.ClientID, iam.SecretRequest{Value: fmt.Sprintf("%s-%02d", value[:20], i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.CreateClientSecret(ctx, cl.ClientID, iam.SecretRequest{Value: value[:20] + "-21"})
	wantStatus(t, err, iam.ErrConflict, 409)

	// The secret works at the token endpoint, and the client has no IAM permission yet.
	tok, err := iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: ts.TokenURL, ClientID: cl.ClientID, ClientSecret: value,
		Scopes: []string{"services.iam"}})
	if err != nil || tok.AccessToken == "" || tok.Scope != "services.iam" || time.Until(tok.ExpiresAt) < time.Minute {
		t.Fatalf("ExchangeToken = %+v, %v", tok, err)
	}
	_, err = iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: ts.TokenURL, ClientID: cl.ClientID, ClientSecret: value + "x"})
	if !errors.Is(err, iam.ErrUnauthorized) || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), value) {
		t.Fatalf("ExchangeToken(wrong secret) = %v", err)
	}
	_, err = iam.ExchangeToken(ctx, iam.TokenRequest{TokenURL: ts.TokenURL, ClientID: cl.ClientID, ClientSecret: value, Scopes: []string{"bankservice"}})
	if err == nil || !strings.Contains(err.Error(), "invalid_scope") {
		t.Fatalf("ExchangeToken(scope not allowed) = %v", err)
	}

	weak := apiClient(t, ts, cl.ClientID, value)
	if _, err := weak.ListActions(ctx); err != nil {
		t.Fatalf("catalogues need no IAM permission: %v", err)
	}
	for _, err := range weak.ListClients(ctx, iam.ListClientsOptions{}) {
		wantStatus(t, err, iam.ErrForbidden, 403)
	}
	_, err = weak.CreatePolicy(ctx, iam.Policy{Subject: "client-" + cl.ClientID, Scope: "/", Action: "owner"})
	wantStatus(t, err, iam.ErrForbidden, 403)
	_, err = weak.CreateGroup(ctx, iam.GroupRequest{DisplayName: "g"})
	wantStatus(t, err, iam.ErrForbidden, 403)

	// Granting a read permission takes effect at once.
	if _, err := c.CreatePolicy(ctx, iam.Policy{Subject: "client-" + cl.ClientID, Scope: "/", Action: "iam.client.read"}); err != nil {
		t.Fatal(err)
	}
	if n := len(collect(t, weak.ListClients(ctx, iam.ListClientsOptions{}))); n != 2 {
		t.Fatalf("weak client sees %d clients", n)
	}
	_, err = weak.CreateClient(ctx, serviceClient("x"))
	wantStatus(t, err, iam.ErrForbidden, 403)

	// A wrong secret is a clear authentication error without the secret.
	bad := apiClient(t, ts, cl.ClientID, "wrong-secret-value-123")
	_, err = bad.GetClient(ctx, cl.ClientID)
	if !errors.Is(err, iam.ErrUnauthorized) || !strings.Contains(err.Error(), "authentication failed at "+ts.TokenURL+": invalid_client") ||
		strings.Contains(err.Error(), "wrong-secret-value-123") {
		t.Fatalf("wrong secret: %v", err)
	}

	if err := c.DeleteClientSecret(ctx, cl.ClientID, s.ClientSecretID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetClientSecret(ctx, cl.ClientID, s.ClientSecretID); !iam.IsNotFound(err) {
		t.Fatalf("deleted secret still found: %v", err)
	}
}

func TestContract_policies(t *testing.T) {
	t.Parallel()
	ts, c := newMock(t)
	ctx := ctxFor(t)
	cl, err := c.CreateClient(ctx, serviceClient("policy-holder"))
	if err != nil {
		t.Fatal(err)
	}
	subject := "client-" + cl.ClientID
	p := iam.Policy{Subject: subject, Scope: "/subscriptions/123/resource-groups/my-company", Action: "banking.consents.read"}
	got, err := c.CreatePolicy(ctx, p)
	if err != nil || got.Tenant != ts.TenantID() || got.Subject != subject || got.Scope != p.Scope || got.Action != p.Action {
		t.Fatalf("CreatePolicy = %+v, %v", got, err)
	}
	if g, err := c.GetPolicy(ctx, subject, p.Action, p.Scope); err != nil || *g != *got {
		t.Fatalf("GetPolicy = %+v, %v", g, err)
	}
	if _, err := c.GetPolicy(ctx, subject, "owner", p.Scope); !iam.IsNotFound(err) {
		t.Fatalf("GetPolicy(other action) = %v", err)
	}
	if l := collect(t, c.ListPolicies(ctx, iam.PolicyFilter{Subject: subject})); len(l) != 1 || l[0] != *got {
		t.Fatalf("ListPolicies = %+v", l)
	}

	_, err = c.CreatePolicy(ctx, p)
	wantStatus(t, err, iam.ErrConflict, 409)
	for field, bad := range map[string]iam.Policy{
		"subject": {Subject: "client-nobody", Scope: "/", Action: "owner"},
		"action":  {Subject: subject, Scope: "/", Action: "iam.fly"},
		"scope":   {Subject: subject, Scope: "/subscriptions", Action: "owner"},
	} {
		_, err := c.CreatePolicy(ctx, bad)
		if apiErr := wantAPIError(t, err, iam.ErrValidation, 400); len(apiErr.FieldErrors[field]) == 0 {
			t.Fatalf("%s: field errors %+v", field, apiErr.FieldErrors)
		}
	}
	if err := c.DeletePolicy(ctx, subject, p.Action, p.Scope); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c.DeletePolicy(ctx, subject, p.Action, p.Scope), iam.ErrNotFound, 404)
	if _, err := c.GetPolicy(ctx, subject, p.Action, p.Scope); !iam.IsNotFound(err) {
		t.Fatalf("deleted policy still found: %v", err)
	}
}

func TestContract_subjectsGroupsPermissions(t *testing.T) {
	t.Parallel()
	_, c := newMock(t)
	ctx := ctxFor(t)
	cl, err := c.CreateClient(ctx, serviceClient("grouped"))
	if err != nil {
		t.Fatal(err)
	}
	clientSubject := "client-" + cl.ClientID
	aliceSubject := "user-" + mockserver.SeedUserAliceID

	users := collect(t, c.ListSubjects(ctx, iam.SubjectListOptions{Type: "user"}))
	var global bool
	for _, u := range users {
		if u.Type != "user" || !strings.HasPrefix(u.SubjectID, "user-") {
			t.Fatalf("user %+v", u)
		}
		global = global || u.Tenant == nil
	}
	if len(users) < 3 || !global {
		t.Fatalf("seeded users %+v", users)
	}
	alice := collect(t, c.ListSubjects(ctx, iam.SubjectListOptions{SearchQuery: "ALICE"}))
	if len(alice) != 1 || alice[0].SubjectID != aliceSubject || alice[0].Properties["email"] == nil {
		t.Fatalf("search alice = %+v", alice)
	}
	clients := collect(t, c.ListSubjects(ctx, iam.SubjectListOptions{Type: "client", SearchQuery: "grouped"}))
	if len(clients) != 1 || clients[0].ID != cl.ClientID || clients[0].DisplayName != "grouped" || clients[0].Properties["clientId"] != cl.ClientID {
		t.Fatalf("client subjects %+v", clients)
	}

	outer, err := c.CreateGroup(ctx, iam.GroupRequest{DisplayName: "operators", Description: "ops"})
	if err != nil || outer.Type != "group" || outer.SubjectID != "group-"+outer.ID || outer.DisplayName != "operators" {
		t.Fatalf("CreateGroup = %+v, %v", outer, err)
	}
	inner, err := c.CreateGroup(ctx, iam.GroupRequest{DisplayName: "payments"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMembers(ctx, inner.ID, []string{clientSubject, aliceSubject}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddGroupMembers(ctx, inner.ID, []string{clientSubject}); err != nil {
		t.Fatalf("adding an existing member must be a no-op: %v", err)
	}
	if err := c.AddGroupMembers(ctx, outer.ID, []string{inner.SubjectID}); err != nil {
		t.Fatal(err)
	}
	members := collect(t, c.ListGroupMembers(ctx, inner.ID))
	if len(members) != 2 {
		t.Fatalf("members %+v", members)
	}
	if m := collect(t, c.ListMemberships(ctx, clientSubject)); len(m) != 1 || m[0].SubjectID != inner.SubjectID {
		t.Fatalf("memberships %+v", m)
	}

	// Permissions: direct and inherited through two levels of groups.
	for _, p := range []iam.Policy{
		{Subject: clientSubject, Scope: "/subscriptions/1", Action: "banking.ais.read"},
		{Subject: outer.SubjectID, Scope: "/", Action: "iam.client.read"},
	} {
		if _, err := c.CreatePolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	perms := collect(t, c.ListClientPermissions(ctx, cl.ClientID, iam.PermissionFilter{}))
	if len(perms) != 2 {
		t.Fatalf("client permissions %+v", perms)
	}
	want := map[string]iam.Permission{
		"banking.ais.read": {Action: "banking.ais.read", Scope: "/subscriptions/1", ResourceType: "subscriptions", ResourceProvider: "aritma.control", GrantedVia: clientSubject},
		"iam.client.read":  {Action: "iam.client.read", Scope: "/", GrantedVia: outer.SubjectID},
	}
	for _, p := range perms {
		if p != want[p.Action] {
			t.Fatalf("permission %+v, want %+v", p, want[p.Action])
		}
	}
	if f := collect(t, c.ListPermissions(ctx, clientSubject, iam.PermissionFilter{ResourceType: "subscriptions"})); len(f) != 1 {
		t.Fatalf("filtered by resource type: %+v", f)
	}
	if f := collect(t, c.ListPermissions(ctx, aliceSubject, iam.PermissionFilter{Action: "iam.client.read"})); len(f) != 1 {
		t.Fatalf("alice inherits through groups: %+v", f)
	}

	// Failures.
	err = c.AddGroupMembers(ctx, inner.ID, []string{outer.SubjectID})
	wantStatus(t, err, iam.ErrValidation, 400) // cycle
	err = c.AddGroupMembers(ctx, inner.ID, []string{"user-nobody"})
	if apiErr := wantAPIError(t, err, iam.ErrValidation, 400); len(apiErr.FieldErrors["subjectIds"]) == 0 {
		t.Fatalf("field errors %+v", apiErr.FieldErrors)
	}
	_, err = c.CreateGroup(ctx, iam.GroupRequest{})
	wantStatus(t, err, iam.ErrValidation, 400)
	for _, err := range c.ListGroupMembers(ctx, "no-such-group") {
		wantStatus(t, err, iam.ErrNotFound, 404)
	}
	for _, err := range c.ListPermissions(ctx, "client-nobody", iam.PermissionFilter{}) {
		wantStatus(t, err, iam.ErrNotFound, 404)
	}
	for _, err := range c.ListMemberships(ctx, "group-nobody") {
		wantStatus(t, err, iam.ErrNotFound, 404)
	}
	wantStatus(t, c.RemoveGroupMember(ctx, inner.ID, "user-nobody"), iam.ErrNotFound, 404)
	wantStatus(t, c.DeleteGroup(ctx, "no-such-group"), iam.ErrNotFound, 404)

	if err := c.RemoveGroupMember(ctx, inner.ID, aliceSubject); err != nil {
		t.Fatal(err)
	}
	if f := collect(t, c.ListPermissions(ctx, aliceSubject, iam.PermissionFilter{Action: "iam.client.read"})); len(f) != 0 {
		t.Fatalf("alice kept inherited permissions: %+v", f)
	}
	if err := c.DeleteGroup(ctx, outer.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPolicy(ctx, outer.SubjectID, "iam.client.read", "/"); !iam.IsNotFound(err) {
		t.Fatalf("group policy survived the group: %v", err)
	}

	actions, err := c.ListActions(ctx)
	if err != nil || len(actions) < 20 {
		t.Fatalf("ListActions = %d, %v", len(actions), err)
	}
	parents := map[string]string{}
	for _, a := range actions {
		parents[a.Name] = a.Parent
	}
	if parents["iam.manage"] != "owner" || parents["banking.pis.cancel"] != "banking.pis.manage" {
		t.Fatalf("catalogue parents %v", parents)
	}
	scopes, err := c.ListScopes(ctx)
	if err != nil || len(scopes) < 3 {
		t.Fatalf("ListScopes = %+v, %v", scopes, err)
	}
	if i := slices.IndexFunc(scopes, func(s iam.OAuthScope) bool { return s.Name == "services.iam" }); i < 0 ||
		scopes[i].Description != "Access to the Aritma IAM API." {
		t.Fatalf("ListScopes lacks services.iam with the mock's description: %+v", scopes)
	}
}

// parallel runs f(i) for i in [0, n) on a few goroutines, as Terraform would.
func parallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestContract_pagingAcrossPages(t *testing.T) {
	t.Parallel()
	ts, c := newMock(t)
	ctx := ctxFor(t)
	const n = 250
	ids := make([]string, n)
	parallel(t, n, func(i int) error {
		cl, err := c.CreateClient(ctx, serviceClient(fmt.Sprintf("paged-%03d", i)))
		if err == nil {
			ids[i] = cl.ClientID
		}
		return err
	})
	parallel(t, n, func(i int) error {
		_, err := c.CreatePolicy(ctx, iam.Policy{Subject: "client-" + ids[0], Scope: fmt.Sprintf("/subscriptions/%03d", i), Action: "owner"})
		return err
	})

	ts.ResetStats()
	clients := collect(t, c.ListClients(ctx, iam.ListClientsOptions{SearchText: "paged-"}))
	if len(clients) != n || clients[0].Name != "paged-000" || clients[n-1].Name != "paged-249" {
		t.Fatalf("ListClients: %d clients", len(clients))
	}
	if got := ts.Stats().Count("GET", "/v1/clients"); got != 3 {
		t.Fatalf("%d list requests for %d clients at 100 per page", got, n)
	}
	small := collect(t, c.ListClients(ctx, iam.ListClientsOptions{SearchText: "paged-", PageSize: 30}))
	if len(small) != n {
		t.Fatalf("ListClients with page size 30: %d", len(small))
	}
	subjects := collect(t, c.ListSubjects(ctx, iam.SubjectListOptions{Type: "client"}))
	if len(subjects) != n+1 { // plus the admin client
		t.Fatalf("ListSubjects: %d", len(subjects))
	}
	if got := ts.Stats().Count("GET", "/v1/subjects/clients"); got != 2 {
		t.Fatalf("%d subject list requests at 200 per page", got)
	}
	policies := collect(t, c.ListPolicies(ctx, iam.PolicyFilter{Subject: "client-" + ids[0]}))
	if len(policies) != n || policies[0].Scope != "/subscriptions/000" || policies[n-1].Scope != "/subscriptions/249" {
		t.Fatalf("ListPolicies: %d", len(policies))
	}
	perms := collect(t, c.ListClientPermissions(ctx, ids[0], iam.PermissionFilter{Action: "owner"}))
	if len(perms) != n {
		t.Fatalf("ListClientPermissions: %d", len(perms))
	}
	// Early break stops what is handed out; the reading is read whole first (see listPages).
	ts.ResetStats()
	i := 0
	for _, err := range c.ListPolicies(ctx, iam.PolicyFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if i++; i == 10 {
			break
		}
	}
	if got := ts.Stats().Count("GET", "/v1/policies"); got != 2 || i != 10 {
		t.Fatalf("early break after %d entries made %d requests; want 10 and 2", i, got)
	}
}

func TestContract_faultRateLimit(t *testing.T) {
	t.Parallel()
	ts := mockserver.NewTestServer(t)
	ctx := ctxFor(t)
	c := apiClient(t, ts, ts.AdminClientID(), ts.AdminClientSecret(), func(cfg *iam.Config) {
		cfg.MaxRetries = 20
		cfg.RetryWaitMax = 100 * time.Millisecond
		cfg.RetryAfterMax = 100 * time.Millisecond
	})
	ts.SetFaults(mockserver.Faults{RateLimitRPS: 40, RateLimitBurst: 2})
	parallel(t, 30, func(int) error {
		_, err := c.ListActions(ctx)
		return err
	})
	st := ts.Stats()
	if st.CountStatus("GET", "/v1/actions", http.StatusTooManyRequests) == 0 || st.CountStatus("GET", "/v1/actions", 200) != 30 {
		t.Fatalf("stats %v", st.Requests)
	}
	if st.CountStatus("POST", "/connect/token", 200) != 1 {
		t.Fatalf("token requests %v", st.Requests)
	}
	// When the wait the limit asks for outlasts the caller's deadline, it surfaces as
	// ErrRateLimited at once (even with retries of failures off: a 429 is not one).
	// (RetryAfterMax as in production: the test client's 20ms would make the limiter's 10s wait
	// look short enough to retry through until the deadline.)
	none := apiClient(t, ts, ts.AdminClientID(), ts.AdminClientSecret(), func(cfg *iam.Config) {
		cfg.MaxRetries, cfg.RetryAfterMax = -1, time.Minute
	})
	ts.SetFaults(mockserver.Faults{})
	if _, err := none.ListScopes(ctx); err != nil {
		t.Fatal(err)
	}
	ts.SetFaults(mockserver.Faults{RateLimitRPS: 0.1, RateLimitBurst: 1})
	_, _ = none.ListScopes(ctx)
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := none.ListScopes(short)
	wantStatus(t, err, iam.ErrRateLimited, 429)
	if d := time.Since(start); d > 3*time.Second { // waiting would take the whole 5 s
		t.Fatalf("the 429 came back after %s, want at once", d)
	}
}

func TestContract_faultErrorRate(t *testing.T) {
	t.Parallel()
	ts := mockserver.NewTestServer(t)
	ctx := ctxFor(t)
	c := apiClient(t, ts, ts.AdminClientID(), ts.AdminClientSecret(), func(cfg *iam.Config) { cfg.MaxRetries = 10 })
	base, err := c.CreateClient(ctx, serviceClient("stable"))
	if err != nil {
		t.Fatal(err)
	}
	ts.SetFaults(mockserver.Faults{ErrorRate: 0.3, Seed: 42})
	for range 40 {
		if _, err := c.GetClient(ctx, base.ClientID); err != nil {
			t.Fatalf("GET under a 30%% error rate: %v", err)
		}
	}
	if n := len(collect(t, c.ListSubjects(ctx, iam.SubjectListOptions{}))); n < 5 {
		t.Fatalf("subjects %d", n)
	}
	const creates = 30
	ok := make([]bool, creates)
	failed := 0
	for i := range creates {
		_, err := c.CreateClient(ctx, serviceClient(fmt.Sprintf("flaky-%02d", i)))
		var apiErr *iam.APIError
		switch {
		case err == nil:
			ok[i] = true
		case errors.Is(err, iam.ErrOutcomeUnknown), errors.As(err, &apiErr) && apiErr.StatusCode >= 500:
			failed++
		default:
			t.Fatalf("create %d: unexpected error %v", i, err)
		}
	}
	// Policies retry through 5xx: all must succeed.
	for i := range 20 {
		if _, err := c.CreatePolicy(ctx, iam.Policy{Subject: "client-" + base.ClientID, Scope: fmt.Sprintf("/subscriptions/%d", i), Action: "owner"}); err != nil {
			t.Fatalf("CreatePolicy under a 30%% error rate: %v", err)
		}
	}
	st := ts.Stats()
	if st.CountStatus("GET", "/v1/clients/{clientId}", 500)+st.CountStatus("GET", "/v1/clients/{clientId}", 502)+
		st.CountStatus("GET", "/v1/clients/{clientId}", 503) == 0 || failed == 0 {
		t.Fatalf("no faults were injected (failed creates %d): %v", failed, st.Requests)
	}
	ts.SetFaults(mockserver.Faults{})
	for i := range creates {
		name := fmt.Sprintf("flaky-%02d", i)
		n := len(collect(t, c.ListClients(ctx, iam.ListClientsOptions{SearchText: name})))
		if n > 1 || (ok[i] && n != 1) {
			t.Fatalf("%s exists %d times (create succeeded: %v)", name, n, ok[i])
		}
	}
	if n := len(collect(t, c.ListPolicies(ctx, iam.PolicyFilter{Subject: "client-" + base.ClientID}))); n != 20 {
		t.Fatalf("%d policies, want 20", n)
	}
}

func TestContract_faultCommitThenFail(t *testing.T) {
	t.Parallel()
	ts, c := newMock(t)
	ctx := ctxFor(t)
	holder, err := c.CreateClient(ctx, serviceClient("holder"))
	if err != nil {
		t.Fatal(err)
	}
	ts.SetFaults(mockserver.Faults{CommitThenFailRate: 1})

	_, err = c.CreateClient(ctx, serviceClient("committed"))
	if !errors.Is(err, iam.ErrOutcomeUnknown) {
		t.Fatalf("CreateClient: want ErrOutcomeUnknown, got %v", err)
	}
	if got := collect(t, c.ListClients(ctx, iam.ListClientsOptions{SearchText: "committed"})); len(got) != 1 {
		t.Fatalf("the committed client exists %d times", len(got))
	}
	if got := ts.Stats().Count("POST", "/v1/clients"); got != 2 {
		t.Fatalf("the create was retried: %d POSTs", got)
	}
	_, err = c.CreateClientSecret(ctx, holder.ClientID, iam.SecretRequest{Value: "committed-secret-1"})
	if !errors.Is(err, iam.ErrOutcomeUnknown) || strings.Contains(err.Error(), "committed-secret-1") {
		t.Fatalf("CreateClientSecret: %v", err)
	}
	_, err = c.CreateGroup(ctx, iam.GroupRequest{DisplayName: "committed-group"})
	if !errors.Is(err, iam.ErrOutcomeUnknown) {
		t.Fatalf("CreateGroup: %v", err)
	}

	p := iam.Policy{Subject: "client-" + holder.ClientID, Scope: "/subscriptions/9", Action: "owner"}
	got, err := c.CreatePolicy(ctx, p)
	if err != nil {
		t.Fatalf("CreatePolicy must recover from commit-then-fail: %v", err)
	}
	if got.Subject != p.Subject || got.Scope != p.Scope || got.Action != p.Action || got.Tenant != ts.TenantID() {
		t.Fatalf("recovered policy %+v", got)
	}
	if n := len(collect(t, c.ListPolicies(ctx, iam.PolicyFilter{Subject: p.Subject}))); n != 1 {
		t.Fatalf("%d policies after recovery", n)
	}
	st := ts.Stats()
	if st.CountStatus("POST", "/v1/policies", 502) != 1 || st.CountStatus("POST", "/v1/policies", 409) != 1 {
		t.Fatalf("policy create stats %v", st.Requests)
	}
}

func TestContract_faultLatency(t *testing.T) {
	t.Parallel()
	ts, c := newMock(t)
	ctx := ctxFor(t)
	if _, err := c.ListScopes(ctx); err != nil { // token fetched before latency is added
		t.Fatal(err)
	}
	ts.SetFaults(mockserver.Faults{LatencyMS: 60, JitterMS: 20})
	start := time.Now()
	if _, err := c.ListActions(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("latency not applied: %v", d)
	}
	var mu sync.Mutex
	attempts := map[string]int{}
	// The timeout is far below the latency below and far above what a request takes without it,
	// so neither a busy machine nor a slow dial decides the outcome.
	short := apiClient(t, ts, ts.AdminClientID(), ts.AdminClientSecret(), func(cfg *iam.Config) {
		cfg.RequestTimeout = 250 * time.Millisecond
		cfg.MaxRetries = 1
		cfg.Log = func(_ context.Context, _, _ string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			attempts[fmt.Sprint(fields["method"], " ", fields["path"])]++
		}
	})
	ts.SetFaults(mockserver.Faults{})
	// Warm up (a token, a connection); a machine busy enough to miss 250 ms twice gets more tries.
	var err error
	for range 5 {
		if _, err = short.ListScopes(ctx); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	ts.SetFaults(mockserver.Faults{LatencyMS: 2000})
	ts.ResetStats()
	mu.Lock()
	clear(attempts) // the warm-up above may itself have needed a retry on a busy machine
	mu.Unlock()
	_, err = short.ListScopes(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || !strings.Contains(err.Error(), "request timeout of 250ms") {
		t.Fatalf("GET past the request timeout: %v", err)
	}
	_, err = short.CreateClient(ctx, serviceClient("slow"))
	if !errors.Is(err, iam.ErrOutcomeUnknown) {
		t.Fatalf("POST past the request timeout: want ErrOutcomeUnknown, got %v", err)
	}
	// The mock records a request only when its handler ends, so count attempts client-side.
	mu.Lock()
	defer mu.Unlock()
	if attempts["GET /v1/scopes"] != 2 || attempts["POST /v1/clients"] != 1 {
		t.Fatalf("attempts %v; want GET /v1/scopes 2 (retried once) and POST /v1/clients 1 (never retried)", attempts)
	}
}

func TestContract_faultReadLag(t *testing.T) {
	t.Parallel()
	ts, c := newMock(t)
	ctx := ctxFor(t)
	ts.SetFaults(mockserver.Faults{ReadLagMS: 3000}) // ample for create, GET and list on a busy machine
	cl, err := c.CreateClient(ctx, serviceClient("lagging"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetClient(ctx, cl.ClientID); !iam.IsNotFound(err) {
		t.Fatalf("GetClient right after create: want ErrNotFound while lagging, got %v", err)
	}
	if got := collect(t, c.ListClients(ctx, iam.ListClientsOptions{SearchText: "lagging"})); len(got) != 0 {
		t.Fatalf("list shows a lagging client: %+v", got)
	}
	if got := ts.Stats().Count("GET", "/v1/clients/{clientId}"); got != 1 {
		t.Fatalf("a 404 was retried: %d GETs", got)
	}
	// The provider, not the client, waits out the lag: poll like it would.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, err := c.GetClient(ctx, cl.ClientID)
		if err == nil {
			break
		}
		if !iam.IsNotFound(err) || time.Now().After(deadline) {
			t.Fatalf("after the lag: %v", err)
		}
	}
}
