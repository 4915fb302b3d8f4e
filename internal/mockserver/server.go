// Package mockserver is a stateful, in-memory mock of the Aritma IAM API and
// its OAuth 2.0 token endpoint, as described by CONTRACT.md. It backs the
// provider's acceptance tests and the runnable aritma-mock command.
//
// The package keeps its own wire structs on purpose: sharing them with the
// API client would let a JSON tag bug cancel itself out and tests would lie.
package mockserver

import (
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// Options configure a Server. The zero value is a memory-only mock with
// generated admin credentials and no control endpoints.
type Options struct {
	// AdminClientID is the bootstrap admin client's id; a UUID is generated when empty.
	AdminClientID string
	// AdminClientSecret is the bootstrap admin client's secret; 32 random characters when empty.
	AdminClientSecret string
	// DataFile persists the state as JSON; "" keeps it in memory only.
	DataFile string
	// EnableControl serves the /_mock/ control endpoints.
	EnableControl bool
	// Seed makes fault injection deterministic.
	Seed int64
	// Now is the clock; nil means time.Now. Tests may fake it.
	Now func() time.Time
	// TokenFailureLimit is how many failed token requests of one client id within a minute the
	// token endpoint takes before it answers 429 slow_down for that id: 0 means 10, a negative
	// value turns the throttle off (for a mock shared by tests that try wrong secrets).
	TokenFailureLimit int
	// TokenLifetime is how long a token lives (its expires_in); 0 means an hour. A short one lets
	// tests see a client renew its token within a run.
	TokenLifetime time.Duration
}

// Server is the mock. It is safe for concurrent use.
type Server struct {
	opts        Options
	now         func() time.Time
	adminID     string
	adminSecret string
	tenant      string

	mu      sync.RWMutex // guards st and gen, and serialises persistence writes
	st      *state
	gen     uint64                    // bumped on every mutation; keys subjIdx
	subjIdx atomic.Pointer[subjIndex] // sorted subjects, rebuilt lazily after mutations
	closed  bool
	evicted []string // admin secrets the last ensureAdmin deleted, see EvictedAdminSecrets
	dataErr error    // last persistence error, reported by Close
	// saved is the last state the mock stands by, encoded as the data file holds it: what it last
	// wrote, or a Reset whose write failed. A mutation that cannot be saved is rolled back to it.
	saved []byte

	tokMu    sync.Mutex // guards tokens and failures
	tokens   map[[32]byte]*tokenRec
	failures map[string][]time.Time
	// failingClients: the ids in failures that belong to a client (see pruneFailures).
	failingClients map[string]bool
	// failLimit is Options.TokenFailureLimit with its default; ≤ 0 never throttles.
	failLimit int
	issued    int

	lock *os.File // held on the data file's lock file until Close (see lockDataFile)

	faults faultState
	stats  statsState

	handler http.Handler
}

// defaultTokenLifetime is the expires_in of every token unless Options says otherwise (CONTRACT.md §1).
const defaultTokenLifetime = 3600 * time.Second

// tokenLifetime is Options.TokenLifetime with its default, in whole seconds as expires_in says it.
func (s *Server) tokenLifetime() time.Duration {
	if s.opts.TokenLifetime <= 0 {
		return defaultTokenLifetime
	}
	return max(time.Second, s.opts.TokenLifetime.Truncate(time.Second))
}

// New builds a Server. With a DataFile it loads the file (a missing file
// starts fresh) and fails on a corrupt or unreadable one rather than
// starting empty over someone's data.
func New(opts Options) (*Server, error) {
	s := &Server{
		opts:           opts,
		now:            opts.Now,
		adminID:        opts.AdminClientID,
		adminSecret:    opts.AdminClientSecret,
		tenant:         DefaultTenantID,
		tokens:         map[[32]byte]*tokenRec{},
		failures:       map[string][]time.Time{},
		failingClients: map[string]bool{},
		failLimit:      opts.TokenFailureLimit,
	}
	if n := runeLen(opts.AdminClientSecret); opts.AdminClientSecret != "" && (n < 8 || n > 32) {
		// The API holds no secret outside 8..32 characters; a mock that did would accept what
		// the real service never could.
		return nil, fmt.Errorf("mockserver: the admin client secret must be between 8 and 32 characters, got %d", n)
	}
	if s.failLimit == 0 {
		s.failLimit = defaultFailLimit
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.faults.init(opts.Seed)
	s.stats.init()

	st := seedState()
	if opts.DataFile != "" {
		path, err := resolveDataFile(opts.DataFile)
		if err != nil {
			return nil, err
		}
		s.opts.DataFile = path
		if s.lock, err = lockDataFile(path); err != nil {
			return nil, err
		}
		snap, err := loadFile(path)
		if err != nil {
			s.unlock()
			return nil, err
		}
		if snap != nil {
			st, err = snap.toState()
			if err != nil {
				s.unlock()
				return nil, fmt.Errorf("mockserver: data file %s is corrupt: %w (fix or remove it; the mock refuses to start empty over it)", opts.DataFile, err)
			}
			if s.adminID == "" {
				s.adminID = snap.AdminClientID
			}
			if snap.TenantID != "" {
				s.tenant = snap.TenantID
			}
		}
	}
	if s.adminID == "" {
		s.adminID = newUUID()
	}
	if s.adminSecret == "" {
		s.adminSecret = randomSecret(32)
	}
	s.st = st
	s.ensureAdmin()
	if err := s.persistLocked(); err != nil {
		s.unlock()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// Leftovers counts what the mock holds beyond its seeded state (the users and the admin client
// with its secret and grant): what a test run left behind, which a test that cleans up after
// itself leaves at zero.
type Leftovers struct{ Clients, Secrets, Policies, Groups int }

func (l Leftovers) String() string {
	return fmt.Sprintf("%d clients, %d secrets, %d policies and %d groups besides the seeded ones",
		l.Clients, l.Secrets, l.Policies, l.Groups)
}

// Leftovers returns what the mock holds beyond its seeded state.
func (s *Server) Leftovers() Leftovers {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var l Leftovers
	for id := range s.st.clients {
		if id != s.adminID {
			l.Clients++
		}
	}
	for _, secs := range s.st.secrets {
		for _, sec := range secs {
			if !sec.Bootstrap {
				l.Secrets++
			}
		}
	}
	seeded := policyKey{Subject: prefixClient + s.adminID, Scope: "/", Action: "owner"}
	for k := range s.st.policies {
		if k != seeded { // a grant added to the admin is a leftover like any other
			l.Policies++
		}
	}
	l.Groups = len(s.st.groups)
	return l
}

// Handler returns the HTTP handler serving /v1/..., /connect/token,
// /{tenant}/connect/token and, when enabled, /_mock/....
func (s *Server) Handler() http.Handler { return s.handler }

// AdminClientID returns the bootstrap admin client's id. Tests that count
// clients or subjects exclude it (and its subject client-<id>).
func (s *Server) AdminClientID() string { return s.adminID }

// PlausibleClientID reports whether id could be a client id the API generated (GUIDs): one that
// is no path segment, or that the provider's subject and import ids cannot carry, would make the
// client's grants unmanageable through the provider. (Options.AdminClientID takes any id, so
// that tests can check how odd ids travel.)
func PlausibleClientID(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.ContainsFunc(id, func(r rune) bool {
		return r == '/' || unicode.IsSpace(r) || unicode.IsControl(r)
	})
}

// AdminClientSecret returns the bootstrap admin client's secret.
func (s *Server) AdminClientSecret() string { return s.adminSecret }

// TenantID returns the id of the tenant every object belongs to.
func (s *Server) TenantID() string { return s.tenant }

// Reset restores the seeded state: seeded users and the admin client with
// its secret and owner policy. Faults and stats are left alone; the admin
// client's tokens stay valid so a test's API client keeps working. An error
// says the data file could not be saved: the reset stands in memory, but a
// restart would bring back what it removed (Close reports it again).
func (s *Server) Reset() error {
	s.mu.Lock()
	if s.closed && s.opts.DataFile != "" {
		s.mu.Unlock()
		return errShutDown
	}
	s.st = seedState()
	s.gen++
	s.ensureAdmin()
	perr := s.persistLocked()
	if perr != nil {
		s.dataErr = perr
		// The reset stands in memory even though the file lags behind: a later save that fails
		// must roll back to it, not to what the reset removed.
		if data, err := s.encodeLocked(); err == nil {
			s.saved = data
		}
	}
	s.mu.Unlock()
	s.tokMu.Lock()
	for k, t := range s.tokens {
		if t.clientID != s.adminID {
			delete(s.tokens, k)
		}
	}
	clear(s.failures)
	clear(s.failingClients)
	s.tokMu.Unlock()
	return perr
}

// errShutDown is Reset's answer after Close, when the data file is no longer the mock's to write.
var errShutDown = errors.New("the mock has shut down, so nothing was reset")

// Close flushes persistence and reports the last persistence error, if any.
// Every mutation is already written synchronously, so this is a final save.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.dataErr
	}
	s.closed = true
	defer s.unlock()
	if err := s.persistLocked(); err != nil {
		return err
	}
	return s.dataErr
}

// unlock releases the data file's lock, if held.
func (s *Server) unlock() {
	if s.lock != nil {
		_ = s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
}

// seedState returns the state a fresh mock starts with (without the admin client).
func seedState() *state {
	st := newState()
	for _, u := range seededUsers() {
		st.users[u.ID] = u
	}
	return st
}

// ensureAdmin makes sure the bootstrap admin client exists with the current
// secret and the owner policy on "/", and can get a token for the IAM API.
// The client and its grant keep the zero creation time, so read lag never
// hides them; the secret, whose creation time is shown, is exempt from read
// lag instead. Callers hold s.mu (or own s exclusively).
func (s *Server) ensureAdmin() {
	st := s.st
	admin := st.clients[s.adminID]
	if admin == nil {
		admin = &clientRec{
			ID:           s.adminID,
			Name:         "aritma-mock-admin",
			Description:  "Bootstrap admin client of the Aritma IAM mock.",
			GrantTypes:   []string{"client_credentials"},
			RedirectURIs: []string{},
			Scopes:       []string{"services.iam", "api", "bankservice"},
		}
		st.clients[s.adminID] = admin
	}
	// An update through the API may have taken away what the admin needs; a
	// restart gives it back, or the mock would lock everyone out for good.
	if !slices.Contains(admin.GrantTypes, "client_credentials") {
		admin.GrantTypes = append(admin.GrantTypes, "client_credentials")
	}
	if !slices.Contains(admin.Scopes, "services.iam") {
		admin.Scopes = append(admin.Scopes, "services.iam")
	}
	// Only the hash of the previous bootstrap secret survives a restart, so
	// replace it with the secret of this run. A bootstrap secret of another
	// client is that of an earlier admin (the admin id changed): there is one
	// bootstrap admin, so it goes too, and with it that admin's owner grant.
	for cid, secs := range st.secrets {
		for id, sec := range secs {
			if !sec.Bootstrap {
				continue
			}
			delete(secs, id)
			if cid != s.adminID {
				st.deletePolicy(policyKey{Subject: prefixClient + cid, Scope: "/", Action: "owner"})
			}
		}
	}
	secs := st.secrets[s.adminID]
	if secs == nil {
		secs = map[string]*secretRec{}
		st.secrets[s.adminID] = secs
	}
	s.evicted = s.evicted[:0]
	for len(secs) >= MaxSecretsPerClient {
		// The admin used its every slot (through the API, or it is a client that had them all
		// before it became the admin): this run's secret must still fit, and a data file over the
		// limit would not load again. One goes, the first to stop mattering.
		old := oldestSecret(secs, s.now())
		delete(secs, old.ID)
		s.evicted = append(s.evicted, old.ID)
	}
	id := newUUID()
	boot := &secretRec{ID: id, ClientID: s.adminID, Description: "bootstrap secret", Bootstrap: true, Created: s.now()}
	boot.Salt, boot.Hash = hashSecret(s.adminSecret)
	secs[id] = boot
	owner := &policyRec{Subject: prefixClient + s.adminID, Scope: "/", Action: "owner"}
	if st.policies[owner.key()] == nil {
		st.addPolicy(owner)
	}
}

// oldestSecret is the secret to give up first: the longest expired, or when none has expired, the
// oldest (created, then id, as the API lists them).
func oldestSecret(secs map[string]*secretRec, now time.Time) *secretRec {
	var pick *secretRec
	expired := func(r *secretRec) bool { return r.Expiration != nil && !r.Expiration.After(now) }
	for _, r := range secs {
		switch {
		case pick == nil:
			pick = r
		case expired(r) != expired(pick):
			if expired(r) {
				pick = r
			}
		case expired(r) && !r.Expiration.Equal(*pick.Expiration):
			if r.Expiration.Before(*pick.Expiration) {
				pick = r
			}
		case r.Created.Before(pick.Created) || r.Created.Equal(pick.Created) && r.ID < pick.ID:
			pick = r
		}
	}
	return pick
}

// EvictedAdminSecrets lists the ids of the admin's secrets the last start (or reset) deleted to
// make room for its bootstrap secret, which happens only when the admin held as many secrets as
// a client may: the command tells the user, since a service may have been using one of them.
func (s *Server) EvictedAdminSecrets() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.evicted)
}

// randomSecret returns n characters drawn uniformly from an unambiguous alphanumeric alphabet.
func randomSecret(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	// Bytes at or above the largest multiple of the alphabet's size are drawn again: taken
	// modulo the size, they would make the first characters likelier than the rest.
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(fmt.Sprintf("mockserver: crypto/rand failed: %v", err))
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// visible reports whether an object created at created may be shown by GET
// and list under the current read lag. The zero time (seeded objects) is
// always visible.
func (s *Server) visible(created time.Time, lag time.Duration) bool {
	return lag <= 0 || created.IsZero() || s.now().Sub(created) >= lag
}

// commit persists a mutation; callers hold s.mu for writing. A mutation that cannot be saved
// is undone before the 500 goes out, so the mock never answers for a change its file lacks: a
// restart cannot lose an object a client was told about, nor bring back one it was told failed.
func (s *Server) commit(r *http.Request) (response, bool) {
	s.gen++
	if s.closed && s.opts.DataFile != "" {
		// Close has saved the data file and released its lock (another mock may hold it now): a
		// request that outlived the shutdown's grace period must not write it, nor say it did.
		if rerr := s.rollbackLocked(); rerr != nil {
			return problemResp(r, http.StatusInternalServerError, "the mock has shut down and the change could not be undone: "+rerr.Error()), false
		}
		return problemResp(r, http.StatusServiceUnavailable, "the mock has shut down, so the change was not applied"), false
	}
	if err := s.persistLocked(); err != nil {
		s.dataErr = err
		if rerr := s.rollbackLocked(); rerr != nil {
			// Cannot happen while saved holds what persistLocked wrote; say so if it does.
			return problemResp(r, http.StatusInternalServerError, "persisting the mock state failed and the change could not be undone: "+err.Error()+"; "+rerr.Error()), false
		}
		return problemResp(r, http.StatusInternalServerError, "persisting the mock state failed, so the change was not applied: "+err.Error()), false
	}
	return response{}, true
}

// rollbackLocked restores the state last saved; callers hold s.mu for writing.
func (s *Server) rollbackLocked() error {
	snap, err := decodeSnapshot(s.saved)
	if err != nil {
		return err
	}
	st, err := snap.toState()
	if err != nil {
		return err
	}
	s.st = st
	s.gen++
	return nil
}

// route is one /v1 operation.
type route struct {
	pattern string // ServeMux pattern with method, e.g. "GET /v1/clients/{clientId}"
	area    string // IAM area of the permission it needs; "" = none (catalogues)
	write   bool   // needs iam.<area>.write rather than .read
	create  bool   // a POST create that CommitThenFailRate applies to
	h       func(r *http.Request, caller string) response
}

func (s *Server) v1Routes() []route {
	return []route{
		{"GET /v1/actions", "", false, false, s.listActions},
		{"GET /v1/scopes", "", false, false, s.listScopes},

		{"GET /v1/clients", "client", false, false, s.listClients},
		{"POST /v1/clients", "client", true, true, s.createClient},
		{"GET /v1/clients/{clientId}", "client", false, false, s.getClient},
		{"PUT /v1/clients/{clientId}", "client", true, false, s.updateClient},
		{"DELETE /v1/clients/{clientId}", "client", true, false, s.deleteClient},
		{"GET /v1/clients/{clientId}/secrets", "client", false, false, s.listSecrets},
		{"POST /v1/clients/{clientId}/secrets", "client", true, true, s.createSecret},
		{"DELETE /v1/clients/{clientId}/secrets/{clientSecretId}", "client", true, false, s.deleteSecret},

		{"GET /v1/policies", "policy", false, false, s.listPolicies},
		{"POST /v1/policies", "policy", true, true, s.createPolicy},
		{"DELETE /v1/policies", "policy", true, false, s.deletePolicy},

		{"GET /v1/subjects", "subject", false, false, s.listSubjects("")},
		{"GET /v1/subjects/users", "subject", false, false, s.listSubjects("user")},
		{"GET /v1/subjects/clients", "subject", false, false, s.listSubjects("client")},
		{"GET /v1/subjects/groups", "subject", false, false, s.listSubjects("group")},
		{"GET /v1/subjects/{subjectId}/memberships", "subject", false, false, s.listMemberships},
		{"GET /v1/subjects/{subjectId}/permissions", "subject", false, false, s.listPermissions},
		{"GET /v1/subjects/clients/{clientId}/permissions", "subject", false, false, s.listClientPermissions},

		{"POST /v1/subjects/groups", "subject", true, true, s.createGroup},
		{"DELETE /v1/subjects/groups/{groupId}", "subject", true, false, s.deleteGroup},
		{"GET /v1/subjects/groups/{groupId}/members", "subject", false, false, s.listMembers},
		{"POST /v1/subjects/groups/{groupId}/members", "subject", true, false, s.addMembers},
		{"DELETE /v1/subjects/groups/{groupId}/members/{subjectId}", "subject", true, false, s.removeMember},
	}
}

// routes wires the three muxes. They are separate because
// "/{tenant}/connect/token" would conflict with the "/v1/" fallback in one
// ServeMux, and because /_mock/ must bypass faults and stats.
func (s *Server) routes() http.Handler {
	v1 := http.NewServeMux()
	for _, rt := range s.v1Routes() {
		v1.HandleFunc(rt.pattern, s.v1Handler(rt))
	}
	// The fallback runs auth before answering 404/405, so the order of checks
	// of CONTRACT.md §9 holds for unknown routes too.
	fallback := s.v1Fallback(v1)
	v1.HandleFunc("/v1/", fallback)

	tok := http.NewServeMux()
	tok.HandleFunc("POST /connect/token", s.tokenHandler)
	tok.HandleFunc("POST /{tenant}/connect/token", s.tokenHandler)
	tok.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		resp, route := routeMiss(tok, r, "/")
		s.stats.record(r.Method, route, resp.status)
		write(w, resp)
	})

	ctl := http.NewServeMux()
	if s.opts.EnableControl {
		s.controlRoutes(ctl)
	}
	ctl.HandleFunc("/_mock/", func(w http.ResponseWriter, r *http.Request) {
		resp, _ := routeMiss(ctl, r, "/_mock/")
		write(w, resp)
	})
	control := refuseBrowsers(ctl)

	fakeClock := s.opts.Now != nil
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fakeClock {
			// Clients read the server's clock from Date (the provider does, to tell which
			// secrets a lost create made); a faked clock must show there too, not only in bodies.
			w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		}
		p := r.URL.EscapedPath() // what ServeMux cleans: an escaped "/" or "." in an id is no segment
		switch {
		case strings.HasPrefix(p, "/_mock/"):
			control.ServeHTTP(w, r)
		case uncleanV1Path(p):
			// ServeMux would redirect these to their clean form before any auth ran (a 307
			// without problem+json to anyone); like the real API, answer them after auth.
			fallback(w, r)
		case strings.HasPrefix(p, "/v1/"):
			v1.ServeHTTP(w, r)
		default:
			tok.ServeHTTP(w, r)
		}
	})
}

