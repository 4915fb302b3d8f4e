package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// MaxSecretsPerClient is the decided cap (CONTRACT.md §4).
const MaxSecretsPerClient = 20

// secretBody is the create request.
type secretBody struct {
	Value       *string `json:"value"`
	Description *string `json:"description"`
	Expiration  *string `json:"expiration"`
}

// secretDTO is ClientSecretDto; it never carries the value.
type secretDTO struct {
	ClientSecretID string  `json:"clientSecretId"`
	ClientID       string  `json:"clientId"`
	Description    string  `json:"description"`
	Expiration     *string `json:"expiration"`
	Created        string  `json:"created"`
}

// secretCreatedDTO is the create response: the only time the value is shown.
type secretCreatedDTO struct {
	secretDTO
	Value string `json:"value"`
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func toSecretDTO(sec *secretRec) secretDTO {
	d := secretDTO{ClientSecretID: sec.ID, ClientID: sec.ClientID, Description: sec.Description, Created: fmtTime(sec.Created)}
	if sec.Expiration != nil {
		e := fmtTime(*sec.Expiration)
		d.Expiration = &e
	}
	return d
}

// secretDescriptionRule is the API's one rule for a secret's description, shared by requests and
// by the data file so the two can never disagree; it returns what is wrong, or "".
func secretDescriptionRule(d string) string {
	if runeLen(d) > 200 {
		return "description must be at most 200 characters"
	}
	return ""
}

// validate checks a secret body (CONTRACT.md §4, §9) and returns the parsed expiration.
func (b *secretBody) validate(now time.Time) (*time.Time, fieldErrors) {
	errs := fieldErrors{}
	switch {
	case b.Value == nil:
		errs.add("value", "value is required")
	case runeLen(*b.Value) < 8 || runeLen(*b.Value) > 32:
		errs.add("value", "value must be between 8 and 32 characters")
	}
	switch {
	case b.Description == nil:
		errs.add("description", "description is required (it may be empty)")
	case secretDescriptionRule(*b.Description) != "":
		errs.add("description", "%s", secretDescriptionRule(*b.Description))
	}
	var exp *time.Time
	if b.Expiration != nil {
		// RFC 3339 allows a lowercase "t" and "z"; Go's layout only the capitals, and no other
		// letter can appear in a valid timestamp.
		t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(*b.Expiration))
		if err == nil && !offsetInRange(*b.Expiration) {
			err = errors.New("zone offset out of range")
		}
		switch {
		case err != nil && hasNoZone(strings.ToUpper(*b.Expiration)):
			errs.add("expiration", "expiration must include a time zone, e.g. 2030-01-01T00:00:00Z")
		case err != nil:
			errs.add("expiration", "expiration must be an RFC 3339 timestamp, e.g. 2030-01-01T00:00:00Z")
		case !t.After(now):
			errs.add("expiration", "expiration must be in the future")
		case t.UTC().Year() > 9999:
			// Answered in UTC, it would need a five-digit year, which is not RFC 3339.
			errs.add("expiration", "expiration must be no later than 9999-12-31T23:59:59Z")
		default:
			t = t.UTC()
			exp = &t
		}
	}
	if len(errs) == 0 {
		return exp, nil
	}
	return nil, errs
}

// hasNoZone reports whether v is a valid timestamp that only lacks its zone.
// offsetInRange reports whether the zone offset of a timestamp time.Parse accepted is one RFC 3339
// allows (hours 00-23, minutes 00-59): time.Parse takes "+24:00" and "+00:60" too.
func offsetInRange(v string) bool {
	if len(v) < 6 || strings.ContainsAny(v[len(v)-1:], "Zz") {
		return true
	}
	off := v[len(v)-6:] // "+hh:mm"
	return off[1:3] <= "23" && off[4:6] <= "59"
}

func hasNoZone(v string) bool {
	_, err := time.Parse("2006-01-02T15:04:05.999999999", v)
	return err == nil
}

func (s *Server) listSecrets(r *http.Request, _ string) response {
	id := r.PathValue("clientId")
	p, errs := parsePaging(r, pageADefault, pageAMin, pageAMax)
	lag := s.faults.readLag()
	s.mu.RLock()
	c := s.st.clients[id]
	if c == nil || !s.visible(c.Created, lag) {
		s.mu.RUnlock()
		return notFound(r, fmt.Sprintf("client %q not found", id))
	}
	items := make([]*secretRec, 0, len(s.st.secrets[id]))
	for _, sec := range s.st.secrets[id] {
		if sec.Bootstrap || s.visible(sec.Created, lag) {
			items = append(items, sec)
		}
	}
	s.mu.RUnlock()
	if errs != nil {
		return invalid(r, errs)
	}
	slices.SortFunc(items, func(a, b *secretRec) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	dtos := make([]secretDTO, len(items))
	for i, sec := range items {
		dtos[i] = toSecretDTO(sec)
	}
	return jsonResp(http.StatusOK, pageA(r, p, dtos))
}

func (s *Server) createSecret(r *http.Request, _ string) response {
	id := r.PathValue("clientId")
	var b secretBody
	errs := decodeJSON(r.Body, &b)
	now := s.now()
	var exp *time.Time
	if errs == nil {
		exp, errs = b.validate(now)
	}
	lag := s.faults.readLag()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Under read lag a client made a moment ago is not there yet for its secrets either (see
	// subjectVisible).
	if c := s.st.clients[id]; c == nil || !s.visible(c.Created, lag) {
		return notFound(r, fmt.Sprintf("client %q not found", id))
	}
	if errs != nil { // 400 wins over 409 (CONTRACT.md §9)
		return invalid(r, errs)
	}
	secs := s.st.secrets[id]
	if len(secs) >= MaxSecretsPerClient {
		return conflict(r, fmt.Sprintf("client %q already has the maximum of %d secrets; delete one first", id, MaxSecretsPerClient))
	}
	if secs == nil {
		secs = map[string]*secretRec{}
		s.st.secrets[id] = secs
	}
	sec := &secretRec{ID: newUUID(), ClientID: id, Description: *b.Description, Expiration: exp, Created: now}
	sec.Salt, sec.Hash = hashSecret(*b.Value)
	secs[sec.ID] = sec
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return jsonResp(http.StatusCreated, secretCreatedDTO{secretDTO: toSecretDTO(sec), Value: *b.Value})
}

func (s *Server) deleteSecret(r *http.Request, _ string) response {
	id, secID := r.PathValue("clientId"), r.PathValue("clientSecretId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.clients[id] == nil {
		return notFound(r, fmt.Sprintf("client %q not found", id))
	}
	if s.st.secrets[id][secID] == nil {
		return notFound(r, fmt.Sprintf("secret %q of client %q not found", secID, id))
	}
	delete(s.st.secrets[id], secID)
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return noContent()
}
