package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/text/unicode/norm"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// createdHere remembers the objects this provider process created, by "client <id>",
// "secret <client_id>/<secret_id>" and "policy <policy id>", and the creates still in flight, by what a look-up would find
// them by (a client's name; a secret's client and description). When a create's answer is lost,
// the look-up for what it may have made waits for the other creates of the same kind to finish,
// then leaves out what they made: in the same apply a sibling resource with the same name or
// description may have just been created, and offering it for import would bind two resources to
// one object.
type createdHere struct {
	mu       sync.Mutex
	ids      map[string]time.Time // when each was created
	inflight map[string]int
	// lost counts, by look-up key, the creates of this process whose answer was lost: what they
	// made is indistinguishable, so no one of their look-ups may name a single object as its own.
	lost map[string]int
}

// loseAnswer records that a create of what look-ups find by key lost its answer. It must come
// before the create's end, so that a look-up that sees the create no longer in flight sees it
// counted here.
func (c *createdHere) loseAnswer(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lost == nil {
		c.lost = map[string]int{}
	}
	c.lost[key]++
}

// lostAnswers is how many creates of key lost their answer in this process, the caller's own
// included: at least 1, since only a create that lost its answer looks.
func (c *createdHere) lostAnswers(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(1, c.lost[key])
}

// busy reports whether a create of key is in flight.
func (c *createdHere) busy(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight[key] > 0
}

// begin marks a create of what look-ups find by key as in flight; end undoes it, after add.
func (c *createdHere) begin(key string) (end func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight == nil {
		c.inflight = map[string]int{}
	}
	c.inflight[key]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.inflight[key]--; c.inflight[key] == 0 {
			delete(c.inflight, key)
		}
	}
}

// settle waits, at most until ctx ends, until no create of key is in flight.
func (c *createdHere) settle(ctx context.Context, key string) {
	for c.busy(key) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *createdHere) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]time.Time{}
	}
	c.ids[key] = time.Now()
}

func (c *createdHere) has(key string) bool {
	_, ok := c.at(key)
	return ok
}

// recent is when this process created key, if that was less than readAfterCreateWindow ago: an
// object a lagging API may not know yet.
func (c *createdHere) recent(key string) (time.Time, bool) {
	at, ok := c.at(key)
	return at, ok && time.Now().Before(at.Add(readAfterCreateWindow))
}

// at is when this process created key.
func (c *createdHere) at(key string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.ids[key]
	return t, ok
}

// deletesHere tracks the deletes of this provider process by what identifies the object (a
// policy's triple), so that a create the API refuses because the object still exists can tell
// when the object is on its way out. Renaming a for_each key or a resource address without a
// moved block makes Terraform delete the old instance and create the new one, with the same
// subject, action and scope, in parallel: whichever reaches the API first decides the outcome.
type deletesHere struct {
	mu       sync.Mutex
	inflight map[string]int
	deleted  map[string]bool
}

// begin marks a delete of key as in flight; end(deleted) undoes it, recording whether the object
// is gone.
func (d *deletesHere) begin(key string) (end func(deleted bool)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inflight == nil {
		d.inflight, d.deleted = map[string]int{}, map[string]bool{}
	}
	d.inflight[key]++
	return func(deleted bool) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.inflight[key]--; d.inflight[key] == 0 {
			delete(d.inflight, key)
		}
		if deleted {
			d.deleted[key] = true
		}
	}
}

// busy reports whether a delete of key is in flight.
func (d *deletesHere) busy(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inflight[key] > 0
}

