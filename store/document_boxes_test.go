package store

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"tillroll/capture"
)

// Where the fields were read is kept beside the result, and stays out of
// the capture API's data object.
func TestCompleteKeepsBoxesBeside(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	newAccount(t, s, "shop")
	d := upload(t, s, "shop", "a.jpg", []byte("x"))
	if _, _, ok, err := s.ClaimOCRJob(); !ok || err != nil {
		t.Fatalf("claim: %v %v", ok, err)
	}
	boxes := &capture.Boxes{
		Pages:  []capture.PageSize{{Width: 800, Height: 1400}},
		Fields: map[string]capture.Box{"Total": {Page: 1, X: 600, Y: 1200, W: 120, H: 30}},
		Items:  []capture.Box{{Page: 1, X: 50, Y: 500, W: 700, H: 30}},
	}
	r := capture.Result{Total: 12.1, Line_Items: []capture.LineItem{{Line: 1, Amount: 12.1}}, Boxes: boxes}
	if _, err := s.CompleteOCRJob(d.ID, r, "", nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Document(d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Boxes, boxes) {
		t.Fatalf("boxes %+v, want %+v", got.Boxes, boxes)
	}
	data, err := json.Marshal(got.Data())
	if err != nil {
		t.Fatal(err)
	}
	r.Boxes = nil
	r.Status = capture.StatusCompleted
	r.PhotonKey, r.DocPath = got.Key, got.DocPath()
	want, _ := json.Marshal(r.Complete())
	if string(data) != string(want) || strings.Contains(strings.ToLower(string(data)), "box") {
		t.Fatalf("data %s, want %s", data, want)
	}
}
