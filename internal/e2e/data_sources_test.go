package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// An action filter that names no action of the catalogue finds nothing, and says why: in an audit
// check a typo would otherwise read as "no grants".
func TestAccE2E_policiesUnknownActionWarns(t *testing.T) {
	t.Parallel()
	providerDir := buildProvider(t)
	mock := newMock(t)
	w := newWorkdir(t, providerDir, mock.URL)
	w.WriteConfig(`
data "aritma_iam_policies" "typo" {
  action = "iam.client.fly"
}

output "count" {
  value = length(data.aritma_iam_policies.typo.policies)
}
`)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out, errOut, err := w.Run(ctx, "plan")
	text := oneLine(out, errOut)
	if err != nil || !strings.Contains(text, "Unknown Action") ||
		!strings.Contains(text, `"iam.client.fly" is not in the action catalogue, so no policy can grant it and the list is empty.`) {
		t.Errorf("plan: exit %d, want success with the Unknown Action warning\n%s", exitCode(err), text)
	}
}