// routeMiss answers a request that no pattern took: 405 with Allow when the
// path exists for other methods, else 404. It also returns the route
// template to count the request under: the path's template for a 405, the
// fallback pattern for a 404.
func routeMiss(mux *http.ServeMux, r *http.Request, fallback string) (response, string) {
	var allow []string
	route := fallback
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := *r
		probe.Method = m
		if _, p := mux.Handler(&probe); p != "" && p != fallback {
			allow = append(allow, m)
			_, route, _ = strings.Cut(p, " ")
		}
	}
	if len(allow) > 0 {
		resp := problemResp(r, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed here; allowed: %s", r.Method, strings.Join(allow, ", ")))
		resp.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
		return resp, route
	}
	return problemResp(r, http.StatusNotFound, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path)), fallback
}

func (s *Server) v1Handler(rt route) http.HandlerFunc {
	_, path, _ := strings.Cut(rt.pattern, " ")
	return func(w http.ResponseWriter, r *http.Request) {
		resp := s.serveV1(r, &rt)
		// r.Method, not the pattern's: ServeMux sends HEAD to a GET route.
		s.stats.record(r.Method, path, resp.status)
		write(w, resp)
	}
}

func (s *Server) v1Fallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		route := "/v1/"
		resp, ok := s.applyFaults(r, s.faults.plan(true, false))
		if ok {
			switch _, resp, ok = s.authenticate(r); {
			case ok && uncleanV1Path(r.URL.EscapedPath()):
				resp = problemResp(r, http.StatusNotFound, fmt.Sprintf("no route for %s %s: the path has an empty, \".\" or \"..\" segment", r.Method, r.URL.Path))
			case ok:
				resp, route = routeMiss(mux, r, "/v1/")
			}
		}
		s.stats.record(r.Method, route, resp.status)
		write(w, resp)
	}
}

