package provider

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func TestPolicyModelFromAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   iam.Policy
		want policyModel
	}{
		{
			name: "full",
			in:   iam.Policy{Subject: "client-c1", Action: "iam.client.read", Scope: "/subscriptions/1", Tenant: "t1"},
			want: policyModel{
				ID:      types.StringValue("client-c1,iam.client.read,/subscriptions/1"),
				Subject: types.StringValue("client-c1"), Action: types.StringValue("iam.client.read"),
				Scope: types.StringValue("/subscriptions/1"), Tenant: types.StringValue("t1"),
			},
		},
		{
			name: "no tenant",
			in:   iam.Policy{Subject: "user-u", Action: "owner", Scope: "/"},
			want: policyModel{
				ID:      types.StringValue("user-u,owner,/"),
				Subject: types.StringValue("user-u"), Action: types.StringValue("owner"),
				Scope: types.StringValue("/"), Tenant: types.StringValue(""),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := policyModelFromAPI(&tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("policyModelFromAPI() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestPolicyFromModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         policyModel
		want       iam.Policy
		wantErrors int
	}{
		{
			name: "known",
			in: policyModel{Subject: types.StringValue("client-c"), Action: types.StringValue("owner"),
				Scope: types.StringValue("/"), Tenant: types.StringUnknown(), ID: types.StringUnknown()},
			want: iam.Policy{Subject: "client-c", Action: "owner", Scope: "/"},
		},
		{
			name:       "unknown subject, null action, empty scope",
			in:         policyModel{Subject: types.StringUnknown(), Action: types.StringNull(), Scope: types.StringValue("")},
			want:       iam.Policy{},
			wantErrors: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, diags := policyFromModel(tt.in)
			if diags.ErrorsCount() != tt.wantErrors {
				t.Fatalf("got %d errors, want %d: %v", diags.ErrorsCount(), tt.wantErrors, diags)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("policyFromModel() = %#v, want %#v", got, tt.want)
			}
		})
	}
}