// await reports whether this process deleted key, waiting while a delete of it is in flight and,
// when none is, up to grace for one to start (Terraform may hand the provider the create a moment
// before the delete). It stops early when ctx ends. A true answer is used up: the next await of
// key waits for a delete of its own.
func (d *deletesHere) await(ctx context.Context, key string, grace time.Duration) bool {
	giveUp := time.Now().Add(grace)
	for {
		d.mu.Lock()
		busy, gone := d.inflight[key] > 0, d.deleted[key]
		if gone && !busy {
			delete(d.deleted, key)
		}
		d.mu.Unlock()
		switch {
		case gone && !busy:
			return true
		case !busy && time.Now().After(giveUp):
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// policyHandovers records the policy replacements of one plan, old grant to new, to find grants
// that move around a ring of policies (for_each keys swapping actions, say): with
// create_before_destroy, every new grant of the ring would be created while another policy still
// holds it, and none could ever be.
type policyHandovers struct {
	mu       sync.Mutex
	replaced map[string]string
}

// replace records that a policy holding grant from is replaced by one holding to, and returns the
// ring of grants it closes, from first and back to it, or nil when it closes none.
func (h *policyHandovers) replace(from, to string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.replaced == nil {
		h.replaced = map[string]string{}
	}
	h.replaced[from] = to
	ring := []string{from}
	for next := to; len(ring) <= len(h.replaced); next = h.replaced[next] {
		ring = append(ring, next)
		if next == from {
			return ring
		}
		if _, ok := h.replaced[next]; !ok {
			return nil
		}
	}
	return nil
}

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

// iamClientHolder is what every resource, data source and ephemeral resource keeps from the
// provider: its type name and the provider data Configure hands over. They embed it through
// resourceBase, dataSourceBase or ephemeralResourceBase, which implement Metadata and Configure
// once for all of them (the framework's three kinds differ only in their request types).
type iamClientHolder struct {
	typeName string // appended to the provider's type name, such as "_iam_client"
	data     *providerData
}

func (h *iamClientHolder) configure(providerData any, diags *diag.Diagnostics) {
	h.data = providerDataFrom(providerData, diags)
}

// resourceBase implements Metadata and Configure of a resource.
type resourceBase struct{ iamClientHolder }

func newResourceBase(typeName string) resourceBase {
	return resourceBase{iamClientHolder{typeName: typeName}}
}

func (b *resourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase implements Metadata and Configure of a data source.
type dataSourceBase struct{ iamClientHolder }

func newDataSourceBase(typeName string) dataSourceBase {
	return dataSourceBase{iamClientHolder{typeName: typeName}}
}

func (b *dataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// ephemeralResourceBase implements Metadata and Configure of an ephemeral resource.
type ephemeralResourceBase struct{ iamClientHolder }

func newEphemeralResourceBase(typeName string) ephemeralResourceBase {
	return ephemeralResourceBase{iamClientHolder{typeName: typeName}}
}

func (b *ephemeralResourceBase) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *ephemeralResourceBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	b.configure(req.ProviderData, &resp.Diagnostics)
}

// apiErrorDetail renders an API failure for a diagnostic detail: what the API said, its field
// errors and trace id, and a hint for the statuses a user can act on. The iam package already
// keeps secrets and tokens out of its errors.
func apiErrorDetail(err error) string {
	var b strings.Builder
	var apiErr *iam.APIError
	b.WriteString(err.Error())
	switch {
	case errors.Is(err, iam.ErrInvalidScope):
		b.WriteString("\n\nThe token endpoint refused a scope the provider asked for. Ask only for scopes in the allowed_scopes " +
			"of the provider's client: set the provider's scopes (or " + EnvScopes + "), which default to [\"" + DefaultScope + "\"].")
	case errors.Is(err, iam.ErrGrantNotAllowed):
		b.WriteString("\n\nThe token endpoint accepted the provider's credentials, but its client does not allow the " +
			"client_credentials grant: add it to that client's allowed grant types.")
	case errors.Is(err, iam.ErrUnauthorized) && iam.IsTokenError(err):
		b.WriteString("\n\nThe token endpoint refused the provider's credentials: check client_id and client_secret, and token_url.")
	case errors.Is(err, iam.ErrUnauthorized) && errors.As(err, &apiErr) && apiErr.GivenToken:
		b.WriteString("\n\n" + givenTokenRefusedHint)
	case errors.Is(err, iam.ErrUnauthorized) && errors.As(err, &apiErr):
		b.WriteString("\n\nThe API refused the access token the provider fetched with client_id and client_secret, a fresh " +
			"one too: check that token_url (or " + EnvTokenURL + ") is the token endpoint of the API's environment.")
	case errors.Is(err, iam.ErrUnauthorized):
		b.WriteString("\n\n" + givenTokenRefusedHint + " With client_id and client_secret: check that token_url is the " +
			"token endpoint of the API's environment.")
	case errors.Is(err, iam.ErrNoTokenEndpoint):
		b.WriteString("\n\n" + noTokenEndpointHint)
	case iam.IsCertificateError(err):
		b.WriteString("\n\n" + untrustedCertificateHint)
	case errors.As(err, &apiErr) && apiErr.InsufficientScope && apiErr.GivenToken:
		b.WriteString("\n\nThe provider's access token (access_token, or " + EnvAccessToken + ") lacks an OAuth scope the IAM " +
			"API needs (" + DefaultScope + "), and holds the scopes it was issued with, whatever the provider's scopes says: " +
			"request it with " + DefaultScope + " (aritma_iam_access_token's scopes) from a client allowed that scope.")
	case errors.As(err, &apiErr) && apiErr.InsufficientScope:
		b.WriteString("\n\nThe provider's access token lacks an OAuth scope the IAM API needs (" + DefaultScope + "). " +
			"Include it in the provider's scopes (or " + EnvScopes + "), and in the allowed_scopes of the provider's client.")
	case errors.Is(err, iam.ErrForbidden):
		b.WriteString("\n\nThe provider's client lacks the IAM permission for this call (iam.client.*, iam.policy.* or iam.subject.* on scope \"/\"). Grant it, for example through iam.manage.")
	case errors.Is(err, iam.ErrRateLimited) && iam.IsTokenError(err):
		b.WriteString("\n\n" + tokenThrottledHint)
	case errors.Is(err, iam.ErrRateLimited):
		b.WriteString("\n\nThe API kept answering 429 Too Many Requests while the provider waited as its Retry-After asked; lower -parallelism or raise this resource's timeouts.")
	}
	return b.String()
}

// givenTokenRefusedHint says what to do when the API refuses a token the provider was given.
const givenTokenRefusedHint = "The API refused the provider's access token (access_token, or " + EnvAccessToken + "): it " +
	"may have expired or been revoked, and the provider cannot renew a token it was given; give a fresh one, or " +
	"client_id and client_secret instead, with which it fetches and renews its own."

// tokenThrottledHint says what to do when the token endpoint kept saying "not now" (429, or a 400
// slow_down or temporarily_unavailable) for as long as a token request may wait.
const tokenThrottledHint = "The token endpoint kept telling the provider to wait (429 Too Many Requests, slow_down or " +
	"temporarily_unavailable) for as long as a token request may take. An endpoint also throttles a client after " +
	"repeated failed attempts: if earlier attempts failed, check the client secret, then try again in a minute."

// untrustedCertificateHint says what to do about a server certificate Go could not verify.
const untrustedCertificateHint = "The server's TLS certificate could not be verified. If a private certificate " +
	"authority signed it (the mock's -tls-cert, an internal gateway's), make this machine trust it: on Linux, run " +
	"Terraform with SSL_CERT_FILE set to a file holding that certificate (or add it to the system's trust store). " +
	"Check too that endpoint and token_url name a host the certificate is for."

// noTokenEndpointHint says what to do when the token URL answered 404, 405 or 410.
const noTokenEndpointHint = "The token URL answered as if there were no token endpoint there: check token_url (or " +
	EnvTokenURL + "). An Aritma identity server's ends in /connect/token (the mock's: its own URL and /connect/token)."

// interruptedCreateHint explains a create stopped by an interrupt. Under iam.CreateContext an
// interrupt only ends a create whose request the API had not acted on (see there), so nothing was
// made and nothing is left to import.
func interruptedCreateHint(err error) string {
	if !errors.Is(err, context.Canceled) || errors.Is(err, iam.ErrOutcomeUnknown) {
		return ""
	}
	return "Terraform was interrupted before the API acted on this request, so nothing was created; the next apply creates it."
}

// apiErrorText is the detail of an error diagnostic about a failed API call, in the house voice:
// what was attempted on which object ("Creating IAM client \"x\""), the API's own message with
// its trace id, and what the user can do next (each hint its own paragraph).
func apiErrorText(attempt string, err error, hints ...string) string {
	var b strings.Builder
	b.WriteString(attempt)
	b.WriteString(" failed.\n\n")
	b.WriteString(apiErrorDetail(err))
	for _, h := range hints {
		if h != "" {
			b.WriteString("\n\n")
			b.WriteString(h)
		}
	}
	return b.String()
}

// checkSubjectIDAdvice is what a data source says to do about a subject_id the API does not know.
const checkSubjectIDAdvice = "check subject_id, or look the subject up with the aritma_iam_subjects data source"

// joinHints joins the non-empty parts of a diagnostic's detail into paragraphs.
func joinHints(parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(p string) bool { return p == "" }), "\n\n")
}

// goneLookupHint is what a data source that looks up one object adds when the object does not
// exist: it may have been deleted outside Terraform since an earlier apply, and then even a
// destroy, which reads data sources first, fails here.
const goneLookupHint = "If it existed and was deleted outside Terraform, remove or change this data source; " +
	destroyRegardlessHint

// destroyRegardlessHint: a destroy reads data sources first, so one whose lookup fails blocks it.
const destroyRegardlessHint = "to destroy what was built on it, destroy without a refresh, which does not read data " +
	"sources: terraform destroy -refresh=false, or tofu destroy -refresh=false with OpenTofu."

// subjectIDOfClient reports whether id is a client's subject id given where its client id
// belongs: it has the form client-<clientID>, no client has the id itself, and client <clientID>
// exists. Client ids are opaque, so one that really starts with "client-" is taken as it is. It
// reads the API only for ids of that form; a read that fails answers false, leaving the question
// to the operation itself.
func (p *providerData) subjectIDOfClient(ctx context.Context, id string) (clientID string, ok bool) {
	clientID, ok = strings.CutPrefix(id, clientSubjectPrefix)
	if !ok || clientID == "" {
		return "", false
	}
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	if _, err := p.client.GetClient(ctx, id); !iam.IsNotFound(err) {
		return "", false
	}
	if _, err := p.client.GetClient(ctx, clientID); err != nil {
		return "", false
	}
	return clientID, true
}

// subjectIDHint is what an answer "no such client" adds when the client id given looks like a
// client's subject id, client-<client_id>: the value most often passed where a client id belongs.
func subjectIDHint(clientID string) string {
	rest, ok := strings.CutPrefix(clientID, clientSubjectPrefix)
	if !ok || rest == "" {
		return ""
	}
	return fmt.Sprintf("%q looks like the subject id of client %q: client_id takes the client id itself "+
		"(aritma_iam_client.<name>.client_id, not its subject_id).", clientID, rest)
}

// removeVanished is Read's answer to an object deleted outside Terraform: a warning that says so
// (the next plan creates it again, which should not come as a surprise) and removal from state.
// cause names what was deleted, such as "it, or its client,"; importHint, if any, follows the
// error of an import whose id names nothing.
func (p *providerData) removeVanished(ctx context.Context, resp *resource.ReadResponse, summary, object, cause string, importHint ...string) {
	if _, importing := privateTime(ctx, resp.Private, privateKeyImportedAt); importing {
		// Nothing was deleted: the import id names nothing. Core's own "non-existent remote
		// object" error would follow a warning that says otherwise.
		hints := ""
		for _, h := range importHint {
			if h != "" {
				hints += h + " "
			}
		}
		resp.Diagnostics.AddError(summary, fmt.Sprintf("%s does not exist, so it cannot be imported: the API "+
			"answered 404 Not Found, also after waiting %s in case the object was created moments ago and the "+
			"API did not show it yet. %sCheck the import id, and that the provider's endpoint is the API that "+
			"holds the object.", object, importLagWindow, hints))
		return
	}
	// A refresh-only run reads too, and plans nothing: the warning must not promise a create.
	if last, ok := privateString(ctx, resp.Private, privateKeyEndpoint); ok && canonicalEndpoint(last) != canonicalEndpoint(p.endpoint) {
		// Not necessarily deleted: the resource's provider configuration now points elsewhere (an
		// instance of a provider for_each, another endpoint), where it never was.
		resp.Diagnostics.AddWarning(summary, fmt.Sprintf("%s was not found at %s, the endpoint the provider now uses, "+
			"but Terraform last saw it at %s. If this resource's provider configuration changed (another endpoint, or "+
			"another instance of a provider for_each), it may still exist there: a plan of this configuration creates a "+
			"new one here and leaves that one behind. To move it, destroy it with the old configuration first. "+
			"Terraform has removed it from the state.", object, p.shownURL(p.endpoint), p.shownURL(last)))
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.AddWarning(summary, fmt.Sprintf("%s no longer exists: %s was deleted outside Terraform. "+
		"Terraform has removed it from the state; a plan of this configuration creates it again.", object, cause))
	resp.State.RemoveResource(ctx)
}

// canonicalEndpoint is an endpoint as it compares with another: the scheme and host in lower
// case, without the scheme's default port or a trailing "/", so that spelling one endpoint
// otherwise does not make it another.
func canonicalEndpoint(raw string) string {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil {
		return raw
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if port := u.Port(); u.Scheme == "https" && port == "443" || u.Scheme == "http" && port == "80" {
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	}
	return u.String()
}

// privateKeyEndpoint records the endpoint through which the object was last created or read, so
// that a 404 through another one is not reported as a delete (see removeVanished).
const privateKeyEndpoint = "endpoint"

// noteEndpoint records the provider's endpoint under privateKeyEndpoint, unless it is there.
func (p *providerData) noteEndpoint(ctx context.Context, private privateState) diag.Diagnostics {
	if v := reflect.ValueOf(private); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return nil // only when a unit test calls Read directly (a nil *ProviderData is no nil interface)
	}
	if last, ok := privateString(ctx, private, privateKeyEndpoint); ok && last == p.endpoint {
		return nil
	}
	return setPrivateString(ctx, private, privateKeyEndpoint, p.endpoint)
}

// collect pages through a list of the API and converts every entry, so callers never stop at the
// first page. The first error ends the list; entries before it are dropped with it.
func collect[T, M any](entries iter.Seq2[T, error], convert func(T) M) ([]M, error) {
	out := []M{}
	for e, err := range entries {
		if err != nil {
			return nil, err
		}
		out = append(out, convert(e))
	}
	return out, nil
}

// searchForms is a search text in each Unicode normal form it has: as given, composed (NFC) and
// decomposed (NFD), each once. Terraform hands the provider every string composed, while the API
// may hold a name decomposed (as macOS and some directory syncs write it), which is the same name
// and which the API's search for the composed form would not find. Text without a character that
// decomposes has one form, and costs one search.
func searchForms(text string) []string {
	forms := []string{text}
	for _, f := range []string{norm.NFC.String(text), norm.NFD.String(text)} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// collectSearch collects a list searched for each of searchForms(text), in the order the searches
// found the entries. Text of one form is one search, collected as it is; an entry a later form
// finds again (by a key that is not empty) is left out. The searches of several forms are not one
// reading: an entry whose name changed form between them would be missed by both, so the first
// form is searched again, and the whole done over while that search finds other entries, up to
// maxSearchRounds times in all.
func collectSearch[T, M any](text string, list func(query string) iter.Seq2[T, error], convert func(T) M, key func(M) string) ([]M, error) {
	forms := searchForms(text)
	if len(forms) == 1 {
		return collect(list(text), convert)
	}
	keys := func(ms []M) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = key(m)
		}
		slices.Sort(out)
		return out
	}
	for round := 0; ; round++ {
		out := []M{} // an empty list, not null, when nothing matches
		var first []M
		seen := map[string]bool{}
		for i, q := range forms {
			found, err := collect(list(q), convert)
			if err != nil {
				return nil, err
			}
			if i == 0 {
				first = found
			}
			var added []string
			for _, m := range found {
				if k := key(m); k == "" || !seen[k] {
					out = append(out, m)
					added = append(added, k)
				}
			}
			for _, k := range added {
				seen[k] = k != ""
			}
		}
		again, err := collect(list(forms[0]), convert)
		if err != nil {
			return nil, err
		}
		if slices.Equal(keys(first), keys(again)) {
			return out, nil
		}
		if round == maxSearchRounds-1 {
			return nil, fmt.Errorf("the entries found changed while the text was searched for in each of its Unicode "+
				"forms (composed and decomposed), %d times; try again when they change less", round+1)
		}
	}
}

// maxSearchRounds bounds the rounds of collectSearch.
const maxSearchRounds = 4

// keyedModels converts the entries of a list for a data source, in order, and gathers the key
// convert returns for each (an action's name, a policy's id) in a set for contains() checks.
func keyedModels[T, M any](ctx context.Context, entries []T, convert func(T) (M, string), diags *diag.Diagnostics) ([]M, types.Set) {
	models := make([]M, 0, len(entries))
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		m, name := convert(e)
		models = append(models, m)
		names = append(names, name)
	}
	set, d := types.SetValueFrom(ctx, types.StringType, names)
	diags.Append(d...)
	return models, set
}

// withTimeout bounds ctx by an operation's timeout: timeout is the timeouts block's method for the
// operation (such as state.Timeouts.Read), defaulting to defaultOperationTimeout. A malformed value
// is reported in diags; the caller defers cancel and then checks diags as usual. op names the
// operation ("read") for timeoutHint.
func withTimeout(ctx context.Context, op string, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics),
	diags *diag.Diagnostics,
) (context.Context, context.CancelFunc) {
	d, ds := timeout(ctx, defaultOperationTimeout)
	diags.Append(ds...)
	return context.WithTimeout(withOperation(ctx, op), d)
}

