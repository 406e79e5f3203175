package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// userRow is one identity in the admin's list: its web sign-in (Role ""
// when it has none) and its capture credentials, both kinds in one list.
type userRow struct {
	Name         string
	Role         string // "": no web sign-in (an account from `tillroll account create`)
	RetailerID   string
	RetailerName string
	Created      time.Time
	Self         bool
	// The capture half: Account nil when the identity never had one;
	// ClientID "" when its credentials are revoked.
	Account *store.Account
}

// newUserForm is the create form's fields as sent, shown again after an
// error (never the password).
type newUserForm struct {
	Name, Role, RetailerID string
}

type adminUsersData struct {
	Users     []userRow
	Retailers []store.Retailer
	Roles     []string
	Form      newUserForm
}

type adminUserData struct {
	User userRow
	// LastAdmin: the store refuses to delete the only admin.
	LastAdmin bool
}

var userRoles = []string{store.RoleUser, store.RoleStaff, store.RoleAdmin}

// userRows are the users with their retailers' names.
func (w *Web) userRows(c *echo.Context) ([]userRow, []store.Retailer, error) {
	me, _, _ := w.currentSession(c)
	ids, err := w.cfg.Store.Identities()
	if err != nil {
		return nil, nil, err
	}
	retailers, err := w.cfg.Store.Retailers()
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, r := range retailers {
		names[r.ID] = r.Name
	}
	var rows []userRow
	for _, id := range ids {
		r := userRow{Name: id.Name, Created: id.Created, Self: id.Name == me.Name, Account: id.Account}
		if u := id.User; u != nil {
			r.Role, r.RetailerID, r.RetailerName = u.Role, u.RetailerID, names[u.RetailerID]
		}
		rows = append(rows, r)
	}
	return rows, retailers, nil
}

// adminUsers is GET /admin/users: every user and the form that creates one.
func (w *Web) adminUsers(c *echo.Context) error {
	flash := map[string]string{
		"created": "The user is created and can sign in now.",
		"deleted": "The user is deleted.",
	}[c.QueryParam("done")]
	return w.showUsers(c, http.StatusOK, flash, "", newUserForm{Role: store.RoleUser})
}

func (w *Web) showUsers(c *echo.Context, code int, flash, errMsg string, form newUserForm) error {
	rows, retailers, err := w.userRows(c)
	if err != nil {
		return err
	}
	d := adminUsersData{Users: rows, Retailers: retailers, Roles: userRoles, Form: form}
	return w.adminRender(c, code, "admin_users.html", "Users", flash, errMsg, d)
}

// adminCreateUser is POST /admin/users: store.CreateUser checks the name,
// password, role and retailer.
func (w *Web) adminCreateUser(c *echo.Context) error {
	form := newUserForm{
		Name:       strings.TrimSpace(c.FormValue("name")),
		Role:       c.FormValue("role"),
		RetailerID: c.FormValue("retailer_id"),
	}
	if c.FormValue("password") != c.FormValue("password2") {
		return w.showUsers(c, http.StatusBadRequest, "", "The two passwords differ: type the same one twice.", form)
	}
	if form.Role == store.RoleStaff && form.RetailerID == "" {
		return w.showUsers(c, http.StatusBadRequest, "", "Choose the retailer this staff user works for.", form)
	}
	_, err := w.cfg.Store.CreateUser(store.NewUser{Name: form.Name, Password: c.FormValue("password"), Role: form.Role, RetailerID: form.RetailerID})
	switch {
	case errors.Is(err, store.ErrExists):
		return w.showUsers(c, http.StatusConflict, "", fmt.Sprintf("There is already a user called %s.", form.Name), form)
	case errors.Is(err, store.ErrInvalid):
		return w.showUsers(c, http.StatusBadRequest, "", message(err), form)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?done=created")
}

// adminUser is GET /admin/users/:name: the user, with the forms that reset
// the password and delete the user.
func (w *Web) adminUser(c *echo.Context) error {
	flash := map[string]string{
		"password": "The password is changed; the user's sessions have ended.",
		"signin":   "The password is set: this identity can sign in to the web app now, as a user.",
		"revoked":  "The capture-API credentials are revoked: they no longer work. The documents stay.",
	}[c.QueryParam("done")]
	return w.showUser(c, http.StatusOK, flash, "")
}

func (w *Web) showUser(c *echo.Context, code int, flash, errMsg string) error {
	rows, _, err := w.userRows(c)
	if err != nil {
		return err
	}
	d := adminUserData{}
	found, admins := false, 0
	for _, r := range rows {
		if r.Name == c.Param("name") {
			d.User, found = r, true
		}
		if r.Role == store.RoleAdmin {
			admins++
		}
	}
	if !found {
		return pageErrorf(http.StatusNotFound, "There is no such user.")
	}
	d.LastAdmin = d.User.Role == store.RoleAdmin && admins == 1
	return w.adminRender(c, code, "admin_user.html", d.User.Name, flash, errMsg, d)
}

// adminSetPassword is POST /admin/users/:name/password. The user's
// sessions end; an admin who changed their own signs in again.
func (w *Web) adminSetPassword(c *echo.Context) error {
	me, _, _ := w.currentSession(c)
	name := c.Param("name")
	password := c.FormValue("password")
	if password != c.FormValue("password2") {
		return w.showUser(c, http.StatusBadRequest, "", "The two passwords differ: type the same one twice.")
	}
	err := w.cfg.Store.SetPassword(name, password)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return pageErrorf(http.StatusNotFound, "There is no such user.")
	case errors.Is(err, store.ErrInvalid):
		return w.showUser(c, http.StatusBadRequest, "", message(err))
	case err != nil:
		return err
	}
	if name == me.Name {
		return c.Redirect(http.StatusSeeOther, "/signin?next="+url.QueryEscape("/admin/users/"+name))
	}
	done := "password"
	if c.FormValue("signin") == "new" {
		done = "signin"
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+url.PathEscape(name)+"?done="+done)
}

// adminRevokeCredentials is POST /admin/users/:name/revoke: the identity's
// capture credentials stop working at once (a lost laptop, a script that
// leaked them); its documents stay, and its owner can make new ones.
func (w *Web) adminRevokeCredentials(c *echo.Context) error {
	me, _, _ := w.currentSession(c)
	name := c.Param("name")
	err := w.cfg.Store.RevokeCredentials(name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return w.showUser(c, http.StatusConflict, "", "There are no credentials to revoke.")
	case err != nil:
		return err
	}
	w.cfg.Logger.Info("capture credentials revoked", "user", name, "by", me.Name)
	return c.Redirect(http.StatusSeeOther, "/admin/users/"+url.PathEscape(name)+"?done=revoked")
}

// adminDeleteUser is POST /admin/users/:name/delete. The store keeps a
// user who owns receipts or a capture account, and the last admin.
func (w *Web) adminDeleteUser(c *echo.Context) error {
	me, _, _ := w.currentSession(c)
	name := c.Param("name")
	if name == me.Name {
		return w.showUser(c, http.StatusConflict, "", "You cannot delete your own user.")
	}
	err := w.cfg.Store.DeleteUser(name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return pageErrorf(http.StatusNotFound, "There is no such user.")
	case errors.Is(err, store.ErrInUse):
		why := strings.TrimPrefix(err.Error(), store.ErrInUse.Error()+": ")
		return w.showUser(c, http.StatusConflict, "", "Not deleted: "+why+".")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/users?done=deleted")
}
