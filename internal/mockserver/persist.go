package mockserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// snapshotVersion is bumped when the file format changes incompatibly.
const snapshotVersion = 1

// snapshot is the persisted form of the state. Secrets are stored as
// SHA-256 hashes only; tokens are not persisted (a restart logs clients out,
// which OAuth clients handle by fetching a new token).
type snapshot struct {
	Version       int          `json:"version"`
	TenantID      string       `json:"tenantId"`
	AdminClientID string       `json:"adminClientId"`
	Users         []*userRec   `json:"users"`
	Clients       []*clientRec `json:"clients"`
	Secrets       []*secretRec `json:"secrets"`
	Policies      []*policyRec `json:"policies"`
	Groups        []*groupRec  `json:"groups"`
	Members       []membership `json:"members"`
}

type membership struct {
	GroupID   string `json:"groupId"`
	SubjectID string `json:"subjectId"`
}

// snapshotLocked captures the state in a deterministic order; callers hold s.mu.
func (s *Server) snapshotLocked() *snapshot {
	st := s.st
	snap := &snapshot{Version: snapshotVersion, TenantID: s.tenant, AdminClientID: s.adminID}
	for _, id := range sortedKeys(st.users) {
		snap.Users = append(snap.Users, st.users[id])
	}
	for _, id := range sortedKeys(st.clients) {
		snap.Clients = append(snap.Clients, st.clients[id])
		secs := st.secrets[id]
		for _, sid := range sortedKeys(secs) {
			snap.Secrets = append(snap.Secrets, secs[sid])
		}
	}
	for _, p := range st.policies {
		snap.Policies = append(snap.Policies, p)
	}
	slices.SortFunc(snap.Policies, func(a, b *policyRec) int {
		return strings.Compare(a.Subject+"\x00"+a.Scope+"\x00"+a.Action, b.Subject+"\x00"+b.Scope+"\x00"+b.Action)
	})
	for _, id := range sortedKeys(st.groups) {
		snap.Groups = append(snap.Groups, st.groups[id])
		for _, m := range sortedKeys(st.members[id]) {
			snap.Members = append(snap.Members, membership{GroupID: id, SubjectID: m})
		}
	}
	return snap
}

// toState rebuilds the state, checking references so a hand-edited file
// that does not hang together is reported instead of half-loaded.
func (snap *snapshot) toState() (*state, error) {
	if snap.Version != snapshotVersion {
		return nil, fmt.Errorf("unsupported version %d (want %d)", snap.Version, snapshotVersion)
	}
	st := newState()
	for _, u := range snap.Users {
		if u == nil || u.ID == "" {
			return nil, errors.New("a user without id")
		}
		if st.users[u.ID] != nil {
			return nil, fmt.Errorf("user %s appears twice", u.ID)
		}
		st.users[u.ID] = u
	}
	for _, c := range snap.Clients {
		if c == nil || c.ID == "" {
			return nil, errors.New("a client without clientId")
		}
		if st.clients[c.ID] != nil {
			return nil, fmt.Errorf("client %s appears twice", c.ID)
		}
		if !PlausibleClientID(c.ID) {
			return nil, fmt.Errorf("client id %q is none the API generates", c.ID)
		}
		body := clientBody{Name: &c.Name, Description: &c.Description, AllowedGrantTypes: &c.GrantTypes,
			RedirectURIs: &c.RedirectURIs, AllowedScopes: &c.Scopes}
		if errs := body.validate(); errs != nil {
			return nil, fmt.Errorf("client %s breaks the API's rules: %s", c.ID, errs.first())
		}
		st.clients[c.ID] = c
	}
	for _, sec := range snap.Secrets {
		if sec == nil || sec.ID == "" || st.clients[sec.ClientID] == nil {
			return nil, errors.New("a secret without id or of an unknown client")
		}
		if msg := secretDescriptionRule(sec.Description); msg != "" {
			return nil, fmt.Errorf("secret %s breaks the API's rules: %s", sec.ID, msg)
		}
		if h, err := hex.DecodeString(sec.Hash); err != nil || len(h) != sha256.Size {
			return nil, fmt.Errorf("secret %s has no valid sha256 hash", sec.ID)
		}
		if st.secrets[sec.ClientID][sec.ID] != nil {
			return nil, fmt.Errorf("secret %s appears twice", sec.ID)
		}
		if st.secrets[sec.ClientID] == nil {
			st.secrets[sec.ClientID] = map[string]*secretRec{}
		}
		if len(st.secrets[sec.ClientID]) == MaxSecretsPerClient {
			return nil, fmt.Errorf("client %s holds more than %d secrets, the API's limit", sec.ClientID, MaxSecretsPerClient)
		}
		st.secrets[sec.ClientID][sec.ID] = sec
	}
	for _, g := range snap.Groups {
		if g == nil || g.ID == "" {
			return nil, errors.New("a group without id")
		}
		if st.groups[g.ID] != nil {
			return nil, fmt.Errorf("group %s appears twice", g.ID)
		}
		if !PlausibleClientID(g.ID) { // the same rule: an id the API generates fits in a path
			return nil, fmt.Errorf("group id %q is none the API generates", g.ID)
		}
		body := groupBody{DisplayName: &g.DisplayName, Description: &g.Description}
		if errs := body.validate(); errs != nil {
			return nil, fmt.Errorf("group %s breaks the API's rules: %s", g.ID, errs.first())
		}
		st.groups[g.ID] = g
	}
	// The API's own rules hold for what the file holds, or the mock would serve what it never
	// accepts (a malformed scope, an unknown action, a duplicate grant, a cycle of groups).
	for _, p := range snap.Policies {
		if p == nil || !st.subjectExists(p.Subject) {
			return nil, errors.New("a policy of an unknown subject")
		}
		if _, err := parseScope(p.Scope); err != nil || !knownAction(p.Action) {
			return nil, fmt.Errorf("policy %s has a malformed scope or an action outside the catalogue", policyLabel(p))
		}
		if st.policies[p.key()] != nil {
			return nil, fmt.Errorf("policy %s appears twice", policyLabel(p))
		}
		st.addPolicy(p)
	}
	for _, m := range snap.Members {
		if st.groups[m.GroupID] == nil || !st.subjectExists(m.SubjectID) {
			return nil, fmt.Errorf("membership %s in %s refers to an unknown subject or group", m.SubjectID, m.GroupID)
		}
		if _, dup := st.members[m.GroupID][m.SubjectID]; dup {
			return nil, fmt.Errorf("membership %s in %s appears twice", m.SubjectID, m.GroupID)
		}
		if m.SubjectID == prefixGroup+m.GroupID ||
			hasPrefix(m.SubjectID, prefixGroup) && st.inGroupTransitively(prefixGroup+m.GroupID, m.SubjectID[len(prefixGroup):]) {
			return nil, fmt.Errorf("membership %s in %s makes a cycle of groups", m.SubjectID, m.GroupID)
		}
		st.addMember(m.GroupID, m.SubjectID)
	}
	if len(snap.Users) == 0 {
		// The API seeds users and has no way to delete them.
		return nil, errors.New("no users: the API cannot delete the users it is seeded with")
	}
	return st, nil
}