type operationKey struct{}

// withOperation notes in ctx which entry of the timeouts block bounds it, such as "create".
func withOperation(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, operationKey{}, op)
}

// timeoutHint is the hint of an error that a deadline caused: the error itself only says
// "context deadline exceeded", not whose deadline or how to change it. kind is "resource" or
// "data source". The operation's deadline (its timeouts block) has passed when ctx says so; a
// timeout while ctx has time left is one request's, which the provider's request_timeout bounds,
// and raising the timeouts block would not help.
func timeoutHint(ctx context.Context, kind string, err error) string {
	op, ok := ctx.Value(operationKey{}).(string)
	if ok && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("The %s did not finish within its timeout. Raise %s in this %s's timeouts block "+
			"(it defaults to 5m) for a slow or rate-limited API.", op, op, kind)
	}
	var ne net.Error
	var dns *net.DNSError // a name server's time, not the request's
	if ctx.Err() == nil && !errors.As(err, &dns) && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()) {
		return "A request to the API or its token endpoint got no answer within the provider's request_timeout " +
			"(30s unless set). Raise request_timeout in the provider block, or ARITMA_REQUEST_TIMEOUT, for a slow API."
	}
	return ""
}

// dataSourceTimeoutsBlock is the timeouts block of every data source (read only). Read must copy
// its value from the config into the state, or Terraform reports an inconsistent result.
func dataSourceTimeoutsBlock(ctx context.Context) dsschema.Block {
	b := dstimeouts.Block(ctx)
	if nb, ok := b.(dsschema.SingleNestedBlock); ok {
		nb.MarkdownDescription = "How long the read may take, retries and paging included, as a Go duration such as " +
			"`\"2m\"`. Defaults to `5m`."
		for k, a := range nb.Attributes {
			if sa, ok := a.(dsschema.StringAttribute); ok {
				sa.Validators = slices.Concat(sa.Validators, []validator.String{positiveTimeoutValidator()}) // never shared with the other attributes' slice
				nb.Attributes[k] = sa
			}
		}
		return nb
	}
	return b
}

