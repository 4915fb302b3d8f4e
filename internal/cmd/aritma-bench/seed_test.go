package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// templateJSON is the shape of a one-client state of providerConfig(1), trimmed to what seeding
// touches and keeps.
const templateJSON = `{
  "version": 4, "terraform_version": "1.11.4", "serial": 7, "lineage": "old", "outputs": {},
  "resources": [
    {"mode": "managed", "type": "aritma_iam_client", "name": "c", "instances": [
      {"index_key": 0, "private": "bWFyaw==", "attributes": {"id": "c0", "client_id": "c0", "subject_id": "client-c0", "name": "bench-00000", "description": "benchmark client"}}]},
    {"mode": "managed", "type": "aritma_iam_client_secret", "name": "s", "instances": [
      {"index_key": 0, "attributes": {"id": "c0/s0", "client_id": "c0", "secret_id": "s0", "description": "benchmark secret 0", "value": "x", "created": "2026-01-01T00:00:00Z"},
       "sensitive_attributes": [[{"type": "get_attr", "value": "value"}]], "dependencies": ["aritma_iam_client.c"]}]},
    {"mode": "managed", "type": "aritma_iam_policy", "name": "p", "instances": [
      {"index_key": 0, "attributes": {"id": "client-c0,banking.ais.read,/subscriptions/bench-0", "subject": "client-c0", "action": "banking.ais.read", "scope": "/subscriptions/bench-0", "tenant": "t"}}]}
  ]
}`

func TestSeededState(t *testing.T) {
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(templateJSON), &tmpl); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 25, 13, 0, 0, 123456789, time.FixedZone("", 3600))
	objs := &seededObjects{
		clients:      []string{"a", "b"},
		secrets:      []string{"s1", "s2", "s3", "s4"},
		secretValues: []string{"v1", "v2", "v3", "v4"},
		created:      []time.Time{created, created, created, created},
	}
	st, err := seededState(tmpl, 2, objs)
	if err != nil {
		t.Fatal(err)
	}
	if st["serial"] != 1 || st["lineage"] == "old" {
		t.Errorf("serial %v, lineage %v: want a new state", st["serial"], st["lineage"])
	}
	res := st["resources"].([]any)
	inst := func(r, i int) map[string]any {
		return res[r].(map[string]any)["instances"].([]any)[i].(map[string]any)
	}
	attr := func(r, i int, k string) string { return fmt.Sprint(inst(r, i)["attributes"].(map[string]any)[k]) }
	for r, want := range []int{2, 4, 4} {
		if got := len(res[r].(map[string]any)["instances"].([]any)); got != want {
			t.Errorf("resource %d: %d instances, want %d", r, got, want)
		}
	}
	for _, c := range []struct{ got, want string }{
		{attr(0, 1, "id"), "b"}, {attr(0, 1, "subject_id"), "client-b"}, {attr(0, 1, "name"), "bench-00001"},
		{attr(0, 1, "description"), "benchmark client"},
		{attr(1, 3, "id"), "b/s4"}, {attr(1, 3, "client_id"), "b"}, {attr(1, 3, "value"), "v4"},
		{attr(1, 3, "description"), "benchmark secret 1"}, {attr(1, 3, "created"), "2026-11-25T12:00:00Z"},
		{attr(2, 2, "id"), "client-b,banking.ais.read,/subscriptions/bench-1"}, {attr(2, 3, "action"), "banking.pis.read"},
		{attr(2, 3, "tenant"), "t"},
		{fmt.Sprint(inst(1, 2)["index_key"]), "2"}, {fmt.Sprint(inst(1, 2)["dependencies"]), "[aritma_iam_client.c]"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if _, ok := inst(0, 0)["private"]; ok {
		t.Error("the template's private state (its create mark) was copied")
	}
}

func TestSeededState_wrongTemplate(t *testing.T) {
	if _, err := seededState(map[string]any{"resources": []any{}}, 2, &seededObjects{}); err == nil {
		t.Error("a template without the workload's three resources was accepted")
	}
}
