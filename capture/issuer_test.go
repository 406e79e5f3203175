package capture

import (
	"encoding/json"
	"slices"
	"testing"
)

// Each issuer key names the field that the API shows under that key.
func TestIssuerKeysNameTheirFields(t *testing.T) {
	for _, k := range append(slices.Clone(IssuerKeys), IdentityKeys...) {
		var r Result
		f := r.Field(k)
		if f == nil {
			t.Errorf("%s: no field", k)
			continue
		}
		*f = "marker-" + k
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m[k] != "marker-"+k {
			t.Errorf("%s: the field set shows as %v", k, m[k])
		}
	}
	for _, k := range IdentityKeys {
		if !slices.Contains(IssuerKeys, k) {
			t.Errorf("identity key %s is no issuer key", k)
		}
	}
	var r Result
	if r.Field("Total") != nil || r.Field("Date") != nil {
		t.Error("a field of this one document is an issuer field")
	}
}

// Each item key names the line item field the API shows under that key.
func TestItemKeysNameTheirFields(t *testing.T) {
	for _, k := range ItemKeys {
		var it LineItem
		f := it.Field(k)
		if f == nil {
			t.Fatalf("%s: no field", k)
		}
		*f = "marker-" + k
		b, _ := json.Marshal(it)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m[k] != "marker-"+k {
			t.Errorf("%s: the field set shows as %v", k, m[k])
		}
	}
	var it LineItem
	if it.Field("Amount") != nil || it.Field("QTY") != nil {
		t.Error("an amount is an item key")
	}
}