// dataSourceReadContext decodes a data source's config into target and bounds ctx by the read
// timeout of its timeouts block (which points into target, so it is read after decoding). The
// caller defers cancel and then checks diags.
func dataSourceReadContext(ctx context.Context, config tfsdk.Config, target any, t *dstimeouts.Value,
	diags *diag.Diagnostics,
) (context.Context, context.CancelFunc) {
	diags.Append(config.Get(ctx, target)...)
	if diags.HasError() {
		return ctx, func() {}
	}
	return withTimeout(ctx, "read", t.Read, diags)
}

// readTimeoutHint is timeoutHint for a data source's read.
func readTimeoutHint(ctx context.Context, err error) string {
	return timeoutHint(ctx, "data source", err)
}

// resourceTimeoutHint is timeoutHint for a resource's operation.
func resourceTimeoutHint(ctx context.Context, err error) string {
	return timeoutHint(ctx, "resource", err)
}

// outcomeLookupContext is the context of the look-up that follows a create whose answer was lost
// (ErrOutcomeUnknown). The create's own deadline may be what lost the answer, so the look-up gets
// a fresh one of outcomeLookupTimeout; ctx's values (loggers and their masks) stay. An interrupt
// (Ctrl-C cancels interrupt, the request's context; ctx, the create's, does not heed it once the
// create may have been applied) is still heeded, though not at once: the look-up gets
// outcomeLookupGrace more, time for one listing, because its answer (what to import) is worth
// most to a user who is about to walk away from a half-finished apply.
func outcomeLookupContext(ctx, interrupt context.Context) (context.Context, context.CancelFunc) {
	lookup, cancel := context.WithTimeout(context.WithoutCancel(ctx), outcomeLookupTimeout)
	grace := outcomeLookupGrace // read now: the callback may run after the look-up has returned
	stop := context.AfterFunc(interrupt, func() {
		if errors.Is(interrupt.Err(), context.Canceled) { // not the create's own deadline: the fresh one stands
			time.AfterFunc(grace, cancel) // cancel is idempotent, so a late call is harmless
		}
	})
	return lookup, func() { stop(); cancel() }
}

