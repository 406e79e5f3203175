package ocr

import (
	"image"
	"testing"
)

func TestJoinWords(t *testing.T) {
	text, box := JoinWords([]Word{
		{Text: "TOTAL", Box: image.Rect(10, 100, 80, 120)},
		{Text: "12.10", Box: image.Rect(300, 98, 360, 121)},
	})
	if text != "TOTAL 12.10" || box != image.Rect(10, 98, 360, 121) {
		t.Errorf("JoinWords = %q %v", text, box)
	}
	if text, box := JoinWords(nil); text != "" || !box.Empty() {
		t.Errorf("JoinWords(nil) = %q %v", text, box)
	}
}
