package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

// Seeding: at large N, Terraform core's own apply and destroy grow quadratically with the number
// of resource instances (the terraform_data floor at N=200 already spends 77 s applying 1,000
// resources; 5,000 would take about half an hour each way, per workload). The refresh does not.
// So from -seed-from on, a workload's objects are created straight through the API and its state
// file is written from a one-client template that the CLI itself applied, and only the no-change
// plan is measured. That plan must still exit 0 (-detailed-exitcode), so a seeded state that did
// not match what the provider reads back would fail the run rather than flatter it.

// seedWorkload prepares dir (holding main.tf for n clients) with a state of n clients as if it had
// been applied, and for the aritma kinds the objects behind it in the mock.
func (h *harness) seedWorkload(ctx context.Context, kind string, n int, dir string) error {
	tmpl, err := h.templateState(ctx, kind, dir)
	if err != nil {
		return fmt.Errorf("template state: %w", err)
	}
	var objs *seededObjects
	if kind != kindFloor {
		if err := h.mock.reset(ctx); err != nil {
			return err
		}
		if objs, err = h.createObjects(ctx, n); err != nil {
			return fmt.Errorf("creating %d clients through the API: %w", n, err)
		}
	} else {
		objs = floorObjects(n)
	}
	state, err := seededState(tmpl, n, objs)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "terraform.tfstate"), data, 0o644)
}

