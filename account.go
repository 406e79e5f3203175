package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"tillroll/ocr"
	"tillroll/server"
	"tillroll/store"
)

func runAccount(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: account create NAME --email ADDR, account webhook NAME URL, account lang NAME SETTING, or account quota NAME [BYTES|default|none]", errUsage)
	}
	fs := newFlags("account "+args[0], stderr)
	data := fs.String("data", "data", "data directory")
	switch args[0] {
	case "create":
		email := fs.String("email", "", "address that gets the notification mail")
		webhook := fs.String("webhook", "", "URL that finished documents are posted to (optional)")
		if err := parseFlags(fs, args[1:], getenv); err != nil {
			return err
		}
		if fs.NArg() != 1 || *email == "" {
			return fmt.Errorf("%w: account create NAME --email ADDR [--webhook URL] [--data DIR]", errUsage)
		}
		req := server.AccountRequest{Username: fs.Arg(0), Email: *email, WebhookURL: *webhook}
		var creds store.Credentials
		err := withStore(ctx, *data, func(st *store.Store) error {
			var err error
			if creds, err = st.CreateAccount(req.Username, req.Email); err != nil {
				return err
			}
			if req.WebhookURL != "" {
				return st.SetWebhook(req.Username, req.WebhookURL)
			}
			return nil
		}, func(c *http.Client) error {
			return adminCall(ctx, c, http.MethodPost, "/accounts", req, &creds)
		})
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		return enc.Encode(creds)
	case "webhook":
		if err := parseFlags(fs, args[1:], getenv); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			return fmt.Errorf("%w: account webhook NAME URL [--data DIR] (URL \"\" clears it)", errUsage)
		}
		name, url := fs.Arg(0), fs.Arg(1)
		return withStore(ctx, *data, func(st *store.Store) error {
			return st.SetWebhook(name, url)
		}, func(c *http.Client) error {
			return adminCall(ctx, c, http.MethodPut, "/accounts/"+name+"/webhook", server.WebhookRequest{WebhookURL: url}, nil)
		})
	case "lang":
		if err := parseFlags(fs, args[1:], getenv); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			return fmt.Errorf("%w: account lang NAME SETTING [--data DIR] (SETTING: auto, deu, deu+eng, ...; \"\" clears it)", errUsage)
		}
		name, setting := fs.Arg(0), fs.Arg(1)
		if setting != "" {
			var err error
			if setting, err = ocr.CheckLanguages(setting); err != nil {
				return fmt.Errorf("%w: %w", errUsage, err)
			}
		}
		return withStore(ctx, *data, func(st *store.Store) error {
			return st.SetLanguage(name, setting)
		}, func(c *http.Client) error {
			return adminCall(ctx, c, http.MethodPut, "/accounts/"+name+"/lang", server.LangRequest{Lang: setting}, nil)
		})
	case "show":
		domain := fs.String("smtp-domain", "tillroll.local", "mail domain of the intake address, as given to serve")
		if err := parseFlags(fs, args[1:], getenv); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return fmt.Errorf("%w: account show NAME [--data DIR] [--smtp-domain DOMAIN]", errUsage)
		}
		name := fs.Arg(0)
		var v server.AccountView
		err := withStore(ctx, *data, func(st *store.Store) error {
			var err error
			v, err = server.ShowAccount(st, name)
			return err
		}, func(c *http.Client) error {
			return adminCall(ctx, c, http.MethodGet, "/accounts/"+name, nil, &v)
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account:        %s\nemail:          %s\n", v.Username, v.Email)
		if v.WebhookURL != "" {
			fmt.Fprintf(stdout, "webhook:        %s\n", v.WebhookURL)
		}
		if v.Lang != "" {
			fmt.Fprintf(stdout, "OCR languages:  %s\n", v.Lang)
		}
		fmt.Fprintf(stdout, "intake address: %s@%s\n", v.IntakeLocal, *domain)
		return nil
	case "quota":
		if err := parseFlags(fs, args[1:], getenv); err != nil {
			return err
		}
		if fs.NArg() != 1 && fs.NArg() != 2 {
			return fmt.Errorf("%w: account quota NAME [BYTES|default|none] [--data DIR]", errUsage)
		}
		return accountQuota(ctx, *data, fs.Args(), stdout)
	default:
		return fmt.Errorf("%w: unknown account command %q", errUsage, args[0])
	}
}

// accountQuota sets an account's storage quota when given one, then
// prints its usage and quota as one JSON object.
func accountQuota(ctx context.Context, data string, args []string, stdout io.Writer) error {
	name := args[0]
	var u store.Storage
	err := withStore(ctx, data, func(st *store.Store) error {
		if len(args) == 2 {
			q, err := parseQuota(args[1])
			if err != nil {
				return err
			}
			if err := st.SetQuota(name, q); err != nil {
				return err
			}
		}
		var err error
		u, err = st.StorageUsage(name)
		return err
	}, func(c *http.Client) error {
		if len(args) == 2 {
			q, err := parseQuota(args[1])
			if err != nil {
				return err
			}
			if err := adminCall(ctx, c, http.MethodPut, "/accounts/"+name+"/quota", server.QuotaRequest{Quota: q}, nil); err != nil {
				return err
			}
		}
		return adminCall(ctx, c, http.MethodGet, "/accounts/"+name+"/usage", nil, &u)
	})
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(u)
}

func parseQuota(s string) (int64, error) {
	switch s {
	case "default":
		return store.QuotaDefault, nil
	case "none":
		return store.QuotaNone, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: a quota is a number of bytes, \"default\" (the server's --quota) or \"none\"", errUsage)
	}
	return n, nil
}

// withStore runs direct on the store when no server holds it, and through
// the running server's admin socket when one does. It never hangs: opening
// a held database gives up after a second.
func withStore(ctx context.Context, dir string, direct func(*store.Store) error, viaServer func(*http.Client) error) error {
	st, err := store.Open(dir, store.Options{LockTimeout: time.Second})
	if err == nil {
		err = direct(st)
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
		return err
	}
	if !errors.Is(err, store.ErrLocked) {
		return err
	}
	sock := filepath.Join(dir, server.AdminSocket)
	if _, serr := os.Stat(sock); serr != nil {
		return fmt.Errorf("%w; no admin socket at %s either: stop the process that holds it and try again", err, sock)
	}
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}},
	}
	return viaServer(client)
}

// adminCall sends one JSON request to the admin socket.
func adminCall(ctx context.Context, c *http.Client, method, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://tillroll"+path, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("admin request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("the server holds the database but its admin socket does not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
		return fmt.Errorf("server: %s", e.Message)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode server answer: %w", err)
	}
	return nil
}
