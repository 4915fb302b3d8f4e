package mockserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Fixed ids of the seeded tenant and users. They are constants so tests and
// examples can refer to the users without listing subjects first.
const (
	// DefaultTenantID is the id of the single tenant the mock serves.
	DefaultTenantID = "2f4c6e8a-0b1d-4e3f-8a5c-7d9e1f2a3b4c"
	// SeedUserAliceID is the id of the seeded user alice.
	SeedUserAliceID = "5b0e7c43-2d7a-4c4e-9f1a-1e2d3c4b5a61"
	// SeedUserBobID is the id of the seeded user bob.
	SeedUserBobID = "6c1f8d54-3e8b-4d5f-a02b-2f3e4d5c6b72"
	// SeedUserCarolID is the id of the seeded user carol.
	SeedUserCarolID = "7d209e65-4f9c-4e60-b13c-304f5e6d7c83"
	// SeedUserSupportID is the id of the seeded global user (tenant null),
	// which lets clients exercise the null-tenant case of SubjectDto.
	SeedUserSupportID = "8e31af76-50ad-4f71-824d-41506f7e8d94"
)

// Subject id prefixes (CONTRACT.md §2).
const (
	prefixUser   = "user-"
	prefixClient = "client-"
	prefixGroup  = "group-"
)

type clientRec struct {
	ID           string    `json:"clientId"`
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	GrantTypes   []string  `json:"allowedGrantTypes"`
	RedirectURIs []string  `json:"redirectUris"`
	Scopes       []string  `json:"allowedScopes"`
	Created      time.Time `json:"created"`
}

type secretRec struct {
	ID          string     `json:"clientSecretId"`
	ClientID    string     `json:"clientId"`
	Description string     `json:"description"`
	Hash        string     `json:"sha256"` // hex SHA-256 of Salt and the value; the value itself is never kept
	Salt        string     `json:"salt,omitempty"`
	Expiration  *time.Time `json:"expiration,omitempty"`
	Created     time.Time  `json:"created"`
	// Bootstrap marks the admin client's start-up secret, which is replaced
	// on every start because only its hash survives a restart.
	Bootstrap bool `json:"bootstrap,omitempty"`
}

type policyKey struct {
	Subject, Scope, Action string
}

type policyRec struct {
	Subject string    `json:"subject"`
	Scope   string    `json:"scope"`
	Action  string    `json:"action"`
	Created time.Time `json:"created"`
}

func (p *policyRec) key() policyKey { return policyKey{p.Subject, p.Scope, p.Action} }

type userRec struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Email       string `json:"email"`
	DisplayName string `json:"displayName"`
	Global      bool   `json:"global,omitempty"`
}

type groupRec struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
}

// state is the mutable data of the mock. Every field is guarded by Server.mu.
type state struct {
	clients  map[string]*clientRec
	secrets  map[string]map[string]*secretRec // clientID -> secretID -> secret
	policies map[policyKey]*policyRec
	bySubj   map[string]map[policyKey]*policyRec // subjectID -> policies, for cheap authorization
	users    map[string]*userRec
	groups   map[string]*groupRec
	members  map[string]map[string]struct{} // groupID -> member subjectIDs (direct)
	memberOf map[string]map[string]struct{} // subjectID -> groupIDs it is directly in
}

func newState() *state {
	return &state{
		clients:  map[string]*clientRec{},
		secrets:  map[string]map[string]*secretRec{},
		policies: map[policyKey]*policyRec{},
		bySubj:   map[string]map[policyKey]*policyRec{},
		users:    map[string]*userRec{},
		groups:   map[string]*groupRec{},
		members:  map[string]map[string]struct{}{},
		memberOf: map[string]map[string]struct{}{},
	}
}

