package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"tillroll/internal/fixture"
	"tillroll/store"
)

// TestBackupRestoreLive backs up a running server's data directory through
// the admin socket, restores it into a new directory, starts Tillroll on it
// and finds every document by key with its result; a document still queued
// at backup time completes after the restore.
func TestBackupRestoreLive(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	inst := startServe(t, "--data", data, "--workers", "1")
	c := createAccount(t, data, "shop")
	want := map[string]map[string]any{}
	for i := range 3 {
		r := fixture.Sample()
		r.Items[0].Qty = i + 1
		key := uploadAsync(t, inst.url, c, fmt.Sprintf("r%d.png", i), fixture.PNG(r, fixture.Options{}))
		want[key] = waitCompleted(t, inst.url, c, key)
	}
	queued := uploadAsync(t, inst.url, c, "late.png", fixture.PNG(fixture.Sample(), fixture.Options{}))

	file := filepath.Join(t.TempDir(), "tillroll-backup.tar.gz")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", file, "--data", data}, os.Getenv, &out, io.Discard); err != nil {
		t.Fatalf("backup of a live server: %v", err)
	}
	if err := inst.stop(); err != nil {
		t.Fatal(err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	if err := run(context.Background(), []string{"restore", file, "--data", restored}, os.Getenv, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := run(context.Background(), []string{"restore", file, "--data", restored}, os.Getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("restore over a non-empty data directory succeeded")
	}
	// The sealed webhook signing key opens with the restored secret.key.
	st, err := store.Open(restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key, err := st.SigningKey("shop")
	if cerr := st.Close(); err != nil || cerr != nil || string(key) != c.SecretKey {
		t.Fatalf("signing key after restore: %v %v", err, cerr)
	}

	inst = startServe(t, "--data", restored, "--workers", "1")
	for k, w := range want {
		got := fetch(t, inst.url, c, k)
		for _, field := range []string{"Status", "Total", "Raw_Text", "Date", "Vendor_Name", "Created"} {
			if fmt.Sprint(got[field]) != fmt.Sprint(w[field]) {
				t.Errorf("%s %s: %v after restore, was %v", k, field, got[field], w[field])
			}
		}
	}
	if d := waitCompleted(t, inst.url, c, queued); d["Total"].(float64) <= 0 {
		t.Errorf("queued document after restore: %v", d)
	}
	// Without a server, backup opens the store itself.
	if err := inst.stop(); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"backup", file + ".2", "--data", restored}, os.Getenv, io.Discard, io.Discard); err != nil {
		t.Fatalf("backup with no server: %v", err)
	}
}
