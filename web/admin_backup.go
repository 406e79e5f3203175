package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// adminBackupPage is GET /admin/backup: what a backup holds and the button
// that downloads one.
func (w *Web) adminBackupPage(c *echo.Context) error {
	return w.adminRender(c, http.StatusOK, "admin_backup.html", "Backup", "", "", nil)
}

// adminBackup is POST /admin/backup: a hot backup (store.Backup, a gzipped
// tar of the database, the sealing key and every original) as a download
// named for the day. It is a POST with the CSRF token so that no other
// site can make an admin's browser start one: a backup is heavy work for
// the box and leaves everything it holds in the Downloads folder.
//
// The backup streams as it is made. A failure before the first byte is an
// error page; one after it aborts the connection, so the browser reports
// a failed download rather than keeping a file that looks whole.
func (w *Web) adminBackup(c *echo.Context) error {
	// A large data directory takes longer than the server's write timeout.
	if err := http.NewResponseController(c.Response()).SetWriteDeadline(time.Time{}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	name := "tillroll-backup-" + time.Now().Format("2006-01-02-1504") + ".tar.gz"
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/gzip")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	err := w.cfg.Store.Backup(c.Response())
	if err == nil {
		return nil
	}
	if r, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && !r.Committed {
		h.Del(echo.HeaderContentDisposition)
		h.Del(echo.HeaderContentType)
		return fmt.Errorf("backup download: %w", err)
	}
	w.cfg.Logger.Error("backup download failed part way", "err", err)
	panic(http.ErrAbortHandler)
}
