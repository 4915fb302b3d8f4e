package mockserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPersistRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	withFile := func(o *Options) { o.DataFile = file }

	e := newEnv(t, withFile)
	id, secret := e.newClientWithSecret("kept")
	g := e.newGroup("team")
	e.want(e.call("POST", "/v1/subjects/groups/"+g+"/members", map[string]any{"subjectIds": []string{"client-" + id}}), 204)
	e.grant("group-"+g, "/", "iam.manage")
	before := e.want(e.call("GET", "/v1/subjects/client-"+id+"/permissions", nil), 200)

	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) || strings.Contains(string(raw), testAdminSecret) {
		t.Fatal("data file contains a secret value")
	}
	// Nor a bare SHA-256 of one, which a lookup table reverses for short values.
	for _, v := range []string{secret, testAdminSecret} {
		if sum := sha256.Sum256([]byte(v)); strings.Contains(string(raw), hex.EncodeToString(sum[:])) {
			t.Fatal("data file contains an unsalted hash of a secret value")
		}
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", fi.Mode())
	}
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}

	// A second server on the same file (new admin secret) sees everything.
	e2 := newEnv(t, withFile, func(o *Options) { o.AdminClientSecret = "another-admin-secret" })
	e2.want(e2.tokenReq("/connect/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {testAdminID}, "client_secret": {testAdminSecret}}, nil), 401)
	after := e2.want(e2.call("GET", "/v1/subjects/client-"+id+"/permissions", nil), 200)
	if string(after.raw) != string(before.raw) {
		t.Errorf("permissions differ after reload:\n%s\n%s", before.raw, after.raw)
	}
	e2.mustToken(id, secret) // the hash survived
	if n := e2.want(e2.call("GET", "/v1/clients/"+testAdminID+"/secrets", nil), 200).num("metadata.totalCount"); n != 1 {
		t.Errorf("admin bootstrap secrets = %d, want 1 (replaced, not added)", n)
	}
}

func TestPersistOldAdminSecretRejected(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s1, err := New(Options{DataFile: file, AdminClientID: "adm", AdminClientSecret: "first-secret"})
	if err != nil {
		t.Fatal(err)
	}
	_ = s1.Close()
	s2, err := New(Options{DataFile: file, AdminClientSecret: "second-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.AdminClientID() != "adm" {
		t.Errorf("admin id not taken from the file: %q", s2.AdminClientID())
	}
	s2.mu.RLock()
	defer s2.mu.RUnlock()
	for _, sec := range s2.st.secrets["adm"] {
		if secretMatches("first-secret", sec) {
			t.Error("old bootstrap secret still valid")
		}
	}
}

func TestPersistBadFiles(t *testing.T) {
	dir := t.TempDir()
	// A client the API could have created, for the rows about what refers to one.
	const okClient = `{"clientId":"c","name":"c","allowedGrantTypes":["client_credentials"]}`
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"garbage", "{not json", "corrupt"},
		{"empty", "", "corrupt"},
		{"unknown field", `{"version":1,"surprise":true}`, "corrupt"},
		{"wrong version", `{"version":99}`, "unsupported version"},
		{"dangling secret", `{"version":1,"secrets":[{"clientSecretId":"s","clientId":"nope","sha256":"` + strings.Repeat("0", 64) + `"}]}`, "unknown client"},
		{"content after the object", `{"version":1}{"version":1}`, "unexpected content after the JSON object"},
		{"duplicate client", `{"version":1,"clients":[` + okClient + `,` + okClient + `]}`, "client c appears twice"},
		{"hash not hex", `{"version":1,"clients":[` + okClient + `],"secrets":[{"clientSecretId":"s","clientId":"c","sha256":"` + strings.Repeat("z", 64) + `"}]}`, "no valid sha256 hash"},
		{"dangling policy", `{"version":1,"policies":[{"subject":"client-x","scope":"/","action":"owner"}]}`, "unknown subject"},
		{"malformed scope", `{"version":1,"clients":[` + okClient + `],"policies":[{"subject":"client-c","scope":"bad","action":"owner"}]}`, "malformed scope"},
		{"unknown action", `{"version":1,"clients":[` + okClient + `],"policies":[{"subject":"client-c","scope":"/","action":"nope"}]}`, "outside the catalogue"},
		{"duplicate policy", `{"version":1,"clients":[` + okClient + `],"policies":[{"subject":"client-c","scope":"/","action":"owner"},{"subject":"client-c","scope":"/","action":"owner"}]}`, `policy "client-c,owner,/" appears twice`},
		{"duplicate membership", `{"version":1,"groups":[{"id":"g","displayName":"g"}],"clients":[` + okClient + `],"members":[{"groupId":"g","subjectId":"client-c"},{"groupId":"g","subjectId":"client-c"}]}`, "appears twice"},
		{"group in itself", `{"version":1,"groups":[{"id":"g","displayName":"g"}],"members":[{"groupId":"g","subjectId":"group-g"}]}`, "cycle"},
		{"cycle of groups", `{"version":1,"groups":[{"id":"g1","displayName":"g1"},{"id":"g2","displayName":"g2"}],"members":[{"groupId":"g1","subjectId":"group-g2"},{"groupId":"g2","subjectId":"group-g1"}]}`, "membership group-g1 in g2 makes a cycle of groups"},
		{"client without a name", `{"version":1,"clients":[{"clientId":"c","name":"","allowedGrantTypes":["client_credentials"]}]}`, "client c breaks the API's rules: name must be between 1 and 200 characters"},
		{"client with a bogus grant type", `{"version":1,"clients":[{"clientId":"c","name":"c","allowedGrantTypes":["bogus"]}]}`, `client c breaks the API's rules: grant type "bogus" is not supported`},
		{"client without grant types", `{"version":1,"clients":[{"clientId":"c","name":"c"}]}`, "allowedGrantTypes must contain at least one grant type"},
		{"client id with a space", `{"version":1,"clients":[{"clientId":"c d","name":"c","allowedGrantTypes":["client_credentials"]}]}`, `client id "c d" is none the API generates`},
		{"group without a name", `{"version":1,"groups":[{"id":"g","displayName":""}]}`, "group g breaks the API's rules: displayName must be between 1 and 200 characters"},
		{"group description too long", `{"version":1,"groups":[{"id":"g","displayName":"g","description":"` + strings.Repeat("d", 1001) + `"}]}`, "group g breaks the API's rules: description must be at most 1000 characters"},
		{"group id with a space", `{"version":1,"groups":[{"id":"g h","displayName":"g"}]}`, `group id "g h" is none the API generates`},
		{"more secrets than the limit", `{"version":1,"clients":[` + okClient + `],"secrets":[` + manySecrets(21) + `]}`, "client c holds more than 20 secrets, the API's limit"},
		{"no users", `{"version":1,"clients":[` + okClient + `]}`, "no users: the API cannot delete the users it is seeded with"},
		{"secret description too long", `{"version":1,"clients":[` + okClient + `],"secrets":[{"clientSecretId":"s","clientId":"c","description":"` + strings.Repeat("d", 201) + `","sha256":"` + strings.Repeat("0", 64) + `"}]}`, "secret s breaks the API's rules: description must be at most 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Options{DataFile: file})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			// The bad file is left as it was.
			if got, _ := os.ReadFile(file); string(got) != tt.content {
				t.Error("bad file was overwritten")
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		// A directory in place of the file cannot be read.
		file := filepath.Join(dir, "adir")
		if err := os.Mkdir(file, 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := New(Options{DataFile: file}); err == nil {
			t.Fatal("no error for an unreadable data file")
		}
	})
	t.Run("missing starts fresh", func(t *testing.T) {
		file := filepath.Join(dir, "fresh.json")
		s, err := New(Options{DataFile: file})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := os.Stat(file); err != nil {
			t.Errorf("fresh state not written: %v", err)
		}
	})
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.json")
	for i, content := range []string{`{"a":1}`, `{"a":2}`} {
		if err := writeFileAtomic(file, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(file); string(got) != content {
			t.Errorf("write %d: %q", i, got)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
	// A failing write (directory gone) leaves no partial file and reports the error.
	if err := writeFileAtomic(filepath.Join(dir, "missing", "f.json"), []byte("x")); err == nil {
		t.Error("no error writing into a missing directory")
	}
	// Every mutation is saved: the file always decodes to a complete snapshot.
	s, err := New(Options{DataFile: file})
	if err != nil {
		// The file holds {"a":2}: unknown field, so this must be refused.
		if !strings.Contains(err.Error(), "corrupt") {
			t.Fatal(err)
		}
	} else {
		s.Close()
		t.Fatal("foreign JSON accepted")
	}
}

func TestPersistEveryMutation(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, func(o *Options) { o.DataFile = file })
	count := func() int {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var snap snapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			t.Fatal(err)
		}
		return len(snap.Clients)
	}
	id := e.newClient("one")
	if count() != 2 {
		t.Errorf("create not persisted")
	}
	e.want(e.call("DELETE", "/v1/clients/"+id, nil), 204)
	if count() != 1 {
		t.Errorf("delete not persisted")
	}
	e.newClient("two")
	if err := e.ts.Reset(); err != nil {
		t.Fatal(err)
	}
	if count() != 1 {
		t.Errorf("reset not persisted")
	}
}

// A mutation the mock cannot save is undone: after its 500 the mock holds, in memory and later on
// disk, exactly what it held before.
func TestPersistFailedSaveRollsBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "state.json")
	e := newEnv(t, func(o *Options) { o.DataFile = file })
	kept := e.newClient("kept")

	// Without its directory the data file cannot be written (even by root).
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	res := e.want(e.call("POST", "/v1/clients", map[string]any{
		"name": "lost", "description": "", "allowedGrantTypes": []string{"client_credentials"}, "allowedScopes": []string{"services.iam"}, "redirectUris": []string{},
	}), 500)
	if !strings.Contains(string(res.raw), "the change was not applied") {
		t.Errorf("500 body: %s", res.raw)
	}
	e.want(e.call("PUT", "/v1/clients/"+kept, map[string]any{
		"name": "renamed", "description": "", "allowedGrantTypes": []string{"client_credentials"}, "allowedScopes": []string{"services.iam"}, "redirectUris": []string{},
	}), 500)
	if n := e.want(e.call("GET", "/v1/clients?searchText=lost", nil), 200).num("metadata.totalCount"); n != 0 {
		t.Errorf("the client whose save failed is listed (%v)", n)
	}
	if name := e.want(e.call("GET", "/v1/clients/"+kept, nil), 200).str("name"); name != "kept" {
		t.Errorf("the update whose save failed shows: name = %q", name)
	}

	// Once the file can be written again, the next save holds neither change.
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	e.newClient("after")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"lost"`) || strings.Contains(string(raw), `"renamed"`) || !strings.Contains(string(raw), `"after"`) {
		t.Errorf("data file after recovery:\n%s", raw)
	}
}

// A Reset whose save fails still stands: a later failed save rolls back to the reset state, never
// to the objects the reset removed.
func TestPersistFailedResetIsNotUndone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) { o.DataFile = filepath.Join(dir, "state.json") })
	gone := e.newClient("removed-by-reset")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := e.ts.Reset(); err == nil {
		t.Error("a reset the data file could not take reported no error")
	}
	e.wantProblem(e.callAs("", "POST", "/_mock/reset", nil), 500, "", "")
	e.want(e.call("POST", "/v1/clients", map[string]any{
		"name": "failed", "description": "", "allowedGrantTypes": []string{"client_credentials"}, "allowedScopes": []string{"api"}, "redirectUris": []string{},
	}), 500)
	e.wantProblem(e.call("GET", "/v1/clients/"+gone, nil), 404, "", "")
	if err := os.Mkdir(dir, 0o700); err != nil { // let Close save
		t.Fatal(err)
	}
}

// An admin client changed through the API so that it can no longer get a token for the IAM API
// gets that back at the next start: otherwise nothing but editing the data file could unlock it.
func TestPersistAdminRestoredAtStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	withFile := func(o *Options) { o.DataFile = file }
	e := newEnv(t, withFile)
	e.want(e.call("PUT", "/v1/clients/"+testAdminID, map[string]any{
		"name": "aritma-mock-admin", "description": "", "allowedGrantTypes": []string{"authorization_code"},
		"redirectUris": []string{"https://example.com/cb"}, "allowedScopes": []string{"api"},
	}), 200)
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, withFile) // newEnv gets an admin token: it fails if the admin stayed locked out
	got := e2.want(e2.call("GET", "/v1/clients/"+testAdminID, nil), 200)
	for _, want := range []string{`"authorization_code"`, `"client_credentials"`, `"api"`, `"services.iam"`} {
		if !strings.Contains(string(got.raw), want) {
			t.Errorf("restored admin lacks %s: %s", want, got.raw)
		}
	}
}

// A new admin id over an existing data file leaves one bootstrap admin: the earlier one loses its
// bootstrap secret and its owner grant.
func TestPersistAdminIDChanged(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	s1, err := New(Options{DataFile: file, AdminClientID: "old-admin", AdminClientSecret: "old-admin-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := New(Options{DataFile: file, AdminClientID: "new-admin", AdminClientSecret: "new-admin-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.mu.RLock()
	defer s2.mu.RUnlock()
	if n := len(s2.st.secrets["old-admin"]); n != 0 {
		t.Errorf("the earlier admin keeps %d bootstrap secret(s)", n)
	}
	if s2.st.policies[policyKey{Subject: "client-old-admin", Scope: "/", Action: "owner"}] != nil {
		t.Error("the earlier admin keeps owner on /")
	}
	if s2.st.policies[policyKey{Subject: "client-new-admin", Scope: "/", Action: "owner"}] == nil || len(s2.st.secrets["new-admin"]) != 1 {
		t.Error("the new admin lacks its owner grant or its bootstrap secret")
	}
}

// TestPersistStaleTempFilesRemoved: a crash in the middle of a save leaves a temp file next to the
// data file; the next start removes it, and keeps the data file and unrelated files.
func TestPersistStaleTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "state.json")
	e := newEnv(t, func(o *Options) { o.DataFile = file })
	e.newClientWithSecret("kept")
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".state.json.123456.tmp")
	other := filepath.Join(dir, ".other.json.1.tmp")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte(`{"half":`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e2 := newEnv(t, func(o *Options) { o.DataFile = file })
	if n := e2.want(e2.call("GET", "/v1/clients", nil), 200).num("metadata.totalCount"); n != 2 {
		t.Errorf("clients after restart = %d, want 2 (the admin and the kept one)", n)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temp file still there: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another file's temp file was removed: %v", err)
	}
}

// Two mocks on one data file would each replace the other's saves: the second one refuses to
// start, and the first one's file is untouched by the attempt.
func TestPersistDataFileLocked(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, func(o *Options) { o.DataFile = file })
	e.newClient("first")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := New(Options{DataFile: file}); err == nil {
		_ = s.Close()
		t.Fatal("a second mock started on a data file in use")
	} else if !strings.Contains(err.Error(), "is in use by another mock") {
		t.Fatalf("second mock: %v", err)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("the refused mock changed the data file")
	}
	// Once the first one is closed, the file is free.
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{DataFile: file})
	if err != nil {
		t.Fatalf("after the first mock closed: %v", err)
	}
	_ = s.Close()
}

// A data file behind a symbolic link is saved through the link; a link to nothing stops the mock
// rather than be replaced by an empty state.
func TestPersistSymlinkedDataFile(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{DataFile: link}); err == nil || !strings.Contains(err.Error(), "is a symbolic link to "+target) {
		t.Fatalf("dangling link: %v", err)
	}
	// A link to a file that exists (written by a first mock on the target itself).
	first, err := New(Options{DataFile: target})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *Options) { o.DataFile = link })
	e.newClient("through-the-link")
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi, err)
	}
	if data, err := os.ReadFile(target); err != nil || !strings.Contains(string(data), "through-the-link") {
		t.Errorf("the target lacks the client saved through the link (%v)", err)
	}
}

// manySecrets is n secret records of client c, for a data file.
func manySecrets(n int) string {
	recs := make([]string, n)
	for i := range recs {
		recs[i] = fmt.Sprintf(`{"clientSecretId":"s%d","clientId":"c","sha256":"%s"}`, i, strings.Repeat("0", 64))
	}
	return strings.Join(recs, ",")
}

// An admin that used every secret slot still gets this run's bootstrap secret: the first secret
// to stop mattering (the longest expired, else the oldest) makes room, the start says which, and
// the file written stays one the next start loads.
func TestPersistAdminAtSecretLimit(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	withFile := func(o *Options) { o.DataFile = file }
	e := newEnv(t, withFile)
	boot := e.want(e.call("GET", "/v1/clients/"+testAdminID+"/secrets", nil), 200).str("items.0.clientSecretId")
	e.want(e.call("DELETE", "/v1/clients/"+testAdminID+"/secrets/"+boot, nil), 204) // its token lives on
	var ids []string
	for i := range MaxSecretsPerClient {
		body := map[string]any{"value": fmt.Sprintf("admin-secret-%02d", i), "description": ""}
		if i == MaxSecretsPerClient-1 { // the newest expires first
			body["expiration"] = e.clock.Now().Add(time.Hour).Format(time.RFC3339)
		}
		ids = append(ids, e.want(e.call("POST", "/v1/clients/"+testAdminID+"/secrets", body), 201).str("clientSecretId"))
		e.clock.Advance(time.Second)
	}
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}

	start := func(after time.Duration) *env {
		t.Helper()
		clock := newFakeClock()
		clock.Advance(after)
		e := newEnv(t, withFile, func(o *Options) { o.Now = clock.Now }) // fails unless the admin's secret works
		e.clock = clock
		if n := e.want(e.call("GET", "/v1/clients/"+testAdminID+"/secrets?pageSize=50", nil), 200).num("metadata.totalCount"); n != MaxSecretsPerClient {
			t.Errorf("the admin holds %d secrets after a start, want %d", n, MaxSecretsPerClient)
		}
		if err := e.ts.Close(); err != nil {
			t.Fatal(err)
		}
		return e
	}
	if got := start(2 * time.Hour).ts.EvictedAdminSecrets(); !slices.Equal(got, ids[MaxSecretsPerClient-1:]) {
		t.Errorf("first start evicted %v, want the expired %v", got, ids[MaxSecretsPerClient-1:])
	}
	// The next start loads what that one wrote, and needs no room: the bootstrap secret's slot is
	// its own again.
	if got := start(3 * time.Hour).ts.EvictedAdminSecrets(); len(got) != 0 {
		t.Errorf("a start with a free slot evicted %v", got)
	}
	// At the limit again with nothing expired, the oldest goes.
	e3 := newEnv(t, withFile)
	e3.advance(4 * time.Hour) // what it creates is newer than every other, not as old as the oldest
	boot = ""
	for _, it := range e3.want(e3.call("GET", "/v1/clients/"+testAdminID+"/secrets?pageSize=50", nil), 200).list("items") {
		if m := it.(map[string]any); m["description"] == "bootstrap secret" {
			boot, _ = m["clientSecretId"].(string)
		}
	}
	e3.want(e3.call("DELETE", "/v1/clients/"+testAdminID+"/secrets/"+boot, nil), 204)
	e3.want(e3.call("POST", "/v1/clients/"+testAdminID+"/secrets", map[string]any{"value": "admin-secret-xx", "description": ""}), 201)
	if err := e3.ts.Close(); err != nil {
		t.Fatal(err)
	}
	if got := start(0).ts.EvictedAdminSecrets(); !slices.Equal(got, ids[:1]) {
		t.Errorf("a start with nothing expired evicted %v, want the oldest %v", got, ids[:1])
	}
}

// A request that outlives Close (the shutdown's grace period ran out) must not write the data file,
// whose lock Close released, nor answer as if its change stood.
func TestPersistNothingAfterClose(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, func(o *Options) { o.DataFile = file })
	if err := e.ts.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	late := e.call("POST", "/v1/clients", clientBodyOK("late"))
	if e.wantProblem(late, 503, "", ""); late.str("detail") != "the mock has shut down, so the change was not applied" {
		t.Errorf("a create after Close: %s", late.raw)
	}
	if n := e.want(e.call("GET", "/v1/clients?searchText=late", nil), 200).num("metadata.totalCount"); n != 0 {
		t.Errorf("a create after Close stands in memory: %d clients named late", n)
	}
	if reset := e.call("POST", "/_mock/reset", nil); reset.status != 503 || reset.str("detail") != "the mock has shut down, so nothing was reset" {
		t.Errorf("a reset after Close: %d %s", reset.status, reset.raw)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("the data file changed after Close")
	}
}
