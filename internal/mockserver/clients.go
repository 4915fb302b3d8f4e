package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// allowedGrantTypes is the decided set of grant types (CONTRACT.md §3).
var allowedGrantTypes = []string{"client_credentials", "authorization_code", "refresh_token"}

// clientBody is the create/update request. Pointers tell "absent or null"
// apart from empty, because all five fields are required.
type clientBody struct {
	Name              *string   `json:"name"`
	Description       *string   `json:"description"`
	AllowedGrantTypes *[]string `json:"allowedGrantTypes"`
	RedirectURIs      *[]string `json:"redirectUris"`
	AllowedScopes     *[]string `json:"allowedScopes"`
}

// clientDTO is ClientDto, the list item.
type clientDTO struct {
	ClientID    string `json:"clientId"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// clientDetailsDTO is ClientDetailsDto.
type clientDetailsDTO struct {
	clientDTO
	AllowedGrantTypes []string `json:"allowedGrantTypes"`
	RedirectURIs      []string `json:"redirectUris"`
	AllowedScopes     []string `json:"allowedScopes"`
}

func toClientDTO(c *clientRec) clientDTO {
	return clientDTO{ClientID: c.ID, Name: c.Name, Description: c.Description}
}

func toClientDetails(c *clientRec) clientDetailsDTO {
	return clientDetailsDTO{
		clientDTO:         toClientDTO(c),
		AllowedGrantTypes: slices.Clone(nonNil(c.GrantTypes)),
		RedirectURIs:      slices.Clone(nonNil(c.RedirectURIs)),
		AllowedScopes:     slices.Clone(nonNil(c.Scopes)),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// validate checks a client body against the decided rules (CONTRACT.md §3, §9).
func (b *clientBody) validate() fieldErrors {
	errs := fieldErrors{}
	switch {
	case b.Name == nil:
		errs.add("name", "name is required")
	case runeLen(*b.Name) < 1 || runeLen(*b.Name) > 200:
		errs.add("name", "name must be between 1 and 200 characters")
	}
	switch {
	case b.Description == nil:
		errs.add("description", "description is required (it may be empty)")
	case runeLen(*b.Description) > 1000:
		errs.add("description", "description must be at most 1000 characters")
	}
	authCode := false
	if b.AllowedGrantTypes == nil {
		errs.add("allowedGrantTypes", "allowedGrantTypes is required")
	} else {
		gts := *b.AllowedGrantTypes
		if len(gts) == 0 {
			errs.add("allowedGrantTypes", "allowedGrantTypes must contain at least one grant type")
		}
		seen := map[string]bool{}
		for _, g := range gts {
			switch {
			case !slices.Contains(allowedGrantTypes, g):
				errs.add("allowedGrantTypes", "grant type %q is not supported; allowed: %s", g, strings.Join(allowedGrantTypes, ", "))
			case seen[g]:
				errs.add("allowedGrantTypes", "grant type %q is listed more than once", g)
			}
			seen[g] = true
		}
		authCode = seen["authorization_code"]
	}
	if b.AllowedScopes == nil {
		errs.add("allowedScopes", "allowedScopes is required (it may be empty)")
	} else {
		seen := map[string]bool{}
		for _, sc := range *b.AllowedScopes {
			switch {
			case !knownScope(sc):
				errs.add("allowedScopes", "scope %q is not supported; allowed: %s", sc, scopeNames())
			case seen[sc]:
				errs.add("allowedScopes", "scope %q is listed more than once", sc)
			}
			seen[sc] = true
		}
	}
	if b.RedirectURIs == nil {
		errs.add("redirectUris", "redirectUris is required (it may be empty)")
	} else {
		uris := *b.RedirectURIs
		seen := map[string]bool{}
		for _, u := range uris {
			if msg := checkRedirectURI(u); msg != "" {
				errs.add("redirectUris", "%s", msg)
			} else if seen[u] {
				errs.add("redirectUris", "redirect URI %q is listed more than once", u)
			}
			seen[u] = true
		}
		if b.AllowedGrantTypes != nil {
			switch {
			case authCode && len(uris) == 0:
				errs.add("redirectUris", "redirectUris must contain at least one URI when authorization_code is allowed")
			case !authCode && len(uris) > 0:
				errs.add("redirectUris", "redirectUris must be empty unless authorization_code is allowed")
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// checkRedirectURI returns why u is not an acceptable redirect URI, or "".
// The parsed host decides whether plain http is allowed (CONTRACT.md §9).
func checkRedirectURI(u string) string {
	p, err := url.Parse(u)
	if err != nil || !p.IsAbs() || p.Host == "" || p.Opaque != "" {
		return fmt.Sprintf("redirect URI %q must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])", u)
	}
	if p.Fragment != "" || strings.Contains(u, "#") {
		return fmt.Sprintf("redirect URI %q must not contain a fragment", u)
	}
	switch strings.ToLower(p.Scheme) {
	case "https":
		return ""
	case "http":
		// Host names are case-insensitive (RFC 3986, 3.2.2): LOCALHOST is localhost.
		switch strings.ToLower(p.Hostname()) {
		case "localhost", "127.0.0.1", "::1":
			return ""
		}
	}
	return fmt.Sprintf("redirect URI %q must be an absolute https:// URI (http:// only for localhost, 127.0.0.1 or [::1])", u)
}

func (s *Server) listClients(r *http.Request, _ string) response {
	p, errs := parsePaging(r, pageADefault, pageAMin, pageAMax)
	if errs != nil {
		return invalid(r, errs)
	}
	search := foldCase(r.URL.Query().Get("searchText"))
	lag := s.faults.readLag()
	s.mu.RLock()
	items := make([]*clientRec, 0, len(s.st.clients))
	for _, c := range s.st.clients {
		if s.visible(c.Created, lag) && (search == "" || strings.Contains(foldCase(c.Name), search)) {
			items = append(items, c)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(items, func(a, b *clientRec) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	lo, hi := p.window(len(items))
	dtos := make([]clientDTO, len(items))
	for i := lo; i < hi; i++ { // only the page is converted
		dtos[i] = toClientDTO(items[i])
	}
	return jsonResp(http.StatusOK, pageA(r, p, dtos))
}

func (s *Server) createClient(r *http.Request, _ string) response {
	var b clientBody
	if errs := decodeJSON(r.Body, &b); errs != nil {
		return invalid(r, errs)
	}
	if errs := b.validate(); errs != nil {
		return invalid(r, errs)
	}
	c := &clientRec{
		ID: newUUID(), Name: *b.Name, Description: *b.Description,
		GrantTypes: slices.Clone(*b.AllowedGrantTypes), RedirectURIs: slices.Clone(*b.RedirectURIs),
		Scopes: slices.Clone(*b.AllowedScopes), Created: s.now(),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.clients[c.ID] = c
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	resp := jsonResp(http.StatusCreated, toClientDetails(c))
	resp.header = http.Header{"Location": {"/v1/clients/" + url.PathEscape(c.ID)}}
	return resp
}

func (s *Server) getClient(r *http.Request, _ string) response {
	id := r.PathValue("clientId")
	lag := s.faults.readLag()
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.st.clients[id]
	if c == nil || !s.visible(c.Created, lag) {
		return notFound(r, fmt.Sprintf("client %q not found", id))
	}
	return jsonResp(http.StatusOK, toClientDetails(c))
}

func (s *Server) updateClient(r *http.Request, _ string) response {
	id := r.PathValue("clientId")
	var b clientBody
	errs := decodeJSON(r.Body, &b)
	if errs == nil {
		errs = b.validate()
	}
	lag := s.faults.readLag()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.clients[id]
	if c == nil || !s.visible(c.Created, lag) { // a write names the client as a read does (see subjectVisible)
		return notFound(r, fmt.Sprintf("client %q not found", id))
	}
	if errs != nil {
		return invalid(r, errs)
	}
	// Replace rather than mutate: readers may hold the old record (tokens, lists).
	nc := *c
	nc.Name, nc.Description = *b.Name, *b.Description
	nc.GrantTypes = slices.Clone(*b.AllowedGrantTypes)
	nc.RedirectURIs = slices.Clone(*b.RedirectURIs)
	nc.Scopes = slices.Clone(*b.AllowedScopes)
	s.st.clients[id] = &nc
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return jsonResp(http.StatusOK, toClientDetails(&nc))
}

func (s *Server) deleteClient(r *http.Request, _ string) response {
	id := r.PathValue("clientId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.clients[id] == nil {
		return notFound(r, fmt.Sprintf("client %q not found", id))
	}
	// Cascade (CONTRACT.md §3): secrets, policies of the client, memberships.
	// Its tokens die because authentication checks that the client exists.
	delete(s.st.clients, id)
	delete(s.st.secrets, id)
	sid := prefixClient + id
	s.st.deleteSubjectPolicies(sid)
	s.st.removeSubjectEverywhere(sid)
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return noContent()
}
