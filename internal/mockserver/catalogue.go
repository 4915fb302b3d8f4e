package mockserver

import (
	"fmt"
	"strings"
)

// actionDef is one entry of the seeded action catalogue (CONTRACT.md §5).
type actionDef struct {
	Name        string
	Parent      string
	Description string
}

// actionCatalogue is ordered so that GET /v1/actions lists parents before children.
var actionCatalogue = []actionDef{
	{"owner", "", "Full control of the tenant."},
	{"iam.manage", "owner", "Manage identity and access."},
	{"iam.client.read", "iam.manage", "Read OAuth clients and their secrets."},
	{"iam.client.write", "iam.manage", "Create, change and delete OAuth clients and their secrets."},
	{"iam.policy.read", "iam.manage", "Read policies."},
	{"iam.policy.write", "iam.manage", "Create and delete policies."},
	{"iam.subject.read", "iam.manage", "Read subjects, groups and permissions."},
	{"iam.subject.write", "iam.manage", "Create and delete groups and change their members."},
	{"banking.manage", "owner", "Manage all banking services."},
	{"banking.consents.manage", "banking.manage", "Manage consents."},
	{"banking.consents.create", "banking.consents.manage", "Create consents."},
	{"banking.consents.read", "banking.consents.manage", "Read consents."},
	{"banking.consents.update", "banking.consents.manage", "Update consents."},
	{"banking.consents.delete", "banking.consents.manage", "Delete consents."},
	{"banking.ais.manage", "banking.manage", "Manage account information."},
	{"banking.ais.create", "banking.ais.manage", "Create account information requests."},
	{"banking.ais.read", "banking.ais.manage", "Read account information."},
	{"banking.pis.manage", "banking.manage", "Manage payment initiation."},
	{"banking.pis.create", "banking.pis.manage", "Create payments."},
	{"banking.pis.read", "banking.pis.manage", "Read payments."},
	{"banking.pis.authorize", "banking.pis.manage", "Authorize payments."},
	{"banking.pis.cancel", "banking.pis.manage", "Cancel payments."},
	{"banking.mandates.manage", "banking.manage", "Manage mandates."},
	{"banking.mandates.write", "banking.mandates.manage", "Create and change mandates."},
	{"banking.mandates.read", "banking.mandates.manage", "Read mandates."},
	{"banking.mandates.delete", "banking.mandates.manage", "Delete mandates."},
	{"banking.channels.all", "", "Use every banking channel."},
	{"banking.channels.psd2", "banking.channels.all", "Use the PSD2 channel."},
	{"banking.channels.openbanking", "banking.channels.all", "Use the open banking channel."},
}

// actionParent maps an action to its parent ("" for a root), built once.
var actionParent = func() map[string]string {
	m := make(map[string]string, len(actionCatalogue))
	for _, a := range actionCatalogue {
		m[a.Name] = a.Parent
	}
	return m
}()

func knownAction(a string) bool { _, ok := actionParent[a]; return ok }

// grants reports whether holding action held grants action want: equal, or
// held is an ancestor of want. An action outside the catalogue has no
// ancestors, so it is only granted by itself.
func grants(held, want string) bool {
	for cur, depth := want, 0; cur != "" && depth < 16; depth++ {
		if cur == held {
			return true
		}
		cur = actionParent[cur]
	}
	return false
}

// scopeDef is one OAuth scope the token endpoint knows.
type scopeDef struct {
	Name        string
	Description string
}

var scopeCatalogue = []scopeDef{
	{"services.iam", "Access to the Aritma IAM API."},
	{"api", "Access to the Aritma platform APIs."},
	{"bankservice", "Access to the Aritma bank services."},
}

func knownScope(s string) bool {
	for _, d := range scopeCatalogue {
		if d.Name == s {
			return true
		}
	}
	return false
}

func scopeNames() string {
	names := make([]string, len(scopeCatalogue))
	for i, d := range scopeCatalogue {
		names[i] = d.Name
	}
	return strings.Join(names, ", ")
}

// maxScopeLen is the decided upper bound of a resource scope (CONTRACT.md §5).
const maxScopeLen = 512

// parseScope validates a resource scope and returns its segments ("/" has none).
// The error text is the message the API returns in errors.scope.
func parseScope(s string) ([]string, error) {
	switch {
	case s == "":
		return nil, fmt.Errorf("scope is required")
	case len(s) > maxScopeLen:
		return nil, fmt.Errorf("scope must be at most %d characters", maxScopeLen)
	case s[0] != '/':
		return nil, fmt.Errorf("scope must start with \"/\"")
	case s == "/":
		return nil, nil
	case s[len(s)-1] == '/':
		return nil, fmt.Errorf("scope must not end with \"/\" (only the root scope \"/\" may)")
	}
	segs := strings.Split(s[1:], "/")
	for _, seg := range segs {
		if seg == "" {
			return nil, fmt.Errorf("scope must not contain empty segments")
		}
		for i := 0; i < len(seg); i++ {
			if !scopeChar(seg[i]) {
				return nil, fmt.Errorf("scope segment %q may only contain the characters A-Z a-z 0-9 . _ ~ -", seg)
			}
		}
	}
	if len(segs)%2 != 0 {
		return nil, fmt.Errorf("scope must consist of /<type>/<id> pairs, e.g. /subscriptions/123")
	}
	return segs, nil
}

func scopeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '~' || c == '-'
}

// resourceOf derives resourceType and resourceProvider of a valid scope (CONTRACT.md §6).
func resourceOf(scope string) (resourceType, provider string) {
	segs := strings.Split(strings.TrimPrefix(scope, "/"), "/")
	if len(segs) < 2 {
		return "", ""
	}
	resourceType = segs[len(segs)-2]
	switch resourceType {
	case "subscriptions", "resource-groups":
		provider = "aritma.control"
	}
	return resourceType, provider
}
