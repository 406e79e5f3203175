package web_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"tillroll/internal/fixture"
	"tillroll/receipts"
	"tillroll/store"
)

// clientRect is an element's place in the viewport.
type clientRect struct{ X, Y, W, H float64 }

func (b *browser) rect(sel string) clientRect {
	b.t.Helper()
	var r clientRect
	js := `(function () { var r = document.querySelector(` + jsString(sel) + `).getBoundingClientRect(); return JSON.stringify({X: r.x, Y: r.y, W: r.width, H: r.height}); })()`
	if err := json.Unmarshal([]byte(b.eval(js)), &r); err != nil {
		b.t.Fatalf("rect of %s: %v", sel, err)
	}
	return r
}

func jsString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// hover moves the mouse to the middle of the element.
func (b *browser) hover(sel string) {
	b.t.Helper()
	b.do("scroll to "+sel, chromedp.ScrollIntoView(chromedp.CSS(sel)))
	r := b.rect(sel)
	b.do("hover "+sel, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, r.X+r.W/2, r.Y+r.H/2))
}

// waitTrue waits until the expression is true.
func (b *browser) waitTrue(what, expr string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr)); err != nil {
		b.t.Fatalf("%s: %v (%s)", what, err, expr)
	}
}

func TestBrowserWordBoxes(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a.url)
	b.signIn("alice", "alice-password")

	// A scan, and a phone photo stored sideways with its EXIF orientation:
	// the browser shows both upright, and the boxes must land on them.
	sideways := filepath.Join(t.TempDir(), "sideways.jpg")
	if err := os.WriteFile(sideways, fixture.SidewaysJPEG(fixture.Sample(), fixture.Options{Width: 700}), 0o644); err != nil {
		t.Fatal(err)
	}
	links := b.upload(sampleFile(t, "receipt.png", nil), sideways)
	for _, link := range links {
		a.waitReceipt(strings.TrimPrefix(link, "/receipts/"), func(r store.Receipt) bool { return r.Status != receipts.OCR })
	}

	const (
		plainStroke = "rgb(183, 121, 31)"
		hlStroke    = "rgb(192, 57, 43)"
	)
	stroke := `getComputedStyle(document.querySelector("#box-total rect")).stroke`
	for i, link := range links {
		b.do("open the receipt", chromedp.Navigate(a.url+link), chromedp.WaitVisible(chromedp.CSS("#fields")))
		b.waitTrue("the image loads", `document.querySelector(".page-image img").complete && document.querySelector(".page-image img").naturalWidth > 0`)

		// The overlay lies on the image, in the image's pixels: the
		// viewBox is the image as the browser shows it (upright), and
		// the total's box is where its rect says, scaled to the page.
		vb := strings.Fields(b.eval(`document.querySelector("svg.boxes").getAttribute("viewBox")`))
		natural := strings.Fields(b.eval(`(function () { var i = document.querySelector(".page-image img"); return i.naturalWidth + " " + i.naturalHeight; })()`))
		if len(vb) != 4 || vb[2]+" "+vb[3] != strings.Join(natural, " ") {
			t.Fatalf("upload %d: viewBox %q, the image shows %q", i, vb, natural)
		}
		img, svg, box := b.rect(".page-image img"), b.rect("svg.boxes"), b.rect("#box-total rect")
		if math.Abs(img.X-svg.X) > 1 || math.Abs(img.Y-svg.Y) > 1 || math.Abs(img.W-svg.W) > 1 || math.Abs(img.H-svg.H) > 1 {
			t.Fatalf("upload %d: the overlay %+v is not over the image %+v", i, svg, img)
		}
		var x, y, w float64
		if err := json.Unmarshal([]byte(b.eval(`(function () { var r = document.querySelector("#box-total rect"); return JSON.stringify([+r.getAttribute("x"), +r.getAttribute("y"), +r.getAttribute("width")]); })()`)), &[]any{&x, &y, &w}); err != nil {
			t.Fatal(err)
		}
		var nw float64
		if err := json.Unmarshal([]byte(vb[2]), &nw); err != nil {
			t.Fatal(err)
		}
		k := img.W / nw
		if box.W < 4 || math.Abs(box.X-(img.X+x*k)) > 4 || math.Abs(box.Y-(img.Y+y*k)) > 4 || math.Abs(box.W-w*k) > 4 {
			t.Fatalf("upload %d: the total's box shows at %+v, want (%v, %v) wide %v on the image at %+v", i, box, x*k, y*k, w*k, img)
		}
		if got := b.eval(stroke); got != plainStroke {
			t.Fatalf("upload %d: the box's stroke is %q before any hover", i, got)
		}
		if got := b.eval(`document.querySelector("#box-total title").textContent`); got != "Total" {
			t.Errorf("upload %d: the box is named %q", i, got)
		}

		// Pointing at the Total row highlights its box, and back.
		b.hover("#field-total")
		b.waitTrue("the total's box is highlighted", `document.getElementById("box-total").classList.contains("hl")`)
		if got := b.eval(stroke); got != hlStroke {
			t.Errorf("upload %d: the highlighted box's stroke is %q", i, got)
		}
		if n := b.eval(`String(document.querySelectorAll(".hl").length)`); n != "2" {
			t.Errorf("upload %d: %s elements highlighted, want the row and its box", i, n)
		}
		b.hover("h1")
		b.waitTrue("the highlight goes", `!document.getElementById("box-total").classList.contains("hl")`)

		// Pointing at the box highlights its row.
		b.hover("#box-total rect")
		b.waitTrue("the total's row is highlighted", `document.getElementById("field-total").classList.contains("hl")`)
		b.hover("h1")

		// With the keyboard: the row's link to the box.
		b.do("focus the link", chromedp.Focus(chromedp.CSS("#field-total a.where")))
		b.waitTrue("focus highlights the box", `document.getElementById("box-total").classList.contains("hl")`)
	}
	b.noScriptRan()
}
