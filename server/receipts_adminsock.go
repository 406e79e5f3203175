package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v5"

	"tillroll/store"
)

// ReceiptsAdminStore is what the admin socket's receipts-service commands
// need of the store.
type ReceiptsAdminStore interface {
	CreateUser(in store.NewUser) (store.User, error)
	PutRetailers(rs []store.Retailer) error
	PutProducts(ps []store.Product) error
}

// UserView is a user as the command line prints it (no hashes).
type UserView struct {
	Name       string `json:"name"`
	Role       string `json:"role"`
	RetailerID string `json:"retailer_id,omitempty"`
	// IntakeLocal is the local part of the user's intake address (only
	// `tillroll user show` asks for it; the command adds the mail domain).
	IntakeLocal string `json:"intake_local,omitempty"`
}

// UserShowStore is what `tillroll user show` needs of the store.
type UserShowStore interface {
	User(name string) (store.User, error)
	UserIntakeLocal(name string) string
}

// ShowUser is the user's view, with the intake address's local part.
func ShowUser(st UserShowStore, name string) (UserView, error) {
	u, err := st.User(name)
	if err != nil {
		return UserView{}, err
	}
	return UserView{Name: u.Name, Role: u.Role, RetailerID: u.RetailerID, IntakeLocal: st.UserIntakeLocal(u.Name)}, nil
}

// ImportResult answers an import.
type ImportResult struct {
	Imported int `json:"imported"`
}

// adminReceiptRoutes adds `tillroll user create`, `retailer import` and
// `product import` to the admin socket, when the store can do them.
func adminReceiptRoutes(e *echo.Echo, st any) {
	rs, ok := st.(ReceiptsAdminStore)
	if !ok {
		return
	}
	if us, ok := st.(UserShowStore); ok {
		e.GET("/users/:name", func(c *echo.Context) error {
			v, err := ShowUser(us, c.Param("name"))
			if err != nil {
				return err
			}
			return c.JSON(http.StatusOK, v)
		})
	}
	e.POST("/users", func(c *echo.Context) error {
		var req store.NewUser
		if err := c.Bind(&req); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		u, err := rs.CreateUser(req)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, UserView{Name: u.Name, Role: u.Role, RetailerID: u.RetailerID})
	})
	// Lists come as JSON arrays: the command line parses the CSV and sends
	// it in batches that fit the socket's body limit.
	e.POST("/retailers", func(c *echo.Context) error {
		var list []store.Retailer
		if err := c.Bind(&list); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		if err := rs.PutRetailers(list); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ImportResult{Imported: len(list)})
	})
	e.POST("/products", func(c *echo.Context) error {
		var list []store.Product
		if err := c.Bind(&list); err != nil {
			return fmt.Errorf("%w: %w", store.ErrInvalid, err)
		}
		if err := rs.PutProducts(list); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ImportResult{Imported: len(list)})
	})
}