// outcomeLookupTimeout bounds the look-up of outcomeLookupContext; outcomeLookupGrace is what is
// left of it once the user interrupts. Variables so tests can shorten them.
var (
	outcomeLookupTimeout = 30 * time.Second
	outcomeLookupGrace   = 5 * time.Second
)

// lostCreateLagWindow is how long the look-up after a lost create answer goes on looking while it
// finds nothing: an eventually consistent API may not list the object the create made for a
// while, and "nothing found" then sends the user searching by hand.
const lostCreateLagWindow = 10 * time.Second

// lookupListing is what a lost create's look-up records of one listing besides what it found:
// how the listing failed, and whether a create of the same key was in flight at its end.
type lookupListing struct {
	listErr error
	// unsure: a create of the same key was in flight at the end of the listing, and may have made
	// one of what it found without having recorded it yet.
	unsure bool
}

func (l *lookupListing) listing() *lookupListing { return l }

// lookupFound is the result type of a lost create's look-up: a lookupListing and what it found.
type lookupFound[T any] interface {
	*T
	listing() *lookupListing
	foundSome() bool
}

// rememberListing makes *complete the listing f, when it went through; a look-up's find defers it
// on its result, so that keepLastListing has the last listing that did.
func rememberListing[T any, PT lookupFound[T]](complete **T, f *T) {
	if PT(f).listing().listErr == nil {
		c := *f
		*complete = &c
	}
}