func seededUsers() []*userRec {
	return []*userRec{
		{ID: SeedUserAliceID, Username: "alice", Email: "alice@example.com", DisplayName: "Alice Andersen"},
		{ID: SeedUserBobID, Username: "bob", Email: "bob@example.com", DisplayName: "Bob Berg"},
		{ID: SeedUserCarolID, Username: "carol", Email: "carol@example.com", DisplayName: "Carol Carlsen"},
		{ID: SeedUserSupportID, Username: "support", Email: "support@aritma.example", DisplayName: "Aritma Support", Global: true},
	}
}

func (st *state) addPolicy(p *policyRec) {
	k := p.key()
	st.policies[k] = p
	m := st.bySubj[p.Subject]
	if m == nil {
		m = map[policyKey]*policyRec{}
		st.bySubj[p.Subject] = m
	}
	m[k] = p
}

func (st *state) deletePolicy(k policyKey) {
	delete(st.policies, k)
	if m := st.bySubj[k.Subject]; m != nil {
		delete(m, k)
		if len(m) == 0 {
			delete(st.bySubj, k.Subject)
		}
	}
}

// deleteSubjectPolicies removes every policy whose subject is sid (cascade).
func (st *state) deleteSubjectPolicies(sid string) {
	for k := range st.bySubj[sid] {
		delete(st.policies, k)
	}
	delete(st.bySubj, sid)
}

func (st *state) addMember(groupID, sid string) {
	m := st.members[groupID]
	if m == nil {
		m = map[string]struct{}{}
		st.members[groupID] = m
	}
	m[sid] = struct{}{}
	o := st.memberOf[sid]
	if o == nil {
		o = map[string]struct{}{}
		st.memberOf[sid] = o
	}
	o[groupID] = struct{}{}
}

func (st *state) removeMember(groupID, sid string) {
	if m := st.members[groupID]; m != nil {
		delete(m, sid)
		if len(m) == 0 {
			delete(st.members, groupID)
		}
	}
	if o := st.memberOf[sid]; o != nil {
		delete(o, groupID)
		if len(o) == 0 {
			delete(st.memberOf, sid)
		}
	}
}

// removeSubjectEverywhere drops sid from every group it is in (cascade on delete).
func (st *state) removeSubjectEverywhere(sid string) {
	for g := range st.memberOf[sid] {
		if m := st.members[g]; m != nil {
			delete(m, sid)
			if len(m) == 0 {
				delete(st.members, g)
			}
		}
	}
	delete(st.memberOf, sid)
}

// subjectExists reports whether sid names an existing user, client or group.
func (st *state) subjectExists(sid string) bool {
	switch {
	case hasPrefix(sid, prefixUser):
		return st.users[sid[len(prefixUser):]] != nil
	case hasPrefix(sid, prefixClient):
		return st.clients[sid[len(prefixClient):]] != nil
	case hasPrefix(sid, prefixGroup):
		return st.groups[sid[len(prefixGroup):]] != nil
	}
	return false
}

// subjectVisible is subjectExists for a request under read lag: a client or group created less
// than lag ago is not there yet. An eventually consistent API that hides a new object from reads
// checks the references of a write against the same lagging view, so a policy on a client made
// a moment ago is refused as naming an unknown subject.
func (s *Server) subjectVisible(sid string, lag time.Duration) bool {
	switch {
	case hasPrefix(sid, prefixClient):
		c := s.st.clients[sid[len(prefixClient):]]
		return c != nil && s.visible(c.Created, lag)
	case hasPrefix(sid, prefixGroup):
		g := s.st.groups[sid[len(prefixGroup):]]
		return g != nil && s.visible(g.Created, lag)
	}
	return s.st.subjectExists(sid)
}

// groupsOf returns every group sid is in, directly or through other groups.
func (st *state) groupsOf(sid string) []string {
	var out []string
	seen := map[string]bool{}
	queue := []string{sid}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for g := range st.memberOf[cur] {
			if seen[g] {
				continue
			}
			seen[g] = true
			out = append(out, g)
			queue = append(queue, prefixGroup+g)
		}
	}
	return out
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("mockserver: crypto/rand failed: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
