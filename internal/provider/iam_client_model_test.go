package provider

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aritma/terraform-provider-aritma/internal/iam"
)

func modelTestSet(values ...string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}

func TestClientModelFromAPI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   iam.OAuthClient
		want clientModel
	}{
		{
			name: "full",
			in: iam.OAuthClient{
				ClientID: "c1", Name: "billing", Description: "Billing service",
				AllowedGrantTypes: []string{"authorization_code", "refresh_token"},
				AllowedScopes:     []string{"api", "services.iam"},
				RedirectURIs:      []string{"https://billing.example/cb"},
			},
			want: clientModel{
				ID: types.StringValue("c1"), ClientID: types.StringValue("c1"), SubjectID: types.StringValue("client-c1"),
				Name: types.StringValue("billing"), Description: types.StringValue("Billing service"),
				AllowedGrantTypes: modelTestSet("authorization_code", "refresh_token"),
				AllowedScopes:     modelTestSet("api", "services.iam"),
				RedirectURIs:      modelTestSet("https://billing.example/cb"),
			},
		},
		{
			name: "nil lists become empty sets, empty description stays empty",
			in:   iam.OAuthClient{ClientID: "c2", Name: "n"},
			want: clientModel{
				ID: types.StringValue("c2"), ClientID: types.StringValue("c2"), SubjectID: types.StringValue("client-c2"),
				Name: types.StringValue("n"), Description: types.StringValue(""),
				AllowedGrantTypes: modelTestSet(), AllowedScopes: modelTestSet(), RedirectURIs: modelTestSet(),
			},
		},
		{
			name: "empty lists and duplicates",
			in: iam.OAuthClient{
				ClientID: "c3", Name: "n", AllowedGrantTypes: []string{"client_credentials", "client_credentials"},
				AllowedScopes: []string{"api"}, RedirectURIs: []string{},
			},
			want: clientModel{
				ID: types.StringValue("c3"), ClientID: types.StringValue("c3"), SubjectID: types.StringValue("client-c3"),
				Name: types.StringValue("n"), Description: types.StringValue(""),
				AllowedGrantTypes: modelTestSet("client_credentials"), AllowedScopes: modelTestSet("api"), RedirectURIs: modelTestSet(),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := clientModelFromAPI(&tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("clientModelFromAPI() =\n%#v\nwant\n%#v", got, tt.want)
			}
			for _, s := range []types.Set{got.AllowedGrantTypes, got.AllowedScopes, got.RedirectURIs} {
				if s.IsNull() || s.IsUnknown() {
					t.Errorf("set is null or unknown: %v", s)
				}
			}
		})
	}
}

func TestClientRequestFromModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         clientModel
		want       iam.ClientRequest
		wantErrors int
	}{
		{
			name: "sorted, complete",
			in: clientModel{
				Name: types.StringValue("billing"), Description: types.StringValue("d"),
				AllowedGrantTypes: modelTestSet("refresh_token", "authorization_code"),
				AllowedScopes:     modelTestSet("services.iam", "api"),
				RedirectURIs:      modelTestSet("https://b.example/2", "https://b.example/1"),
			},
			want: iam.ClientRequest{
				Name: "billing", Description: "d",
				AllowedGrantTypes: []string{"authorization_code", "refresh_token"},
				AllowedScopes:     []string{"api", "services.iam"},
				RedirectURIs:      []string{"https://b.example/1", "https://b.example/2"},
			},
		},
		{
			name: "nulls become empty values, never nil slices",
			in: clientModel{
				Name: types.StringValue("n"), Description: types.StringNull(),
				AllowedGrantTypes: types.SetNull(types.StringType), AllowedScopes: types.SetNull(types.StringType),
				RedirectURIs: types.SetNull(types.StringType),
			},
			want: iam.ClientRequest{Name: "n", AllowedGrantTypes: []string{}, AllowedScopes: []string{}, RedirectURIs: []string{}},
		},
		{
			name: "empty sets",
			in: clientModel{
				Name: types.StringValue("n"), Description: types.StringValue(""),
				AllowedGrantTypes: modelTestSet("client_credentials"), AllowedScopes: modelTestSet("api"), RedirectURIs: modelTestSet(),
			},
			want: iam.ClientRequest{Name: "n", AllowedGrantTypes: []string{"client_credentials"}, AllowedScopes: []string{"api"}, RedirectURIs: []string{}},
		},
		{
			name: "unknowns are errors",
			in: clientModel{
				Name: types.StringUnknown(), Description: types.StringUnknown(),
				AllowedGrantTypes: types.SetUnknown(types.StringType),
				AllowedScopes:     types.SetValueMust(types.StringType, []attr.Value{types.StringUnknown()}),
				RedirectURIs:      modelTestSet(),
			},
			want:       iam.ClientRequest{AllowedGrantTypes: []string{}, AllowedScopes: []string{}, RedirectURIs: []string{}},
			wantErrors: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, diags := clientRequestFromModel(tt.in)
			if diags.ErrorsCount() != tt.wantErrors {
				t.Fatalf("got %d errors, want %d: %v", diags.ErrorsCount(), tt.wantErrors, diags)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("clientRequestFromModel() = %#v, want %#v", got, tt.want)
			}
			for _, s := range [][]string{got.AllowedGrantTypes, got.AllowedScopes, got.RedirectURIs} {
				if s == nil {
					t.Error("nil slice would be sent as JSON null")
				}
			}
		})
	}
}

