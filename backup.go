package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"tillroll/store"
)

// runBackup is `tillroll backup FILE [--data DIR]`: a hot backup through the
// running server's admin socket, or straight from the store when no server
// holds it. FILE appears only once the backup is complete and checked.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	data := fs.String("data", "data", "data directory")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: backup FILE [--data DIR]", errUsage)
	}
	file := fs.Arg(0)
	if _, err := os.Stat(filepath.Join(*data, store.DBFile)); err != nil {
		return fmt.Errorf("no Tillroll database in %s: %w", *data, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*.partial")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name()) // a no-op once renamed
	}()
	err = withStore(ctx, *data, func(st *store.Store) error {
		return st.Backup(tmp)
	}, func(c *http.Client) error {
		c.Timeout = 0 // a large data directory takes a while
		return adminDownload(ctx, c, "/backup", tmp)
	})
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	files, err := store.CheckBackup(tmp)
	if err != nil {
		return fmt.Errorf("backup check: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "Backed up %s (database, key and %d stored files) to %s\n", *data, files, file)
	return nil
}

// adminDownload copies the body of GET path on the admin socket to w.
func adminDownload(ctx context.Context, c *http.Client, path string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://tillroll"+path, nil)
	if err != nil {
		return fmt.Errorf("admin request: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("the server holds the database but its admin socket does not answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server: backup answered %s", resp.Status)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("backup download: %w", err)
	}
	return nil
}

// runRestore is `tillroll restore FILE --data DIR`: a new data directory
// from a backup. DIR must be absent or empty.
func runRestore(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	data := fs.String("data", "", "data directory to create (absent or empty)")
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() != 1 || *data == "" {
		return fmt.Errorf("%w: restore FILE --data DIR", errUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := store.Restore(f, *data); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Restored %s into %s: start it with  tillroll serve --data %s\n", fs.Arg(0), *data, *data)
	return nil
}
