package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestProtocolServerLifecycle runs noop_data through the RPCs a CLI makes for create, refresh and
// destroy, so the protocol floor measures a provider that works.
func TestProtocolServerLifecycle(t *testing.T) {
	ctx := context.Background()
	s := protocolServer{}
	input := tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"name": tftypes.String}},
		map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "bench-00001")})
	dv := func(id, in, out tftypes.Value) *tfprotov6.DynamicValue {
		t.Helper()
		v, err := tfprotov6.NewDynamicValue(noopType, tftypes.NewValue(noopType, map[string]tftypes.Value{"id": id, "input": in, "output": out}))
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	decode := func(v *tfprotov6.DynamicValue, diags []*tfprotov6.Diagnostic) noopValue {
		t.Helper()
		if len(diags) > 0 {
			t.Fatalf("diagnostics: %s: %s", diags[0].Summary, diags[0].Detail)
		}
		n, err := decodeNoop(v)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	nullString, nullDynamic := tftypes.NewValue(tftypes.String, nil), tftypes.NewValue(tftypes.DynamicPseudoType, nil)

	plan, _ := s.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{TypeName: noopTypeName, ProposedNewState: dv(nullString, input, nullDynamic)})
	planned := decode(plan.PlannedState, plan.Diagnostics)
	if planned.id.IsKnown() || !planned.output.Equal(input) {
		t.Fatalf("planned id %v (want unknown), output %v (want the input)", planned.id, planned.output)
	}

	apply, _ := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: noopTypeName, PlannedState: plan.PlannedState})
	created := decode(apply.NewState, apply.Diagnostics)
	var id string
	if err := created.id.As(&id); err != nil || len(id) != 32 {
		t.Fatalf("id %q (%v), want 32 hex digits", id, err)
	}

	// The state file holds JSON, a dynamic value as its value and its type; UpgradeResourceState
	// must give the same object back.
	dynamic := map[string]any{"value": map[string]any{"name": "bench-00001"}, "type": []any{"object", map[string]any{"name": "string"}}}
	raw, err := json.Marshal(map[string]any{"id": id, "input": dynamic, "output": dynamic})
	if err != nil {
		t.Fatal(err)
	}
	up, _ := s.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{TypeName: noopTypeName, RawState: &tfprotov6.RawState{JSON: raw}})
	upgraded := decode(up.UpgradedState, up.Diagnostics)
	if !upgraded.id.Equal(created.id) || !upgraded.input.Equal(input) {
		t.Errorf("upgraded %v, want the created object", upgraded)
	}

	read, _ := s.ReadResource(ctx, &tfprotov6.ReadResourceRequest{TypeName: noopTypeName, CurrentState: apply.NewState})
	if got := decode(read.NewState, read.Diagnostics); !got.id.Equal(created.id) || !got.output.Equal(input) {
		t.Errorf("read %v, want the created object", got)
	}

	null, err := tfprotov6.NewDynamicValue(noopType, tftypes.NewValue(noopType, nil))
	if err != nil {
		t.Fatal(err)
	}
	destroy, _ := s.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{TypeName: noopTypeName, PriorState: apply.NewState, PlannedState: &null})
	if gone := decode(destroy.NewState, destroy.Diagnostics); !gone.null {
		t.Errorf("destroy left %v, want a null state", gone)
	}
}
