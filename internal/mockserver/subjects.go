package mockserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// subjectDTO is SubjectDto (CONTRACT.md §6).
type subjectDTO struct {
	Kind        string  `json:"$type"`
	ID          string  `json:"id"`
	SubjectID   string  `json:"subjectId"`
	Type        string  `json:"type"`
	DisplayName string  `json:"displayName"`
	Tenant      *string `json:"tenant"`
	Properties  any     `json:"properties"`
}

// Typed properties encode much faster than maps (CONTRACT.md §6 shapes).
type userProps struct {
	Username string `json:"username"`
	Email    string `json:"email"`
}

type clientProps struct {
	ClientID    string `json:"clientId"`
	Description string `json:"description"`
}

type groupProps struct {
	Description string `json:"description"`
	MemberCount int    `json:"memberCount"`
}

// permissionDTO is one effective permission entry (CONTRACT.md §6).
type permissionDTO struct {
	Action           string `json:"action"`
	Scope            string `json:"scope"`
	ResourceType     string `json:"resourceType"`
	ResourceProvider string `json:"resourceProvider"`
	GrantedVia       string `json:"grantedVia"`
}

// subjRef points at one subject record; exactly one of the pointers is set.
type subjRef struct {
	name, sid string
	user      *userRec
	client    *clientRec
	group     *groupRec
	raw       []byte // encoded SubjectDto; only set in the cached index
}

func (ref subjRef) created() time.Time {
	switch {
	case ref.client != nil:
		return ref.client.Created
	case ref.group != nil:
		return ref.group.Created
	}
	return time.Time{}
}

// lookupSubject resolves a subject id; callers hold s.mu.
func (s *Server) lookupSubject(sid string) (subjRef, bool) {
	switch {
	case hasPrefix(sid, prefixUser):
		if u := s.st.users[sid[len(prefixUser):]]; u != nil {
			return subjRef{name: u.DisplayName, sid: sid, user: u}, true
		}
	case hasPrefix(sid, prefixClient):
		if c := s.st.clients[sid[len(prefixClient):]]; c != nil {
			return subjRef{name: c.Name, sid: sid, client: c}, true
		}
	case hasPrefix(sid, prefixGroup):
		if g := s.st.groups[sid[len(prefixGroup):]]; g != nil {
			return subjRef{name: g.DisplayName, sid: sid, group: g}, true
		}
	}
	return subjRef{}, false
}

// toSubjectDTO converts a subject; callers hold s.mu (memberCount reads state).
func (s *Server) toSubjectDTO(ref subjRef) subjectDTO {
	tenant := s.tenant
	d := subjectDTO{SubjectID: ref.sid, DisplayName: ref.name, Tenant: &tenant}
	switch {
	case ref.user != nil:
		d.Kind, d.Type, d.ID = "user", "User", ref.user.ID
		d.Properties = userProps{Username: ref.user.Username, Email: ref.user.Email}
		if ref.user.Global {
			d.Tenant = nil
		}
	case ref.client != nil:
		d.Kind, d.Type, d.ID = "client", "Client", ref.client.ID
		d.Properties = clientProps{ClientID: ref.client.ID, Description: ref.client.Description}
	case ref.group != nil:
		d.Kind, d.Type, d.ID = "group", "Group", ref.group.ID
		d.Properties = groupProps{Description: ref.group.Description, MemberCount: len(s.st.members[ref.group.ID])}
	}
	return d
}

// pageSubjects filters refs by searchQuery, sorts them by displayName then
// subjectId and converts only the requested page; callers hold s.mu.
func (s *Server) pageSubjects(r *http.Request, p pageReq, refs []subjRef) envelopeB {
	if q := foldCase(r.URL.Query().Get("searchQuery")); q != "" {
		refs = slices.DeleteFunc(refs, func(ref subjRef) bool { return !strings.Contains(foldCase(ref.name), q) })
	}
	sortSubjects(refs)
	return s.convertPage(p, refs)
}

// convertPage converts only the requested page of sorted refs; callers hold s.mu.
func (s *Server) convertPage(p pageReq, refs []subjRef) envelopeB {
	lo, hi := p.window(len(refs))
	dtos := make([]subjectDTO, 0, hi-lo)
	for _, ref := range refs[lo:hi] {
		dtos = append(dtos, s.toSubjectDTO(ref))
	}
	return pageBOf(p, len(refs), dtos)
}

// subjIndex is every subject sorted by displayName then subjectId, with
// each one already encoded, built once per state generation: subject lists
// are the hottest read and would otherwise re-sort and re-encode everything.
type subjIndex struct {
	gen  uint64
	refs []subjRef
}

// sortedSubjects returns the subject index of the current state; callers hold s.mu.
func (s *Server) sortedSubjects() []subjRef {
	if idx := s.subjIdx.Load(); idx != nil && idx.gen == s.gen {
		return idx.refs
	}
	refs := make([]subjRef, 0, len(s.st.users)+len(s.st.clients)+len(s.st.groups))
	for _, u := range s.st.users {
		refs = append(refs, subjRef{name: u.DisplayName, sid: prefixUser + u.ID, user: u})
	}
	for _, c := range s.st.clients {
		refs = append(refs, subjRef{name: c.Name, sid: prefixClient + c.ID, client: c})
	}
	for _, g := range s.st.groups {
		refs = append(refs, subjRef{name: g.DisplayName, sid: prefixGroup + g.ID, group: g})
	}
	sortSubjects(refs)
	for i := range refs {
		raw, err := marshalJSON(s.toSubjectDTO(refs[i]))
		if err != nil {
			panic("mockserver: encoding a subject: " + err.Error()) // our own struct: cannot fail
		}
		refs[i].raw = raw
	}
	s.subjIdx.Store(&subjIndex{gen: s.gen, refs: refs})
	return refs
}

