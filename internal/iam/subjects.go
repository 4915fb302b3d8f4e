package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// Subject is a user, client or group that policies can be granted to.
type Subject struct {
	Type        string // "user", "client" or "group" (from "$type")
	ID          string // the id within its type (a client's clientId, a group's bare id)
	SubjectID   string // "<type>-<id>", what policies and memberships refer to
	DisplayName string
	Tenant      *string // nil for global subjects
	Properties  map[string]any
}

// SubjectListOptions filters ListSubjects.
type SubjectListOptions struct {
	Type        string // "" (all), "user", "client" or "group"
	SearchQuery string // case-insensitive substring of the display name
}

// Permission is one policy that applies to a subject, directly or through a group.
type Permission struct {
	Action           string `json:"action"`
	Scope            string `json:"scope"`
	ResourceType     string `json:"resourceType"`
	ResourceProvider string `json:"resourceProvider"`
	GrantedVia       string `json:"grantedVia"` // the subject itself or the group's subjectId
}

// PermissionFilter narrows a permissions list; empty fields do not filter. Action also keeps
// entries whose action is an ancestor of it (they grant it).
type PermissionFilter struct {
	ResourceType     string
	ResourceProvider string
	Action           string
}

// GroupRequest creates a group.
type GroupRequest struct {
	DisplayName string
	Description string
}

// subjectWire is SubjectDto; "$type" cannot be a Go field name, and "type" is its capitalised twin.
type subjectWire struct {
	DollarType  string         `json:"$type"`
	ID          string         `json:"id"`
	SubjectID   string         `json:"subjectId"`
	Type        string         `json:"type"`
	DisplayName string         `json:"displayName"`
	Tenant      *string        `json:"tenant"`
	Properties  map[string]any `json:"properties"`
}

func subjectFromWire(w subjectWire) Subject {
	s := Subject{
		ID:          w.ID,
		SubjectID:   w.SubjectID,
		DisplayName: w.DisplayName,
		Tenant:      w.Tenant,
		Properties:  w.Properties,
	}
	// The documented type field first, then the subject id's prefix, then the $type
	// discriminator, whose values are not documented (see subjectKind).
	prefix, _, hasPrefix := strings.Cut(s.SubjectID, "-")
	if !hasPrefix {
		prefix = ""
	}
	s.Type = subjectKind(w.Type, prefix, w.DollarType)
	if s.Type == "" {
		s.Type = strings.ToLower(cmp.Or(w.Type, prefix, w.DollarType))
	}
	if s.SubjectID == "" && s.Type != "" && s.ID != "" {
		s.SubjectID = s.Type + "-" + s.ID
	}
	return s
}

var subjectPaths = map[string]string{
	"":       "/v1/subjects",
	"user":   "/v1/subjects/users",
	"client": "/v1/subjects/clients",
	"group":  "/v1/subjects/groups",
}

// ListSubjects iterates over all subjects, or those of one type.
func (c *Client) ListSubjects(ctx context.Context, opts SubjectListOptions) iter.Seq2[Subject, error] {
	p, ok := subjectPaths[opts.Type]
	if !ok {
		return errSeq[Subject](fmt.Errorf("iam: ListSubjects: type %q is not one of user, client, group", opts.Type))
	}
	q := url.Values{}
	q.Set("searchQuery", opts.SearchQuery)
	return listB(ctx, c, p, q, subjectFromWire)
}

// FindSubject pages through the subjects (opts, as for ListSubjects) until match accepts one, and
// stops there; found is false when none did. See findInList: a caller that must say "not found"
// for sure asks twice.
func (c *Client) FindSubject(ctx context.Context, opts SubjectListOptions, match func(Subject) bool) (s Subject, found bool, err error) {
	p, ok := subjectPaths[opts.Type]
	if !ok {
		return Subject{}, false, fmt.Errorf("iam: FindSubject: type %q is not one of user, client, group", opts.Type)
	}
	q := url.Values{}
	q.Set("searchQuery", opts.SearchQuery)
	return findInList(ctx, c, p, q, maxPageSizeB, func() envelope[subjectWire] { return &envelopeB[subjectWire]{} }, subjectFromWire, match)
}

// ListMemberships iterates over the groups a subject is directly in.
func (c *Client) ListMemberships(ctx context.Context, subjectID string) iter.Seq2[Subject, error] {
	if err := nonEmpty("ListMemberships", "subject ID", subjectID); err != nil {
		return errSeq[Subject](err)
	}
	return listB(ctx, c, "/v1/subjects/"+seg(subjectID)+"/memberships", nil, subjectFromWire)
}

