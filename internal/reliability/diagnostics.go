package reliability

import "strings"

// SplitDiagnostics cuts CLI output into its diagnostics, each starting at its "Error: " or
// "Warning: " line, with the box drawing ("╷", "│", "╵") removed. A header is such a line after a
// blank line or the top of a box: the CLI wraps long details, so "Error: " can also begin a line
// inside one ("... 500 Internal Server\nError: injected fault"), and that must not start another.
func SplitDiagnostics(out string) []string {
	var diags []string
	var cur []string
	prevBlank := true
	flush := func() {
		if len(cur) > 0 {
			diags = append(diags, strings.Join(cur, "\n"))
		}
		cur = nil
	}
	for line := range strings.SplitSeq(out, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "╷" || trimmed == "╵" {
			prevBlank = true
			continue
		}
		text := strings.TrimSpace(strings.TrimPrefix(trimmed, "│"))
		if prevBlank && (strings.HasPrefix(text, "Error: ") || strings.HasPrefix(text, "Warning: ")) {
			flush()
			cur = []string{}
		}
		if cur != nil {
			cur = append(cur, text)
		}
		prevBlank = text == ""
	}
	flush()
	return diags
}