func sortSubjects(refs []subjRef) {
	slices.SortFunc(refs, func(a, b subjRef) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return strings.Compare(a.sid, b.sid)
	})
}

// listSubjects serves /v1/subjects and its typed variants (kind "" = all).
func (s *Server) listSubjects(kind string) func(*http.Request, string) response {
	return func(r *http.Request, _ string) response {
		p, errs := parsePaging(r, pageBDefault, pageBMin, pageBMax)
		if errs != nil {
			return invalid(r, errs)
		}
		q := foldCase(r.URL.Query().Get("searchQuery"))
		lag := s.faults.readLag()
		s.mu.RLock()
		defer s.mu.RUnlock()
		// One pass over the cached sorted index: count every match, convert
		// only those on the requested page.
		lo, hi := p.bounds()
		total := 0
		var page [][]byte
		for _, ref := range s.sortedSubjects() {
			switch {
			case kind == "user" && ref.user == nil, kind == "client" && ref.client == nil, kind == "group" && ref.group == nil:
				continue
			case !s.visible(ref.created(), lag):
				continue
			case q != "" && !strings.Contains(foldCase(ref.name), q):
				continue
			}
			if total >= lo && total < hi {
				page = append(page, ref.raw)
			}
			total++
		}
		return jsonResp(http.StatusOK, rawPageB(p, total, page))
	}
}

func (s *Server) listMemberships(r *http.Request, _ string) response {
	sid := r.PathValue("subjectId")
	p, errs := parsePaging(r, pageBDefault, pageBMin, pageBMax)
	lag := s.faults.readLag()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if ref, ok := s.lookupSubject(sid); !ok || !s.visible(ref.created(), lag) {
		return notFound(r, fmt.Sprintf("subject %q not found", sid))
	}
	if errs != nil {
		return invalid(r, errs)
	}
	var refs []subjRef
	for gid := range s.st.memberOf[sid] {
		if g := s.st.groups[gid]; g != nil && s.visible(g.Created, lag) {
			refs = append(refs, subjRef{name: g.DisplayName, sid: prefixGroup + gid, group: g})
		}
	}
	return jsonResp(http.StatusOK, s.pageSubjects(r, p, refs))
}

func (s *Server) listPermissions(r *http.Request, _ string) response {
	return s.permissions(r, r.PathValue("subjectId"))
}

func (s *Server) listClientPermissions(r *http.Request, _ string) response {
	return s.permissions(r, prefixClient+r.PathValue("clientId"))
}

// permissions lists the policies that apply to sid, directly or through
// its groups transitively (CONTRACT.md §6, §9).
func (s *Server) permissions(r *http.Request, sid string) response {
	p, errs := parsePaging(r, pageBDefault, pageBMin, pageBMax)
	q := r.URL.Query()
	fType, fProv, fAction := q.Get("resourceType"), q.Get("resourceProvider"), q.Get("action")
	lag := s.faults.readLag()
	s.mu.RLock()
	ref, ok := s.lookupSubject(sid)
	if !ok || !s.visible(ref.created(), lag) {
		s.mu.RUnlock()
		return notFound(r, fmt.Sprintf("subject %q not found", sid))
	}
	holders := []string{sid}
	for _, g := range s.st.groupsOf(sid) {
		holders = append(holders, prefixGroup+g)
	}
	var items []permissionDTO
	for _, h := range holders {
		for k, pol := range s.st.bySubj[h] {
			if !s.visible(pol.Created, lag) {
				continue
			}
			if fAction != "" && !grants(k.Action, fAction) {
				continue
			}
			rt, rp := resourceOf(k.Scope)
			if (fType != "" && rt != fType) || (fProv != "" && rp != fProv) {
				continue
			}
			items = append(items, permissionDTO{Action: k.Action, Scope: k.Scope, ResourceType: rt, ResourceProvider: rp, GrantedVia: h})
		}
	}
	s.mu.RUnlock()
	if errs != nil {
		return invalid(r, errs)
	}
	slices.SortFunc(items, func(a, b permissionDTO) int {
		if c := strings.Compare(a.Action, b.Action); c != 0 {
			return c
		}
		if c := strings.Compare(a.Scope, b.Scope); c != 0 {
			return c
		}
		return strings.Compare(a.GrantedVia, b.GrantedVia)
	})
	return jsonResp(http.StatusOK, pageB(p, items))
}

// actionDTO is one entry of GET /v1/actions; parent is null for a root.
type actionDTO struct {
	Name        string  `json:"name"`
	Parent      *string `json:"parent"`
	Description string  `json:"description"`
}

type scopeDTO struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (s *Server) listActions(*http.Request, string) response {
	out := make([]actionDTO, len(actionCatalogue))
	for i, a := range actionCatalogue {
		out[i] = actionDTO{Name: a.Name, Description: a.Description}
		if a.Parent != "" {
			parent := a.Parent
			out[i].Parent = &parent
		}
	}
	return jsonResp(http.StatusOK, out)
}

func (s *Server) listScopes(*http.Request, string) response {
	out := make([]scopeDTO, len(scopeCatalogue))
	for i, sc := range scopeCatalogue {
		out[i] = scopeDTO(sc)
	}
	return jsonResp(http.StatusOK, out)
}