func TestClientModelRoundTrip(t *testing.T) {
	t.Parallel()
	in := iam.OAuthClient{
		ClientID: "c", Name: "n", Description: "d",
		AllowedGrantTypes: []string{"authorization_code"}, AllowedScopes: []string{"api"},
		RedirectURIs: []string{"http://localhost:3000/cb"},
	}
	req, diags := clientRequestFromModel(clientModelFromAPI(&in))
	if diags.HasError() {
		t.Fatal(diags)
	}
	want := iam.ClientRequest{Name: in.Name, Description: in.Description, AllowedGrantTypes: in.AllowedGrantTypes,
		AllowedScopes: in.AllowedScopes, RedirectURIs: in.RedirectURIs}
	if !reflect.DeepEqual(req, want) {
		t.Errorf("round trip = %#v, want %#v", req, want)
	}
}

// The API counts characters, not bytes: 200 × "ø" (400 bytes) is a valid name.
func TestClientLengthChecks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"name 200 non-ASCII", checkClientName(strings.Repeat("ø", 200)), ""},
		{"name 201", checkClientName(strings.Repeat("ø", 201)), "name must be between 1 and 200 characters, got 201"},
		{"name empty", checkClientName(""), "name must be between 1 and 200 characters, got 0"},
		{"description 1000 non-ASCII", checkClientDescription(strings.Repeat("å", 1000)), ""},
		{"description 1001", checkClientDescription(strings.Repeat("d", 1001)), "description must be at most 1000 characters, got 1001"},
	} {
		got := ""
		if tt.err != nil {
			got = tt.err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestClientKeepOmitted: fields the API's answer left out keep the known prior value and become
// null (named in the result) without one; fields it sent are never touched.
func TestClientKeepOmitted(t *testing.T) {
	t.Parallel()
	answer := &iam.OAuthClient{ClientID: "c1", Name: "svc", Omitted: []string{"description", "allowedScopes", "redirectUris"}}
	prior := clientModelFromAPI(&iam.OAuthClient{ClientID: "c1", Name: "old", Description: "kept",
		AllowedGrantTypes: []string{"authorization_code"}, AllowedScopes: []string{"api"}})
	prior.RedirectURIs = types.SetUnknown(types.StringType)

	for name, tc := range map[string]struct {
		prior      *clientModel
		want       clientModel
		wantNulled []string
	}{
		"no prior": {nil, clientModel{Description: types.StringNull(), AllowedScopes: types.SetNull(types.StringType),
			RedirectURIs: types.SetNull(types.StringType)}, []string{"description", "allowed_scopes", "redirect_uris"}},
		"prior": {&prior, clientModel{Description: types.StringValue("kept"), AllowedScopes: modelTestSet("api"),
			RedirectURIs: types.SetNull(types.StringType)}, []string{"redirect_uris"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := clientModelFromAPI(answer)
			nulled := m.keepOmitted(answer, tc.prior)
			if !reflect.DeepEqual(nulled, tc.wantNulled) {
				t.Errorf("nulled = %q, want %q", nulled, tc.wantNulled)
			}
			if !m.Name.Equal(types.StringValue("svc")) || !m.AllowedGrantTypes.Equal(modelTestSet()) {
				t.Errorf("fields the answer sent changed: name %s, grant types %s", m.Name, m.AllowedGrantTypes)
			}
			for attr, got := range map[string][2]attr.Value{
				"description":    {m.Description, tc.want.Description},
				"allowed_scopes": {m.AllowedScopes, tc.want.AllowedScopes},
				"redirect_uris":  {m.RedirectURIs, tc.want.RedirectURIs},
			} {
				if !got[0].Equal(got[1]) {
					t.Errorf("%s = %s, want %s", attr, got[0], got[1])
				}
			}
		})
	}
}
