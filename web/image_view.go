package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"

	"tillroll/ocr"
	"tillroll/store"
)

// Chrome, Firefox and Edge cannot show a HEIC photo (an iPhone's) or a
// TIFF. The pages show those through GET /images/:name, a JPEG rendition
// made from the original the first time it is shown and kept
// (store.SaveRendition); the link around the picture is still the
// original, downloaded as it came. Other kinds are shown as they are.

// renditionStore is what renditions need of the store.
type renditionStore interface {
	ReceiptImage(token string) (store.ReceiptImage, error)
	Rendition(sha string) ([]byte, error)
	SaveRendition(sha string, jpeg []byte) error
}

var viewNameRE = regexp.MustCompile(`^([0-9a-f]{32})\.[a-z0-9]{1,8}$`)

// renditions makes one rendition at a time: a HEIC decode takes about
// 300 MB for a 12-megapixel photo (ocr decodes one at a time anyway), and
// two views of a new photo should not make it twice.
var renditions sync.Mutex

// viewURL is what an <img> shows for the receipt image at path (its
// link's path, /receipts-service/image/<token>.<ext>).
func viewURL(path string) string {
	name := path[strings.LastIndexByte(path, '/')+1:]
	ext := name[strings.LastIndexByte(name, '.')+1:]
	if ext == "jpg" || ocr.Kind(ext).Displayable() {
		return path
	}
	return "/images/" + name
}

// imageView is GET /images/:name: the rendition of a receipt image (the
// name as in its link: the token is its capability, as the link's is).
func (w *Web) imageView(c *echo.Context) error {
	m := viewNameRE.FindStringSubmatch(c.Param("name"))
	if m == nil {
		return pageErrorf(http.StatusNotFound, "There is no such image.")
	}
	img, err := w.cfg.Store.ReceiptImage(m[1])
	if errors.Is(err, store.ErrNotFound) {
		return pageErrorf(http.StatusNotFound, "There is no such image.")
	}
	if err != nil {
		return err
	}
	return w.serveRendition(c, img.SHA256, img.Path, ocr.Kind(img.Kind))
}

// serveRendition answers with the kept rendition of the original, making
// it first if there is none. An original Tillroll cannot decode (damaged,
// over the limits) has none: 404, and the page's link still downloads it.
func (w *Web) serveRendition(c *echo.Context, sha, rel string, kind ocr.Kind) error {
	if kind.Displayable() {
		return pageErrorf(http.StatusNotFound, "This image needs no rendition: it is shown as it is.")
	}
	jpeg, err := w.rendition(sha, rel)
	if errors.Is(err, ocr.ErrCorrupt) || errors.Is(err, ocr.ErrTooLarge) || errors.Is(err, ocr.ErrUnsupported) {
		w.cfg.Logger.Info("no rendition", "sha256", sha, "err", err)
		return pageErrorf(http.StatusNotFound, "This picture cannot be shown: download the original.")
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, "image/jpeg", jpeg)
}

func (w *Web) rendition(sha, rel string) ([]byte, error) {
	if b, err := w.cfg.Store.Rendition(sha); err == nil || !errors.Is(err, store.ErrNotFound) {
		return b, err
	}
	renditions.Lock()
	defer renditions.Unlock()
	if b, err := w.cfg.Store.Rendition(sha); err == nil || !errors.Is(err, store.ErrNotFound) {
		return b, err // made while this one waited
	}
	p, err := w.cfg.Store.FilePath(rel)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read original: %w", err)
	}
	b, err := ocr.DisplayJPEG(data, ocr.DefaultLimits(), ocr.DisplaySide)
	if err != nil {
		return nil, err
	}
	if err := w.cfg.Store.SaveRendition(sha, b); err != nil {
		return nil, err
	}
	return b, nil
}