// keepLastListing settles the result f of a lost create's look-up whose last listing failed, given
// complete, the last listing that went through (nil if none). A listing hands out all it found or,
// failing, nothing (iam's lists hand out whole readings), so what complete found stands when the
// look-up's own time ran out mid-listing (lookupErr: no failure of the API), or when complete found
// some. It returns the note that says so, and the cut: lookupErr where the look-up was cut short.
func keepLastListing[T any, PT lookupFound[T]](f, complete *T, lookupErr, cut error) (note string, _ error) {
	failed := PT(f).listing().listErr
	switch {
	case failed == nil:
	case lookupErr != nil:
		if complete != nil {
			*f = *complete
		} else {
			PT(f).listing().listErr = nil
		}
		note = " (as the last listing before the look-up was cut short found them)"
		if cut == nil {
			cut = lookupErr
		}
	case complete != nil && PT(complete).foundSome():
		*f = *complete
		note = fmt.Sprintf(" (as the last listing that went through found them; listing again failed: %s)", failed)
	}
	return note, cut
}

// errNoneVisible is findVisible's "not found yet".
var errNoneVisible = errors.New("nothing visible yet")

// findVisible calls find, and while it is not done (done false: it found less than it looks for,
// or could not tell what it found apart), calls it again with backoff for up to
// lostCreateLagWindow, and returns its last result, whether that was done, and why the look-up
// ended early, if it did: context.Canceled for an interrupt (the request's context), ctx's error
// when ctx ran out. find gets two contexts: list, for its API calls, which an interrupt does not
// cut short (the listing in progress is worth finishing: its answer is what to import), and wait,
// for any waiting it does, which the window's end and an interrupt end at once.
func findVisible[T any](ctx, interrupt context.Context, find func(list, wait context.Context) (found T, done bool)) (found T, done bool, cut error) {
	// The window's end is retryWhile's deadline; wait outlives it a little so that retryWhile's
	// last wait, cut to end at the deadline, is not cut short by wait's end instead.
	deadline := time.Now().Add(lostCreateLagWindow)
	wait, stop := context.WithDeadline(ctx, deadline.Add(time.Second))
	defer stop()
	defer context.AfterFunc(interrupt, stop)()
	try := func(context.Context) (T, error) {
		found, done = find(ctx, wait)
		if !done {
			return found, errNoneVisible
		}
		return found, nil
	}
	v, err := try(ctx)
	v, _ = retryWhile(wait, deadline, func(err error) bool { return errors.Is(err, errNoneVisible) }, try, v, err)
	switch {
	case interrupt.Err() != nil:
		cut = context.Canceled
	case ctx.Err() != nil:
		cut = ctx.Err()
	}
	return v, done, cut
}

// lookupEndText says how the look-up of a lost create's object ended when it did not find what it
// looked for: it waited as long as it may, or it was cut short.
func lookupEndText(cut error) string {
	switch {
	case errors.Is(cut, context.Canceled):
		return "when the interrupt cut the look-up short"
	case cut != nil:
		return "when the look-up ran out of time"
	}
	return fmt.Sprintf("also after waiting up to %s in case the API shows new objects late", lostCreateLagWindow)
}

// defaultOperationTimeout is the default of every resource operation's timeouts block. It covers
// the whole operation, retries and waits included; the provider's request_timeout bounds a single
// HTTP attempt.
const defaultOperationTimeout = 5 * time.Minute

// privateState is the private state of a resource instance (Create/Read/Update responses and
// Read requests carry one), which Terraform stores beside the state but never shows.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// privateKeyRenewalClock records when a secret was last created or read: the time its renewal is
// judged by (see iamClientSecretResource.ModifyPlan).
const privateKeyRenewalClock = "renewal_clock"

// setRenewalClock records t as the time renewal is judged by.
func setRenewalClock(ctx context.Context, p privateState, t time.Time) diag.Diagnostics {
	return setPrivateTime(ctx, p, privateKeyRenewalClock, t)
}

// renewalClock is the time setRenewalClock recorded, or fallback when there is none (state
// written by an older provider) or it cannot be read.
func renewalClock(ctx context.Context, p privateState, fallback time.Time) time.Time {
	if t, ok := privateTime(ctx, p, privateKeyRenewalClock); ok {
		return t
	}
	return fallback
}

// setPrivateString stores v under key in private state (a JSON string, as private values must be).
func setPrivateString(ctx context.Context, p privateState, key, v string) diag.Diagnostics {
	return p.SetKey(ctx, key, []byte(strconv.Quote(v)))
}

