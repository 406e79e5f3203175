package ocr_test

import (
	"errors"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/ocr"
)

func TestPageCount(t *testing.T) {
	three := fixture.PDF(fixture.PDFPage{Lines: []string{"ONE"}}, fixture.PDFPage{Lines: []string{"TWO"}}, fixture.PDFPage{Lines: []string{"THREE"}})
	for _, tc := range []struct {
		name string
		data []byte
		want int
		err  error
	}{
		{"pdf of three pages", three, 3, nil},
		{"png", fixture.PNG(fixture.Sample(), fixture.Options{Width: 200}), 1, nil},
		{"pdf cut short", three[:len(three)/2], 0, ocr.ErrCorrupt},
		{"not a document", []byte("hello"), 0, ocr.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ocr.PageCount(tc.data)
			if n != tc.want || (tc.err == nil) != (err == nil) || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("PageCount = %d, %v; want %d, %v", n, err, tc.want, tc.err)
			}
		})
	}
}

func TestOnlyPages(t *testing.T) {
	d := ocr.Document{Pages: []ocr.Page{{Number: 1}, {Number: 2}, {Number: 3}, {Number: 4}}}
	for _, tc := range []struct {
		first, last int
		want        []int
	}{{0, 0, []int{1, 2, 3, 4}}, {2, 3, []int{2, 3}}, {3, 0, []int{3, 4}}, {0, 1, []int{1}}} {
		got := d.OnlyPages(tc.first, tc.last)
		var nums []int
		for _, p := range got.Pages {
			nums = append(nums, p.Number)
		}
		if len(nums) != len(tc.want) || (len(nums) > 0 && (nums[0] != tc.want[0] || nums[len(nums)-1] != tc.want[len(tc.want)-1])) {
			t.Errorf("OnlyPages(%d, %d) = %v, want %v", tc.first, tc.last, nums, tc.want)
		}
	}
}
