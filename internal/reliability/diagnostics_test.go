package reliability

import (
	"strings"
	"testing"
)

func TestSplitDiagnostics(t *testing.T) {
	for name, out := range map[string]string{
		"plain": "Error running apply: exit status 1\n\nError: IAM Client Secret May Have Been Created\n\n  with a.b[0],\n\n" +
			"POST /x: 500 Internal Server\nError: injected fault\n\nError: Second\n\n  with a.b[1],\n",
		"boxed": "╷\n│ Error: IAM Client Secret May Have Been Created\n│ \n│   with a.b[0],\n│ \n" +
			"│ POST /x: 500 Internal Server\n│ Error: injected fault\n╵\n╷\n│ Error: Second\n│ \n│   with a.b[1],\n╵\n",
	} {
		t.Run(name, func(t *testing.T) {
			d := SplitDiagnostics(out)
			if len(d) != 2 {
				t.Fatalf("%d diagnostics, want 2: %q", len(d), d)
			}
			if !strings.HasPrefix(d[0], "Error: IAM Client Secret May Have Been Created") ||
				!strings.Contains(d[0], "with a.b[0],") || !strings.Contains(d[0], "Error: injected fault") {
				t.Errorf("first diagnostic = %q", d[0])
			}
			if !strings.HasPrefix(d[1], "Error: Second") || !strings.Contains(d[1], "with a.b[1],") {
				t.Errorf("second diagnostic = %q", d[1])
			}
		})
	}
}