// privateString reads what setPrivateString stored under key; false when there is nothing readable.
func privateString(ctx context.Context, p privateState, key string) (string, bool) {
	raw, diags := p.GetKey(ctx, key)
	if diags.HasError() || len(raw) == 0 {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// setPrivateTime stores t under key in private state.
func setPrivateTime(ctx context.Context, p privateState, key string, t time.Time) diag.Diagnostics {
	return setPrivateString(ctx, p, key, t.UTC().Format(time.RFC3339Nano))
}

// privateTime reads what setPrivateTime stored under key; false when there is nothing readable.
func privateTime(ctx context.Context, p privateState, key string) (time.Time, bool) {
	s, ok := privateString(ctx, p, key)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// privateKeyCreatedAt records when Create made the object, until Read first sees it.
const privateKeyCreatedAt = "created_at"

// readAfterCreateWindow is how long after a create a 404 may be the API lagging rather than the
// object being gone; readAfterCreate waits at most this long in total.
const readAfterCreateWindow = 30 * time.Second

// markCreated notes in private state that the object was just created.
func markCreated(ctx context.Context, p privateState) diag.Diagnostics {
	return setPrivateTime(ctx, p, privateKeyCreatedAt, time.Now())
}

// privateKeyImportedAt records when ImportState took the object's id, until Read first sees it.
const privateKeyImportedAt = "imported_at"

// importLagWindow is how long after an import a 404 may be the API lagging. An import names an
// object that exists, but a script that creates one and imports it at once may come before an
// eventually consistent API shows it; the wait is short because a mistyped id waits it out too.
const importLagWindow = 5 * time.Second

// markImported notes in private state that the object is being imported: Read then waits a
// moment for an object it does not find, and reports it as not importable rather than as gone.
func markImported(ctx context.Context, resp *resource.ImportStateResponse) {
	if resp.Private != nil { // nil only when a unit test calls ImportState directly
		resp.Diagnostics.Append(setPrivateTime(ctx, resp.Private, privateKeyImportedAt, time.Now())...)
	}
}

// clearCreated forgets the marks of a create or an import once the object has been read.
func clearCreated(ctx context.Context, p privateState) diag.Diagnostics {
	diags := p.SetKey(ctx, privateKeyCreatedAt, nil)
	diags.Append(p.SetKey(ctx, privateKeyImportedAt, nil)...)
	return diags
}

// readAfterCreate calls get and returns its result, except that while get answers not found for an
// object created moments ago (marked by markCreated), it retries with backoff until the object
// appears or readAfterCreateWindow after its creation has passed. An eventually consistent API may
// not show an object to a GET right after creating it; without this the first refresh would drop a
// fresh object from state and plan to create it again. An object being imported (markImported)
// gets importLagWindow.
func readAfterCreate[T any](ctx context.Context, p privateState, get func(context.Context) (T, error)) (T, error) {
	v, err := get(ctx)
	if !iam.IsNotFound(err) || p == nil {
		return v, err
	}
	if created, ok := privateTime(ctx, p, privateKeyCreatedAt); ok {
		return retryNotFound(ctx, created.Add(readAfterCreateWindow), get, v, err)
	}
	if imported, ok := privateTime(ctx, p, privateKeyImportedAt); ok {
		return retryNotFound(ctx, imported.Add(importLagWindow), get, v, err)
	}
	return v, err
}

// retryNotFound goes on from a first result (v, err) of get: while it is not found, it calls get
// again with backoff until deadline, and returns the last result.
func retryNotFound[T any](ctx context.Context, deadline time.Time, get func(context.Context) (T, error), v T, err error) (T, error) {
	return retryWhile(ctx, deadline, iam.IsNotFound, get, v, err)
}

// retryWhile is retryNotFound for the errors that again says to retry. A wait that ctx ends
// returns ctx's error, not the last answer, which it does not wrap: a not found that the caller
// had no time left to wait out says nothing of the object, and taken for "gone" it would drop a
// fresh one from the state and have the next apply create it a second time.
//
// The last wait is cut to end at deadline, and get is called then once more: the window a caller
// names (and its messages say it waited) is waited in full, not only up to the last backoff step
// that fitted in it.
func retryWhile[T any](ctx context.Context, deadline time.Time, again func(error) bool, get func(context.Context) (T, error), v T, err error) (T, error) {
	return retryWhileFrom(ctx, 250*time.Millisecond, deadline, again, get, v, err)
}

// retryWhileFrom is retryWhile with first as its first wait, for retries that must be few.
func retryWhileFrom[T any](ctx context.Context, first time.Duration, deadline time.Time, again func(error) bool,
	get func(context.Context) (T, error), v T, err error) (T, error) {
	for wait := first; again(err); wait = min(2*wait, max(first, 4*time.Second)) {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("%w while waiting out the answer %q", ctx.Err(), err.Error())
		case <-time.After(min(wait, left)):
		}
		v, err = get(ctx)
	}
	return v, err
}

// createAfterClient calls create for an object that names clientID (a secret of it, a policy on
// its subject) and returns its result, except that while the answer is one that lagging says an
// API lagging behind the client's creation gives, and this provider process created that client
// less than readAfterCreateWindow ago, it calls create again with backoff until the window has
// passed. An eventually consistent API may not know a new client to the writes that name it any
// sooner than to its reads; without this, a secret or policy made in the same apply as its client
// would fail with "client not found" or "subject does not exist". The answers it waits out refuse
// the request, so a second attempt cannot make a duplicate.
//
// ctx is the create's context (iam.CreateContext), interrupt the request's: an interrupt ends the
// waits between attempts at once, where the create's context would only refuse the next attempt.
func createAfterClient[T any](ctx, interrupt context.Context, created *createdHere, clientID string, lagging func(error) bool,
	create func(context.Context) (T, error)) (T, error) {
	v, err := create(ctx)
	if err == nil || !lagging(err) {
		return v, err
	}
	at, ok := created.recent("client " + clientID)
	if !ok {
		return v, err // not this process's client, or made long enough ago to be known
	}
	tflog.Debug(ctx, "The API does not know the client this provider created moments ago yet; waiting for it",
		map[string]any{"client_id": clientID, "created": at.UTC().Format(time.RFC3339Nano)})
	waits, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(interrupt, stop)()
	start := time.Now()
	// Each attempt runs on ctx: cancelling one that has started could abandon a create the API
	// received (see iam.CreateContext).
	v, err = retryWhile(waits, at.Add(readAfterCreateWindow), lagging, func(context.Context) (T, error) { return create(ctx) }, v, err)
	if lagging(err) {
		err = &clientLagError{err: err, clientID: clientID, waited: time.Since(start), created: at}
	}
	return v, err
}

// clientLagError is the last answer of a create that createAfterClient made again, in vain, while
// it waited for the API to know a client this provider process had created.
type clientLagError struct {
	err      error
	clientID string
	waited   time.Duration
	created  time.Time
}

func (e *clientLagError) Error() string { return e.err.Error() }
func (e *clientLagError) Unwrap() error { return e.err }

// clientLagHint is what such a create adds to the API's "not found" or "does not exist": the
// client was most likely not deleted, the API is slow to know it. "" for any other error.
func clientLagHint(err error) string {
	var le *clientLagError
	if !errors.As(err, &le) {
		return ""
	}
	return fmt.Sprintf("This apply created client %q %s before, and the API still did not know it after the provider "+
		"waited %s for it: unless it was deleted in the meantime, the API is slow to show new objects. Apply again in "+
		"a moment.", le.clientID, time.Since(le.created).Round(time.Second), le.waited.Round(time.Second))
}

// endpointCheck holds what a probe found out about the endpoint in this provider process: that
// it serves the Aritma IAM API, or that it does not. Concurrent 404s wait for the probe under way
// (probing) instead of each asking, each as long as its own context lets it.
type endpointCheck struct {
	mu        sync.Mutex
	confirmed bool
	notAPI    bool
	probing   chan struct{} // closed when the probe under way ends; nil when none is
}

// notTheAPIError is what confirmNotFound returns when the endpoint itself answers 404. It is not a
// not-found error: nothing may be dropped from the state because of it.
type notTheAPIError struct {
	endpoint string // as shownURL shows it
	call     string // the 404 that started the look, as the API client put it
}

func (e *notTheAPIError) Error() string {
	return fmt.Sprintf("%s\n\nGET /v1/clients answered 404 Not Found as well, though every Aritma IAM API "+
		"serves it: endpoint %s does not point at the Aritma IAM API, so this 404 says nothing about whether the "+
		"object exists, and nothing was removed from the state. endpoint is the base URL that /v1/... is "+
		"appended to, such as \"https://api.dev.aritma.io/core/iam\" (for the mock, \"http://127.0.0.1:8089\").",
		e.call, e.endpoint)
}

// confirmNotFound returns err, except that before a 404 is taken to mean the object is gone (and
// Read drops it from the state, or Delete counts it as done) it makes sure the 404 came from the
// API: a base path left out of endpoint makes every route 404 too, and then a refresh would drop
// every object from the state and the next apply would create them all again. The probe
// (iam.Client.ProbeAPI: the client list, a route the API has in any version) runs once per
// provider process; when it cannot get an answer at all, that failure is returned instead.
func (p *providerData) confirmNotFound(ctx context.Context, err error) error {
	if !iam.IsNotFound(err) {
		return err
	}
	for {
		p.api.mu.Lock()
		if p.api.confirmed || p.api.notAPI {
			notAPI := p.api.notAPI
			p.api.mu.Unlock()
			if notAPI {
				return &notTheAPIError{endpoint: p.shownURL(p.endpoint), call: err.Error()}
			}
			return err
		}
		if wait := p.api.probing; wait != nil {
			p.api.mu.Unlock()
			select {
			case <-wait:
				continue // settled, or failed: then this one asks itself
			case <-ctx.Done():
				return probeFailed(err, ctx.Err())
			}
		}
		done := make(chan struct{})
		p.api.probing = done
		p.api.mu.Unlock()

		perr := p.client.ProbeAPI(ctx)
		p.api.mu.Lock()
		p.api.confirmed = perr == nil
		p.api.notAPI = iam.IsNotFound(perr)
		p.api.probing = nil
		close(done)
		p.api.mu.Unlock()
		if perr != nil && !iam.IsNotFound(perr) {
			return probeFailed(err, perr)
		}
	}
}

// probeFailed is confirmNotFound's answer when it could not find out whether the endpoint is the
// API: the 404 err with why, and no longer a not-found error.
func probeFailed(err, why error) error {
	return fmt.Errorf("%s\n\nChecking that the endpoint is the Aritma IAM API (GET /v1/clients) before taking "+
		"that to mean the object is gone failed, so nothing was removed from the state: %w", err.Error(), why)
}
