package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/internal/fixture"
	"tillroll/store"
)

// TestKillNineAtRandom uploads 200 documents to the built binary (two
// workers) and kills it with SIGKILL at random moments, during uploads and
// during OCR, restarting it each time. Then: every key answered before a
// kill resolves and completes; no completed document changes its result; the
// database passes bbolt's check after every kill; and every finished
// document has exactly one mail in the outbox (delivery is then at least
// once, with the message's idempotency key).
func TestKillNineAtRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and reads 200 documents")
	}
	const docs, minKills = 200, 6
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	images := make([][]byte, 10)
	for i := range images {
		r := fixture.Sample()
		r.Items[0].Qty = i + 1
		images[i] = fixture.PNG(r, fixture.Options{})
	}
	client := &http.Client{Timeout: 30 * time.Second}

	var (
		c       store.Credentials
		mu      sync.Mutex
		keys    []string              // every key an upload answered with
		results = map[string]string{} // key -> result seen completed before a kill
	)
	fingerprint := func(d map[string]any) string {
		return fmt.Sprint(d["Total"], "|", d["Raw_Text"], "|", d["Date"], "|", d["Is_Duplicate"], "|", d["Created"])
	}
	// check fetches every answered key: each resolves, and a completed one
	// has the result it had before.
	check := func(url string, record bool) {
		t.Helper()
		mu.Lock()
		list := append([]string(nil), keys...)
		mu.Unlock()
		for _, k := range list {
			d := fetch(t, url, c, k)
			if d["Status"] != "completed" {
				continue
			}
			fp := fingerprint(d)
			if was, ok := results[k]; ok && was != fp {
				t.Fatalf("%s changed its result after a kill:\n was %s\n now %s", k, was, fp)
			}
			if record {
				results[k] = fp
			}
		}
	}

	for kills := 0; kills < minKills || len(keys) < docs; kills++ {
		// Each kill counts an attempt of the documents being read (as a
		// crash loop should); this test is about losing nothing, so no
		// document may run out of attempts here.
		cmd, url := startProcess(t, bin, data, "--workers", "2", "--ocr-attempts", "1000")
		if kills == 0 {
			c = createAccount(t, data, "shop")
		}
		check(url, false)

		stop := make(chan struct{})
		var wg sync.WaitGroup
		for u := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					mu.Lock()
					n := len(keys)
					mu.Unlock()
					select {
					case <-stop:
						return
					default:
					}
					if n >= docs {
						return
					}
					key, err := benchUpload(client, url, c, fmt.Sprintf("k%d-u%d-%d.png", kills, u, i), images[(n+u)%len(images)])
					if err != nil {
						return // killed mid-request: no key was answered
					}
					mu.Lock()
					keys = append(keys, key)
					mu.Unlock()
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		// While uploads go on, kill soon; once all are in, give the workers
		// time to finish some documents first.
		mu.Lock()
		allIn := len(keys) >= docs
		mu.Unlock()
		wait := 300 + rng.IntN(2700)
		if allIn {
			wait = 1000 + rng.IntN(5000)
		}
		time.Sleep(time.Duration(wait) * time.Millisecond)
		check(url, true)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		close(stop)
		wg.Wait()
		checkBolt(t, filepath.Join(data, store.DBFile))
	}
	t.Logf("%d keys answered, %d results seen before kills", len(keys), len(results))

	cmd, url := startProcess(t, bin, data, "--workers", "2", "--ocr-attempts", "1000")
	for _, k := range keys {
		waitCompleted(t, url, c, k)
	}
	check(url, false)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	checkBolt(t, filepath.Join(data, store.DBFile))

	st, err := store.Open(data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mails := map[uint64]int{}
	for _, sent := range []bool{false, true} {
		msgs, err := st.OutboxMessages(sent)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Kind == store.KindMail {
				mails[m.DocID]++
			}
		}
	}
	for _, k := range keys {
		d, err := st.DocumentByKey("shop", k)
		if err != nil {
			t.Fatal(err)
		}
		if mails[d.ID] != 1 {
			t.Errorf("%s (doc %d): %d mails in the outbox, want 1", k, d.ID, mails[d.ID])
		}
	}
}

// checkBolt opens the database file read-only and runs bbolt's consistency
// check on every page.
func checkBolt(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
		}
		return first
	})
	if err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
}