// ListPermissions iterates over the effective permissions of any subject ("<type>-<id>").
func (c *Client) ListPermissions(ctx context.Context, subjectID string, f PermissionFilter) iter.Seq2[Permission, error] {
	if err := nonEmpty("ListPermissions", "subject ID", subjectID); err != nil {
		return errSeq[Permission](err)
	}
	return listB(ctx, c, "/v1/subjects/"+seg(subjectID)+"/permissions", permissionQuery(f), same[Permission])
}

// ListClientPermissions iterates over the effective permissions of a client by its clientId.
func (c *Client) ListClientPermissions(ctx context.Context, clientID string, f PermissionFilter) iter.Seq2[Permission, error] {
	if err := nonEmpty("ListClientPermissions", "client ID", clientID); err != nil {
		return errSeq[Permission](err)
	}
	return listB(ctx, c, "/v1/subjects/clients/"+seg(clientID)+"/permissions", permissionQuery(f), same[Permission])
}

func permissionQuery(f PermissionFilter) url.Values {
	q := url.Values{}
	q.Set("resourceType", f.ResourceType)
	q.Set("resourceProvider", f.ResourceProvider)
	q.Set("action", f.Action)
	return q
}

type groupBody struct {
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
}

// CreateGroup creates a group. Not retried once the request may have reached the server
// (ErrOutcomeUnknown), as a repeat would create a second group.
func (c *Client) CreateGroup(ctx context.Context, req GroupRequest) (*Subject, error) {
	var w subjectWire
	res, err := c.call(ctx, request{method: http.MethodPost, path: "/v1/subjects/groups", body: groupBody(req), mode: retryCreate}, &w)
	if err != nil {
		return nil, err
	}
	if w.ID == "" {
		w.ID = idFromLocation(res.header, "v1", "subjects", "groups")
	}
	if w.ID == "" {
		return nil, &outcomeUnknownError{errors.New("POST /v1/subjects/groups: the server created the group but sent no id")}
	}
	if w.DollarType == "" && w.Type == "" {
		w.DollarType = "group"
	}
	if w.DisplayName == "" {
		w.DisplayName = req.DisplayName
	}
	return ptr(subjectFromWire(w)), nil
}

// DeleteGroup deletes a group (by its bare id), its memberships and its policies.
func (c *Client) DeleteGroup(ctx context.Context, groupID string) error {
	if err := nonEmpty("DeleteGroup", "group ID", groupID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/v1/subjects/groups/" + seg(groupID)}, nil)
	return err
}

// ListGroupMembers iterates over the direct members of a group.
func (c *Client) ListGroupMembers(ctx context.Context, groupID string) iter.Seq2[Subject, error] {
	if err := nonEmpty("ListGroupMembers", "group ID", groupID); err != nil {
		return errSeq[Subject](err)
	}
	return listB(ctx, c, "/v1/subjects/groups/"+seg(groupID)+"/members", nil, subjectFromWire)
}

type membersBody struct {
	SubjectIDs []string `json:"subjectIds"`
}

// AddGroupMembers adds subjects ("<type>-<id>") to a group. Adding an existing member is a no-op,
// so this is retried like an idempotent call.
func (c *Client) AddGroupMembers(ctx context.Context, groupID string, subjectIDs []string) error {
	if err := nonEmpty("AddGroupMembers", "group ID", groupID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{
		method: http.MethodPost, path: "/v1/subjects/groups/" + seg(groupID) + "/members",
		body: membersBody{SubjectIDs: orEmpty(subjectIDs)}, mode: retryIdempotent,
	}, nil)
	return err
}

// RemoveGroupMember removes one member from a group.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, subjectID string) error {
	if err := nonEmpty("RemoveGroupMember", "group ID", groupID, "subject ID", subjectID); err != nil {
		return err
	}
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/v1/subjects/groups/" + seg(groupID) + "/members/" + seg(subjectID)}, nil)
	return err
}

func ptr[T any](v T) *T { return &v }

// subjectKind is the kind of subject (user, client or group) that the type field, the subject id's
// prefix or the $type discriminator names, tried in that order; "" if none does. The first two
// must name it exactly (in any case); $type, whose values are undocumented, may be a class name
// such as "ClientSubjectDto" or "UserGroupSubjectDto" (a group: group wins over user in it).
func subjectKind(typeField, prefix, dollarType string) string {
	for _, n := range []string{typeField, prefix} {
		if n = strings.ToLower(n); n == "user" || n == "client" || n == "group" {
			return n
		}
	}
	d := strings.ToLower(dollarType)
	for _, kind := range []string{"group", "client", "user"} {
		if strings.Contains(d, kind) {
			return kind
		}
	}
	return ""
}
