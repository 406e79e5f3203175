package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"tillroll/server"
	"tillroll/store"
)

// runUser is `tillroll user create NAME --password P [--role user|staff|admin]
// [--retailer ID] [--data DIR]` and `tillroll user show NAME [--data DIR]
// [--smtp-domain DOMAIN]`.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const use = "user create NAME --password P [--role user|staff|admin] [--retailer ID] [--data DIR] | user show NAME [--data DIR] [--smtp-domain DOMAIN]"
	if len(args) > 0 && args[0] == "show" {
		return showUser(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	fs := newFlags("user create", stderr)
	data := fs.String("data", "data", "data directory")
	password := fs.String("password", "", "the user's password (8 bytes or more)")
	fs.String("password-file", "", "file holding the password")
	role := fs.String("role", store.RoleUser, "user, staff or admin")
	retailer := fs.String("retailer", "", "the retailer a staff user works for")
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 || *password == "" {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	req := store.NewUser{Name: fs.Arg(0), Password: *password, Role: *role, RetailerID: *retailer}
	var out server.UserView
	err := withStore(ctx, *data, func(st *store.Store) error {
		u, err := st.CreateUser(req)
		out = server.UserView{Name: u.Name, Role: u.Role, RetailerID: u.RetailerID}
		return err
	}, func(c *http.Client) error {
		return adminCall(ctx, c, http.MethodPost, "/users", req, &out)
	})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(out)
}

// showUser is `tillroll user show NAME`: the user's role, retailer and the
// intake address whose mail becomes the user's receipts.
func showUser(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("user show", stderr)
	data := fs.String("data", "data", "data directory")
	domain := fs.String("smtp-domain", "tillroll.local", "mail domain of the intake address, as given to serve")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: user show NAME [--data DIR] [--smtp-domain DOMAIN]", errUsage)
	}
	name := fs.Arg(0)
	var v server.UserView
	err := withStore(ctx, *data, func(st *store.Store) error {
		var err error
		v, err = server.ShowUser(st, name)
		return err
	}, func(c *http.Client) error {
		return adminCall(ctx, c, http.MethodGet, "/users/"+url.PathEscape(name), nil, &v)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user:           %s\nrole:           %s\n", v.Name, v.Role)
	if v.RetailerID != "" {
		fmt.Fprintf(stdout, "retailer:       %s\n", v.RetailerID)
	}
	fmt.Fprintf(stdout, "intake address: %s@%s\n", v.IntakeLocal, *domain)
	return nil
}

// runCatalogue is `tillroll retailer import FILE.csv` and `tillroll
// product import FILE.csv`. The whole file is checked first; with no
// server it is stored in one transaction, through a running server in
// batches of a few hundred rows.
func runCatalogue(ctx context.Context, kind string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	use := kind + " import FILE.csv [--data DIR]"
	if len(args) == 0 || args[0] != "import" {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	fs := newFlags(kind+" import", stderr)
	data := fs.String("data", "data", "data directory")
	if err := parseFlags(fs, args[1:], getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("open %s: %w", fs.Arg(0), err)
	}
	defer f.Close()
	var (
		n       int
		direct  func(*store.Store) error
		batches []any
	)
	switch kind {
	case "retailer":
		list, err := store.ParseRetailersCSV(f)
		if err != nil {
			return err
		}
		n = len(list)
		direct = func(st *store.Store) error { return st.PutRetailers(list) }
		for i := 0; i < len(list); i += 200 {
			batches = append(batches, list[i:min(i+200, len(list))])
		}
	default:
		list, err := store.ParseProductsCSV(f)
		if err != nil {
			return err
		}
		n = len(list)
		direct = func(st *store.Store) error { return st.PutProducts(list) }
		for i := 0; i < len(list); i += 200 {
			batches = append(batches, list[i:min(i+200, len(list))])
		}
	}
	err = withStore(ctx, *data, direct, func(c *http.Client) error {
		for _, b := range batches {
			if err := adminCall(ctx, c, http.MethodPost, "/"+kind+"s", b, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(server.ImportResult{Imported: n})
}