// templateState applies the workload at N=1 with the CLI, in a directory next to dir, and returns
// its state file.
func (h *harness) templateState(ctx context.Context, kind, dir string) (map[string]any, error) {
	tdir := dir + "-template"
	if err := os.MkdirAll(tdir, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(tdir)
	cfg := floorConfig(1)
	if kind != kindFloor {
		cfg = providerConfig(1)
	}
	if err := os.WriteFile(filepath.Join(tdir, "main.tf"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	wrapOut := filepath.Join(tdir, "rusage.jsonl")
	logPath := filepath.Join(dir, "template-apply.log")
	cost, err := runCLI(ctx, h.cli, tdir, h.env(wrapOut), wrapOut, logPath, "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		return nil, err
	}
	if cost.ExitCode != 0 {
		return nil, fmt.Errorf("apply exited %d:\n%s", cost.ExitCode, tailFile(logPath, 30))
	}
	data, err := os.ReadFile(filepath.Join(tdir, "terraform.tfstate"))
	if err != nil {
		return nil, err
	}
	var st map[string]any
	return st, json.Unmarshal(data, &st)
}

// seededObjects are the ids of the objects a seeded state points at.
type seededObjects struct {
	clients      []string // id of client i
	secrets      []string // id of secret j (of client j/2)
	secretValues []string
	created      []time.Time
}

// floorObjects invents the ids terraform_data would have generated.
func floorObjects(n int) *seededObjects {
	o := &seededObjects{clients: make([]string, n), secrets: make([]string, 2*n)}
	for i := range o.clients {
		o.clients[i] = uuid()
	}
	for j := range o.secrets {
		o.secrets[j] = uuid()
	}
	return o
}

// createObjects creates the workload's clients, secrets and policies through the API, as the
// provider would have, with a few requests in flight.
func (h *harness) createObjects(ctx context.Context, n int) (*seededObjects, error) {
	api, err := h.adminAPI()
	if err != nil {
		return nil, err
	}
	o := &seededObjects{
		clients: make([]string, n), secrets: make([]string, 2*n),
		secretValues: make([]string, 2*n), created: make([]time.Time, 2*n),
	}
	return o, parallel(ctx, n, func(i int) error { return o.createClient(ctx, api, i) })
}

// createClient creates client i with its two secrets and two policies, as providerConfig declares
// them.
func (o *seededObjects) createClient(ctx context.Context, api *iam.Client, i int) error {
	c, err := api.CreateClient(ctx, iam.ClientRequest{
		Name: fmt.Sprintf("bench-%05d", i), Description: "benchmark client",
		AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}, RedirectURIs: []string{},
	})
	if err != nil {
		return err
	}
	o.clients[i] = c.ClientID
	for k := range 2 {
		j := 2*i + k
		value := randomValue()
		s, err := api.CreateClientSecret(ctx, c.ClientID, iam.SecretRequest{Value: value, Description: fmt.Sprintf("benchmark secret %d", j%2)})
		if err != nil {
			return err
		}
		o.secrets[j], o.secretValues[j], o.created[j] = s.ClientSecretID, value, s.Created
		if _, err := api.CreatePolicy(ctx, policyOf(j, c.ClientID)); err != nil {
			return err
		}
	}
	return nil
}

// policyOf is policy j of providerConfig, whose subject is client clientID.
func policyOf(j int, clientID string) iam.Policy {
	action := "banking.ais.read"
	if j%2 == 1 {
		action = "banking.pis.read"
	}
	return iam.Policy{Subject: "client-" + clientID, Action: action, Scope: fmt.Sprintf("/subscriptions/bench-%d", j/2)}
}

// seededState is the template state with every resource's first instance repeated for n clients,
// the attributes that differ per instance set from objs.
func seededState(tmpl map[string]any, n int, objs *seededObjects) (map[string]any, error) {
	resources, ok := tmpl["resources"].([]any)
	if !ok || len(resources) != 3 {
		return nil, fmt.Errorf("template state has %d resources, want 3", len(resources))
	}
	for _, r := range resources {
		res, _ := r.(map[string]any)
		insts, _ := res["instances"].([]any)
		if len(insts) == 0 {
			return nil, fmt.Errorf("template resource %v.%v has no instances", res["type"], res["name"])
		}
		count := 2 * n
		if res["name"] == "c" {
			count = n
		}
		out := make([]any, count)
		for i := range count {
			inst, err := deepCopy(insts[0])
			if err != nil {
				return nil, err
			}
			inst["index_key"] = i
			delete(inst, "private") // the create mark of the template's fresh objects
			attrs, _ := inst["attributes"].(map[string]any)
			if attrs == nil {
				return nil, fmt.Errorf("template resource %v.%v has no attributes", res["type"], res["name"])
			}
			if err := setAttributes(fmt.Sprint(res["type"]), attrs, i, objs); err != nil {
				return nil, err
			}
			out[i] = inst
		}
		res["instances"] = out
	}
	tmpl["serial"] = 1
	tmpl["lineage"] = uuid()
	return tmpl, nil
}

// setAttributes sets what instance i of a resource type holds that no other instance does.
func setAttributes(typ string, a map[string]any, i int, o *seededObjects) error {
	switch typ {
	case "aritma_iam_client":
		id := o.clients[i]
		a["id"], a["client_id"], a["subject_id"], a["name"] = id, id, "client-"+id, fmt.Sprintf("bench-%05d", i)
	case "aritma_iam_client_secret":
		cid, sid := o.clients[i/2], o.secrets[i]
		a["id"], a["client_id"], a["secret_id"] = cid+"/"+sid, cid, sid
		a["description"], a["value"] = fmt.Sprintf("benchmark secret %d", i%2), o.secretValues[i]
		a["created"] = o.created[i].UTC().Format(time.RFC3339) // whole seconds, as the provider writes it
	case "aritma_iam_policy":
		p := policyOf(i, o.clients[i/2])
		a["id"], a["subject"], a["action"], a["scope"] = p.Subject+","+p.Action+","+p.Scope, p.Subject, p.Action, p.Scope
	case "terraform_data":
		return setFloorAttributes(a, i, o)
	default:
		return fmt.Errorf("no seeding for resource type %s", typ)
	}
	return nil
}

// setFloorAttributes fills terraform_data's input and output, both {value, type}, with instance
// i's values. Which of the three floor resources a is, shows in the keys of its input.
func setFloorAttributes(a map[string]any, i int, o *seededObjects) error {
	input, _ := a["input"].(map[string]any)
	v, _ := input["value"].(map[string]any)
	if v == nil {
		return errors.New("terraform_data template without an object input")
	}
	switch {
	case v["name"] != nil:
		a["id"] = o.clients[i]
		v["name"] = fmt.Sprintf("bench-%05d", i)
	case v["client_id"] != nil:
		a["id"] = o.secrets[i]
		v["client_id"], v["description"] = o.clients[i/2], fmt.Sprintf("benchmark secret %d", i%2)
	default:
		p := policyOf(i, "")
		a["id"] = uuid()
		v["subject"], v["action"], v["scope"] = o.clients[i/2], p.Action, p.Scope
	}
	out, err := deepCopy(input)
	if err != nil {
		return err
	}
	a["output"] = out
	return nil
}

func deepCopy(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(data, &m)
}

func uuid() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// randomValue is a secret value of the length the provider generates.
func randomValue() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
