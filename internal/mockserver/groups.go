package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
)

// groupBody is the create request.
type groupBody struct {
	DisplayName *string `json:"displayName"`
	Description *string `json:"description"`
}

// membersBody is the add-members request.
type membersBody struct {
	SubjectIDs *[]string `json:"subjectIds"`
}

func (b *groupBody) validate() fieldErrors {
	errs := fieldErrors{}
	switch {
	case b.DisplayName == nil:
		errs.add("displayName", "displayName is required")
	case runeLen(*b.DisplayName) < 1 || runeLen(*b.DisplayName) > 200:
		errs.add("displayName", "displayName must be between 1 and 200 characters")
	}
	if b.Description != nil && runeLen(*b.Description) > 1000 {
		errs.add("description", "description must be at most 1000 characters")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func (s *Server) createGroup(r *http.Request, _ string) response {
	var b groupBody
	if errs := decodeJSON(r.Body, &b); errs != nil {
		return invalid(r, errs)
	}
	if errs := b.validate(); errs != nil {
		return invalid(r, errs)
	}
	g := &groupRec{ID: newUUID(), DisplayName: *b.DisplayName, Created: s.now()}
	if b.Description != nil {
		g.Description = *b.Description
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.groups[g.ID] = g
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	resp := jsonResp(http.StatusCreated, s.toSubjectDTO(subjRef{name: g.DisplayName, sid: prefixGroup + g.ID, group: g}))
	resp.header = http.Header{"Location": {"/v1/subjects/groups/" + url.PathEscape(g.ID)}}
	return resp
}

func (s *Server) deleteGroup(r *http.Request, _ string) response {
	id := r.PathValue("groupId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.groups[id] == nil {
		return notFound(r, fmt.Sprintf("group %q not found", id))
	}
	// Cascade (CONTRACT.md §7): memberships both ways and the group's policies.
	sid := prefixGroup + id
	for m := range s.st.members[id] {
		s.st.removeMember(id, m)
	}
	s.st.removeSubjectEverywhere(sid)
	s.st.deleteSubjectPolicies(sid)
	delete(s.st.groups, id)
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return noContent()
}

func (s *Server) listMembers(r *http.Request, _ string) response {
	id := r.PathValue("groupId")
	p, errs := parsePaging(r, pageBDefault, pageBMin, pageBMax)
	lag := s.faults.readLag()
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.st.groups[id]
	if g == nil || !s.visible(g.Created, lag) {
		return notFound(r, fmt.Sprintf("group %q not found", id))
	}
	if errs != nil {
		return invalid(r, errs)
	}
	var refs []subjRef
	for m := range s.st.members[id] {
		if ref, ok := s.lookupSubject(m); ok && s.visible(ref.created(), lag) {
			refs = append(refs, ref)
		}
	}
	return jsonResp(http.StatusOK, s.pageSubjects(r, p, refs))
}

func (s *Server) addMembers(r *http.Request, _ string) response {
	id := r.PathValue("groupId")
	var b membersBody
	errs := decodeJSON(r.Body, &b)
	if errs == nil {
		switch {
		case b.SubjectIDs == nil:
			errs = fieldErrors{"subjectIds": {"subjectIds is required"}}
		case len(*b.SubjectIDs) == 0:
			errs = fieldErrors{"subjectIds": {"subjectIds must contain at least one subject id"}}
		}
	}
	lag := s.faults.readLag()
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.st.groups[id]; g == nil || !s.visible(g.Created, lag) {
		return notFound(r, fmt.Sprintf("group %q not found", id))
	}
	if errs != nil {
		return invalid(r, errs)
	}
	// Add one by one so a cycle formed only by the batch is caught too; roll
	// back on any error so the request is all or nothing.
	errs = fieldErrors{}
	var added []string
	for _, m := range *b.SubjectIDs {
		switch {
		case !s.subjectVisible(m, lag):
			errs.add("subjectIds", "subject %q does not exist", m)
			continue
		case m == prefixGroup+id:
			errs.add("subjectIds", "group %q cannot be a member of itself", m)
			continue
		case hasPrefix(m, prefixGroup) && s.st.inGroupTransitively(prefixGroup+id, m[len(prefixGroup):]):
			errs.add("subjectIds", "adding %q would create a cycle: it already contains group %q", m, prefixGroup+id)
			continue
		}
		if _, dup := s.st.members[id][m]; dup {
			continue // adding an existing member is a no-op (CONTRACT.md §9)
		}
		s.st.addMember(id, m)
		added = append(added, m)
	}
	if len(errs) > 0 {
		for _, m := range added {
			s.st.removeMember(id, m)
		}
		return invalid(r, errs)
	}
	if len(added) > 0 {
		if resp, ok := s.commit(r); !ok {
			return resp
		}
	}
	return noContent()
}

// inGroupTransitively reports whether subject sid is inside group gid,
// directly or through nested groups.
func (st *state) inGroupTransitively(sid, gid string) bool {
	for _, g := range st.groupsOf(sid) {
		if g == gid {
			return true
		}
	}
	return false
}

func (s *Server) removeMember(r *http.Request, _ string) response {
	id, m := r.PathValue("groupId"), r.PathValue("subjectId")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.groups[id] == nil {
		return notFound(r, fmt.Sprintf("group %q not found", id))
	}
	if _, ok := s.st.members[id][m]; !ok {
		return notFound(r, fmt.Sprintf("subject %q is not a member of group %q", m, id))
	}
	s.st.removeMember(id, m)
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return noContent()
}