// loadFile reads a snapshot. A missing file is (nil, nil): start fresh. Temp files that a crash
// in the middle of a save left next to it are removed: the data file itself is whole (the rename
// is what replaces it), and nothing else writes them while this mock starts on the file.
func loadFile(path string) (*snapshot, error) {
	if entries, err := os.ReadDir(filepath.Dir(path)); err == nil {
		// By prefix and suffix, not a glob: the file's name may hold '*' or '['.
		prefix := "." + filepath.Base(path) + "."
		for _, e := range entries {
			if n := e.Name(); strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".tmp") && len(n) > len(prefix)+len(".tmp") {
				_ = os.Remove(filepath.Join(filepath.Dir(path), n)) // best effort: a leftover only takes space
			}
		}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mockserver: reading data file: %w", err)
	}
	snap, err := decodeSnapshot(data)
	if err != nil {
		return nil, fmt.Errorf("mockserver: data file %s is corrupt: %w (fix or remove it; the mock refuses to start empty over it)", path, err)
	}
	return snap, nil
}

// decodeSnapshot parses a data file's content: one JSON object with known fields and nothing
// after it.
func decodeSnapshot(data []byte) (*snapshot, error) {
	var snap snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected content after the JSON object")
	}
	return &snap, nil
}

// persistLocked writes the state to the data file, if any; callers hold s.mu.
func (s *Server) persistLocked() error {
	if s.opts.DataFile == "" {
		return nil
	}
	data, err := s.encodeLocked()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.opts.DataFile, data); err != nil {
		return err
	}
	// The file now holds the whole state, so an earlier failure no longer matters.
	s.saved, s.dataErr = data, nil
	return nil
}

// encodeLocked is the data file's content for the current state; callers hold s.mu.
func (s *Server) encodeLocked() ([]byte, error) {
	data, err := json.MarshalIndent(s.snapshotLocked(), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("mockserver: encoding state: %w", err)
	}
	return append(data, '\n'), nil
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file, never a torn one: temp file in the same directory,
// fsync, rename, fsync of the directory.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("mockserver: writing data file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp) // best effort; the original file is untouched
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("mockserver: writing data file: %w", err)
	}
	if err = os.Chmod(tmp, 0o600); err != nil {
		return fmt.Errorf("mockserver: writing data file: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("mockserver: replacing data file: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		// Not every platform can fsync a directory; the rename is still atomic.
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// policyLabel names a policy in a data-file error, the way the provider's import id does.
func policyLabel(p *policyRec) string {
	return fmt.Sprintf("%q", p.Subject+","+p.Action+","+p.Scope)
}

// resolveDataFile follows a symbolic link to the file it names, so that saves, which replace the
// file, update the target rather than replace the link with a file of its own. A link to nothing
// (a mount not there yet) stops the mock: starting empty there would replace the link, and the
// data behind it would be lost to every later start.
func resolveDataFile(path string) (string, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err == nil {
		return resolved, nil
	}
	if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
		target, _ := os.Readlink(path)
		return "", fmt.Errorf("mockserver: data file %s is a symbolic link to %s, which cannot be followed: %w", path, target, err)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil // a new file, written at the first save
	}
	return "", fmt.Errorf("mockserver: data file %s: %w", path, err)
}
