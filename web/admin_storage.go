package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// storageRow is one owner on the storage page.
type storageRow struct {
	store.Storage
	// Used, Quota and Setting in words; Input is the setting as the form
	// shows it.
	UsedText, QuotaText, SettingText, Input string
	Percent                                 int // of the quota, 0 without one
}

type adminStorageData struct {
	Rows    []storageRow
	Default string // the server's --quota in words
}

// adminStorage is GET /admin/storage: what each account's originals take
// and its quota, with a form per capture account that sets it.
func (w *Web) adminStorage(c *echo.Context) error {
	flash := ""
	if name := c.QueryParam("done"); name != "" {
		flash = "The quota of " + name + " is set."
	}
	return w.showStorage(c, http.StatusOK, flash, "")
}

func (w *Web) showStorage(c *echo.Context, code int, flash, errMsg string) error {
	all, err := w.cfg.Store.Storages()
	if err != nil {
		return err
	}
	d := adminStorageData{Default: "none"}
	if q := w.cfg.Store.DefaultQuota(); q > 0 {
		d.Default = sizeText(q)
	}
	for _, s := range all {
		r := storageRow{Storage: s, UsedText: sizeText(s.Used), QuotaText: "none", SettingText: "the default", Input: "default"}
		if s.Quota > 0 {
			r.QuotaText, r.Percent = sizeText(s.Quota), int(min(100*s.Used/s.Quota, 999))
		}
		switch {
		case s.Setting > 0:
			r.SettingText, r.Input = "its own", sizeText(s.Setting)
		case s.Setting < 0:
			r.SettingText, r.Input = "none", "none"
		}
		d.Rows = append(d.Rows, r)
	}
	return w.adminRender(c, code, "admin_storage.html", "Storage", flash, errMsg, d)
}

// adminSetQuota is POST /admin/storage/:name: the account's quota, as
// `tillroll account quota` sets it.
func (w *Web) adminSetQuota(c *echo.Context) error {
	name := c.Param("name")
	q, err := parseSize(c.FormValue("quota"))
	if err != nil {
		return w.showStorage(c, http.StatusBadRequest, "", "Not set for "+name+": "+err.Error()+".")
	}
	err = w.cfg.Store.SetQuota(name, q)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return pageErrorf(http.StatusNotFound, "There is no such capture account.")
	case errors.Is(err, store.ErrInvalid):
		return w.showStorage(c, http.StatusBadRequest, "", message(err))
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/storage?done="+url.QueryEscape(name))
}

// Size units as the rest of Tillroll counts them (768 MB is 768 << 20).
var sizeUnits = []struct {
	name  string
	shift uint
}{{"TB", 40}, {"GB", 30}, {"MB", 20}, {"KB", 10}}

// sizeText is n bytes in words: "1.5 GB", "300 MB", "512 bytes".
func sizeText(n int64) string {
	for _, u := range sizeUnits {
		if n >= 1<<u.shift {
			v := float64(n) / float64(int64(1)<<u.shift)
			return strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 2, 64), "0"), ".") + " " + u.name
		}
	}
	if n == 1 {
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// parseSize reads a quota as an admin types it: "default" (the server's
// --quota), "none", or a size such as "500 MB", "2GB", "1.5 gb" or a
// number of bytes.
func parseSize(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "default":
		return store.QuotaDefault, nil
	case "none":
		return store.QuotaNone, nil
	}
	num, shift := s, uint(0)
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(s, strings.ToLower(u.name)); ok {
			num, shift = strings.TrimSpace(rest), u.shift
			break
		}
	}
	if rest, ok := strings.CutSuffix(num, "bytes"); ok && shift == 0 {
		num = strings.TrimSpace(rest)
	}
	v, err := strconv.ParseFloat(num, 64)
	bytes := v * float64(int64(1)<<shift)
	if err != nil || v <= 0 || bytes >= 1<<62 || bytes < 1 {
		return 0, fmt.Errorf("a quota is a size such as 500 MB or 2 GB, “default” or “none”, not %q", s)
	}
	return int64(bytes), nil
}