// uncleanV1Path reports whether p is /v1 itself, or under /v1/ and not in the canonical form that
// http.ServeMux routes without a redirect: an empty segment (but a trailing slash), "." or "..".
func uncleanV1Path(p string) bool {
	// "//v1/clients" is what an endpoint with a trailing "/" asks for.
	if t := strings.TrimLeft(p, "/"); len(p)-len(t) > 1 && (t == "v1" || strings.HasPrefix(t, "v1/")) {
		return true
	}
	rest, ok := strings.CutPrefix(p, "/v1/")
	if !ok {
		return p == "/v1"
	}
	segs := strings.Split(rest, "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i < len(segs)-1) {
			return true
		}
	}
	return false
}

// applyFaults carries out a fault plan: it sleeps, then answers 429 or an
// injected 5xx. ok=false means resp is the answer and state is untouched.
func (s *Server) applyFaults(r *http.Request, pl faultPlan) (resp response, ok bool) {
	if !pl.sleep(r) {
		return problemResp(r, http.StatusServiceUnavailable, "request cancelled while delayed"), false
	}
	if pl.limited {
		resp := problemResp(r, http.StatusTooManyRequests, "rate limit exceeded; retry later")
		resp.header = http.Header{"Retry-After": {strconv.Itoa(pl.retryAfter)}}
		return resp, false
	}
	if pl.errStatus != 0 {
		resp := problemResp(r, pl.errStatus, "injected fault")
		if pl.errStatus == http.StatusServiceUnavailable {
			resp.header = http.Header{"Retry-After": {"1"}}
		}
		return resp, false
	}
	return response{}, true
}

