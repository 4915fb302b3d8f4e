package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// providerDataFrom unpacks what Configure handed over. It returns nil without an error before the
// provider is configured (validation runs that way), so callers simply return.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
		return nil
	}
	return pd
}

// apiErrorDetail renders an API failure for a diagnostic detail: what the API said, its field
// errors and trace id, and a hint for the statuses a user can act on. The iam package already
// keeps secrets and tokens out of its errors.
func apiErrorDetail(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	switch {
	case errors.Is(err, iam.ErrUnauthorized):
		b.WriteString("\n\nThe provider's credentials were rejected: check client_id and client_secret (or access_token) and token_url.")
	case errors.Is(err, iam.ErrForbidden):
		b.WriteString("\n\nThe provider's client lacks the IAM permission for this call (iam.client.*, iam.policy.* or iam.subject.* on scope \"/\"). Grant it, for example through iam.manage.")
	case errors.Is(err, iam.ErrRateLimited):
		b.WriteString("\n\nThe API kept answering 429 Too Many Requests after all retries; raise max_retries or lower -parallelism.")
	}
	return b.String()
}

// privateState is the private state of a resource instance (Create/Read/Update responses and
// Read requests carry one), which Terraform stores beside the state but never shows.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// privateKeyCreatedAt records when Create made the object, until Read first sees it.
const privateKeyCreatedAt = "created_at"

// readAfterCreateWindow is how long after a create a 404 may be the API lagging rather than the
// object being gone; readAfterCreate waits at most this long in total.
const readAfterCreateWindow = 30 * time.Second

// markCreated notes in private state that the object was just created.
func markCreated(ctx context.Context, p privateState) diag.Diagnostics {
	return p.SetKey(ctx, privateKeyCreatedAt, []byte(strconv.Quote(time.Now().UTC().Format(time.RFC3339Nano))))
}

// clearCreated forgets the mark once the object has been read.
func clearCreated(ctx context.Context, p privateState) diag.Diagnostics {
	return p.SetKey(ctx, privateKeyCreatedAt, nil)
}

// readAfterCreate calls get and returns its result, except that while get answers not found for an
// object created moments ago (marked by markCreated), it retries with backoff until the object
// appears or readAfterCreateWindow after its creation has passed. An eventually consistent API may
// not show an object to a GET right after creating it; without this the first refresh would drop a
// fresh object from state and plan to create it again.
func readAfterCreate[T any](ctx context.Context, p privateState, get func(context.Context) (T, error)) (T, error) {
	v, err := get(ctx)
	if !iam.IsNotFound(err) || p == nil {
		return v, err
	}
	raw, diags := p.GetKey(ctx, privateKeyCreatedAt)
	if diags.HasError() || len(raw) == 0 {
		return v, err
	}
	var s string
	if uerr := json.Unmarshal(raw, &s); uerr != nil {
		return v, err
	}
	created, perr := time.Parse(time.RFC3339Nano, s)
	if perr != nil {
		return v, err
	}
	deadline := created.Add(readAfterCreateWindow)
	for wait := 250 * time.Millisecond; iam.IsNotFound(err) && time.Now().Add(wait).Before(deadline); wait = min(2*wait, 4*time.Second) {
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(wait):
		}
		v, err = get(ctx)
	}
	return v, err
}
