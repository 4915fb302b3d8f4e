package mockserver

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// policyBody is the create request.
type policyBody struct {
	Subject *string `json:"subject"`
	Scope   *string `json:"scope"`
	Action  *string `json:"action"`
}

// policyDTO is the documented policy shape: the triple plus the tenant.
type policyDTO struct {
	Subject string `json:"subject"`
	Scope   string `json:"scope"`
	Action  string `json:"action"`
	Tenant  string `json:"tenant"`
}

func (s *Server) toPolicyDTO(p *policyRec) policyDTO {
	return policyDTO{Subject: p.Subject, Scope: p.Scope, Action: p.Action, Tenant: s.tenant}
}

// validSubjectSyntax reports whether sid looks like "<type>-<id>".
func validSubjectSyntax(sid string) bool {
	for _, p := range []string{prefixUser, prefixClient, prefixGroup} {
		if hasPrefix(sid, p) && len(sid) > len(p) {
			return true
		}
	}
	return false
}

// validate checks the fields that need no state; subject existence is
// checked by the caller under the lock.
func (b *policyBody) validate() fieldErrors {
	errs := fieldErrors{}
	switch {
	case b.Subject == nil || *b.Subject == "":
		errs.add("subject", "subject is required")
	case !validSubjectSyntax(*b.Subject):
		errs.add("subject", "subject %q must be a subject id of the form user-<id>, client-<id> or group-<id>", *b.Subject)
	}
	if b.Scope == nil || *b.Scope == "" {
		errs.add("scope", "scope is required")
	} else if _, err := parseScope(*b.Scope); err != nil {
		errs.add("scope", "%s", err.Error())
	}
	switch {
	case b.Action == nil || *b.Action == "":
		errs.add("action", "action is required")
	case !knownAction(*b.Action):
		errs.add("action", "action %q is not in the action catalogue (GET /v1/actions)", *b.Action)
	}
	return errs
}

func (s *Server) createPolicy(r *http.Request, _ string) response {
	var b policyBody
	if errs := decodeJSON(r.Body, &b); errs != nil {
		return invalid(r, errs)
	}
	errs := b.validate()
	lag := s.faults.readLag()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, bad := errs["subject"]; !bad && !s.subjectVisible(*b.Subject, lag) {
		errs.add("subject", "subject %q does not exist", *b.Subject)
	}
	if len(errs) > 0 {
		return invalid(r, errs)
	}
	p := &policyRec{Subject: *b.Subject, Scope: *b.Scope, Action: *b.Action, Created: s.now()}
	if s.st.policies[p.key()] != nil {
		return conflict(r, fmt.Sprintf("a policy granting %q to %q on %q already exists", p.Action, p.Subject, p.Scope))
	}
	s.st.addPolicy(p)
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return jsonResp(http.StatusOK, s.toPolicyDTO(p))
}

func (s *Server) listPolicies(r *http.Request, _ string) response {
	pg, errs := parsePaging(r, pageBDefault, pageBMin, pageBMax)
	if errs != nil {
		return invalid(r, errs)
	}
	q := r.URL.Query()
	subj, scope, action := q.Get("subject"), q.Get("scope"), q.Get("action")
	lag := s.faults.readLag()
	s.mu.RLock()
	src := s.st.policies
	if subj != "" {
		src = s.st.bySubj[subj] // exact subject filter: use the index
	}
	items := make([]*policyRec, 0, len(src))
	for k, p := range src {
		if (scope == "" || k.Scope == scope) && (action == "" || k.Action == action) && s.visible(p.Created, lag) {
			items = append(items, p)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(items, func(a, b *policyRec) int {
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		if c := strings.Compare(a.Scope, b.Scope); c != 0 {
			return c
		}
		return strings.Compare(a.Action, b.Action)
	})
	dtos := make([]policyDTO, len(items))
	for i, p := range items {
		dtos[i] = s.toPolicyDTO(p)
	}
	return jsonResp(http.StatusOK, pageB(pg, dtos))
}

func (s *Server) deletePolicy(r *http.Request, _ string) response {
	q := r.URL.Query()
	k := policyKey{Subject: q.Get("subject"), Scope: q.Get("scope"), Action: q.Get("action")}
	errs := fieldErrors{}
	for _, f := range []struct{ name, v string }{{"subject", k.Subject}, {"scope", k.Scope}, {"action", k.Action}} {
		if f.v == "" {
			errs.add(f.name, "%s is required: a policy is deleted by its subject, scope and action", f.name)
		}
	}
	if len(errs) > 0 {
		return invalid(r, errs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.policies[k] == nil {
		return notFound(r, fmt.Sprintf("no policy grants %q to %q on %q", k.Action, k.Subject, k.Scope))
	}
	s.st.deletePolicy(k)
	if resp, ok := s.commit(r); !ok {
		return resp
	}
	return noContent()
}
