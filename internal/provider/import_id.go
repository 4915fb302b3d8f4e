package provider

import (
	"fmt"
	"strings"
	"unicode"
)

// Import ids. Each resource documents its form in examples/resources/<type>/import.sh; the
// parsers below return errors that repeat that form, so a typo in `terraform import` says what
// was expected.

// parseClientID checks the import id of aritma_iam_client: the bare client id. A client id is
// opaque, but it goes into a URL path, so it cannot hold '/', and ids never hold whitespace.
func parseClientID(id string) (string, error) {
	if !isIDSegment(id) {
		return "", fmt.Errorf("expected the import id to be a client id, such as the client_id of the client, got %q", id)
	}
	return id, nil
}

// importAddressNote follows the import commands that errors suggest for a resource of type typ,
// which cannot know the resource's address.
func importAddressNote(typ string) string {
	return "(The address is the resource's full address: inside a module it starts with the module's, and an " +
		"instance of count or for_each has its key, quoted for the shell, as in 'module.svc[\"orders\"]." + typ +
		".this'. OpenTofu users run tofu import; an import block with the same address and id works with both.)"
}

// isIDSegment reports whether s can be an id of the API that a request puts in its path: not
// empty, without '/', whitespace or control characters, and not "." or "..", which a path takes
// for the current or parent directory (the API client refuses to send them).
func isIDSegment(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") && !hasSpaceOrControl(s)
}

// hasSpaceOrControl reports whether s holds whitespace, a control character or an invisible
// format character (a zero-width space, a byte order mark), which no id of the API has: such an
// import id is a copy-and-paste slip, better caught here than as a 404.
func hasSpaceOrControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}) >= 0
}

// clientSecretID is the id of aritma_iam_client_secret: "<client_id>/<secret_id>".
func clientSecretID(clientID, secretID string) string {
	return clientID + "/" + secretID
}

// parseClientSecretID splits the import id of aritma_iam_client_secret, "<client_id>/<secret_id>".
func parseClientSecretID(id string) (clientID, secretID string, err error) {
	parts := strings.Split(id, "/")
	if len(parts) != 2 || !isIDSegment(parts[0]) || !isIDSegment(parts[1]) {
		return "", "", fmt.Errorf("expected an import id of the form \"<client_id>/<secret_id>\", got %q", id)
	}
	return parts[0], parts[1], nil
}

// policyID is the id of aritma_iam_policy: "<subject>,<action>,<scope>". A policy has no id of its
// own; the triple is its identity. Actions and scopes never hold a comma (their syntax forbids
// it), while '/' (scopes) and '-' (subject ids) occur, so the comma separates; a subject id is
// opaque past its prefix, so the id splits on its last two commas.
func policyID(subject, action, scope string) string {
	return subject + "," + action + "," + scope
}

// policyIDForm describes a policy id for error messages.
const policyIDForm = `"<subject>,<action>,<scope>", such as "client-1234,iam.client.read,/subscriptions/123"`

// parsePolicyID splits the import id "<subject>,<action>,<scope>" on its last two commas.
func parsePolicyID(id string) (subject, action, scope string, err error) {
	subject, action, scope, ok := splitPolicyID(id)
	if !ok {
		return "", "", "", fmt.Errorf("expected an import id of the form %s, got %q", policyIDForm, id)
	}
	return subject, action, scope, nil
}

// splitPolicyID splits "<subject>,<action>,<scope>" on its last two commas, so any subject id the
// API hands out comes back whole; ok is false when a part is missing or empty. When that triple
// fails checkPolicyTriple and the id has more commas, it splits on the first two instead when that
// leaves a scope ("/..."): a comma typed into a scope is the likelier mistake, and
// checkPolicyTriple's error then names the scope. A split that leaves no scope would only blame
// the scope for a fault elsewhere (a subject with a comma and a bad action).
func splitPolicyID(id string) (subject, action, scope string, ok bool) {
	j := strings.LastIndexByte(id, ',')
	if j < 0 {
		return "", "", "", false
	}
	i := strings.LastIndexByte(id[:j], ',')
	if i < 0 {
		return "", "", "", false
	}
	subject, action, scope = id[:i], id[i+1:j], id[j+1:]
	if checkPolicyTriple(subject, action, scope) != nil {
		if parts := strings.SplitN(id, ",", 3); len(parts[0]) < len(subject) && strings.HasPrefix(parts[2], "/") {
			subject, action, scope = parts[0], parts[1], parts[2]
		}
	}
	if subject == "" || action == "" || scope == "" {
		return "", "", "", false
	}
	return subject, action, scope, true
}

// checkPolicyTriple applies the schema's rules to the parts of a policy id. When the parts look
// swapped (a scope, which starts with "/", or a subject id that is not where it belongs), the
// error says the order, since blaming the part in the wrong place would not say what is wrong.
func checkPolicyTriple(subject, action, scope string) error {
	err := checkSubjectID(subject)
	if err == nil {
		err = checkAction(action)
	}
	if err == nil {
		err = checkPolicyScope(scope)
	}
	if err != nil && policyPartsLookSwapped(subject, action, scope) {
		err = fmt.Errorf("%w%s", err, policyOrderNote)
	}
	return err
}

// policyPartsLookSwapped reports whether a policy id's parts look out of order: a scope, which
// starts with "/", or a subject id where it does not belong.
func policyPartsLookSwapped(subject, action, scope string) bool {
	return strings.HasPrefix(subject, "/") || strings.HasPrefix(action, "/") || hasSubjectIDPrefix(action) || hasSubjectIDPrefix(scope)
}

// policyOrderNote ends the error of a policy id whose parts look swapped.
const policyOrderNote = " (the parts of a policy id are in the order " + policyIDForm + ")"
