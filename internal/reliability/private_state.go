package reliability

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// PrivateStateText returns the decoded private state of every resource instance in a state file:
// what a provider kept beside the attributes, which the state file holds base64-encoded (a JSON
// object of base64-encoded values, in terraform-plugin-framework's layout) and terraform show
// -json leaves out. A search for secrets in the raw state file cannot see into it; search this
// too.
func PrivateStateText(stateFile []byte) (string, error) {
	var state struct {
		Resources []struct {
			Instances []struct {
				Private string `json:"private"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(stateFile, &state); err != nil {
		return "", fmt.Errorf("decoding the state: %w", err)
	}
	var b strings.Builder
	for _, r := range state.Resources {
		for _, in := range r.Instances {
			if in.Private == "" {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(in.Private)
			if err != nil {
				return "", fmt.Errorf("decoding private state: %w", err)
			}
			b.Write(raw)
			b.WriteByte('\n')
			// The framework's layout: {"key": <base64 of the value>}; anything else stays as decoded.
			var keys map[string][]byte
			if json.Unmarshal(raw, &keys) == nil {
				for k, v := range keys {
					fmt.Fprintf(&b, "%s=%s\n", k, v)
				}
			}
		}
	}
	return b.String(), nil
}