// serveV1 runs the checks of CONTRACT.md §9 in order (token, services.iam,
// route — already matched —, IAM permission) and then the handler, which
// does resource, validation and conflict checks.
func (s *Server) serveV1(r *http.Request, rt *route) response {
	pl := s.faults.plan(true, rt.create)
	if resp, ok := s.applyFaults(r, pl); !ok {
		return resp
	}
	caller, resp, ok := s.authenticate(r)
	if !ok {
		return resp
	}
	if rt.area != "" {
		need := "iam." + rt.area + ".read"
		if rt.write {
			need = "iam." + rt.area + ".write"
		}
		if !s.authorized(caller, need) {
			return problemResp(r, http.StatusForbidden, fmt.Sprintf("subject %s lacks permission %s on scope /", caller, need))
		}
	}
	if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !isJSONMediaType(r.Header.Get("Content-Type")) {
		// Every body the API takes is JSON, and ASP.NET's input formatters refuse any other
		// media type before the action runs, body or not.
		return problemResp(r, http.StatusUnsupportedMediaType, "the request body must be application/json")
	}
	resp = rt.h(r, caller)
	if pl.commitFail && resp.status >= 200 && resp.status < 300 {
		// The write has committed; the caller only learns that something broke.
		return problemResp(r, http.StatusBadGateway, "the upstream service did not answer")
	}
	return resp
}

// isJSONMediaType reports whether a Content-Type names JSON as ASP.NET's JSON input formatter
// takes it: application/json, text/json or an application/*+json type, with any parameters.
func isJSONMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || mt == "text/json" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}
