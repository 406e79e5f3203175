package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tillroll/capture"
)

func openTest(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newAccount(t *testing.T, s *Store, name string) Credentials {
	t.Helper()
	c, err := s.CreateAccount(name, name+"@example.com")
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return c
}

func upload(t *testing.T, s *Store, account, name string, content []byte) Document {
	t.Helper()
	f, err := s.SaveFile(bytes.NewReader(content), 1<<20, "jpg")
	if err != nil {
		t.Fatalf("save file: %v", err)
	}
	d, err := s.CreateDocument(NewDocument{Account: account, FileName: name, File: f, Kind: "jpeg"})
	if err != nil {
		t.Fatalf("create document: %v", err)
	}
	return d
}

func TestAccountCredentials(t *testing.T) {
	s := openTest(t, t.TempDir())
	c := newAccount(t, s, "shop")
	if _, err := s.CreateAccount("shop", "x@example.com"); !errors.Is(err, ErrExists) {
		t.Fatalf("second create: want ErrExists, got %v", err)
	}
	a, err := s.Authenticate(c)
	if err != nil || a.Username != "shop" || a.Email != "shop@example.com" {
		t.Fatalf("authenticate: %v %+v", err, a)
	}
	// The stored record never holds a secret in clear.
	raw, err := os.ReadFile(filepath.Join(s.Dir(), DBFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{c.APIKey, c.Password, c.SecretKey} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("a secret is stored in clear")
		}
	}
	key, err := s.SigningKey("shop")
	if err != nil || string(key) != c.SecretKey {
		t.Fatalf("signing key: %v", err)
	}
	for name, bad := range map[string]func(*Credentials){
		"api key":    func(c *Credentials) { c.APIKey += "x" },
		"password":   func(c *Credentials) { c.Password = "" },
		"secret key": func(c *Credentials) { c.SecretKey = strings.ToUpper(c.SecretKey) },
		"client id":  func(c *Credentials) { c.ClientID = "nope" },
		"username":   func(c *Credentials) { c.Username = "other" },
	} {
		t.Run(name, func(t *testing.T) {
			wrong := c
			bad(&wrong)
			if _, err := s.Authenticate(wrong); !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("want ErrUnauthorized, got %v", err)
			}
		})
	}
}

func TestCreateAccountValidates(t *testing.T) {
	s := openTest(t, t.TempDir())
	for _, tc := range []struct{ name, email string }{
		{"../etc", "a@example.com"},
		{"", "a@example.com"},
		{"Shop Floor", "a@example.com"},
		{"shop@", "a@example.com"},
		{"shop@example", "a@example.com"},
		{"a/b@example.com", "a@example.com"},
		{"a..b@example.com", "a@example.com"},
		{"shop@exa_mple.com", "a@example.com"},
		{"shop", "not an address"},
		{"shop", "Shop <a@example.com>"},
	} {
		if _, err := s.CreateAccount(tc.name, tc.email); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateAccount(%q, %q): want ErrInvalid, got %v", tc.name, tc.email, err)
		}
	}
}

func TestPhotonKeysUniqueAndSanitised(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	tests := []struct{ file, want string }{
		{"receipt.jpg", "data/shop/receipt.json"},
		{"receipt.jpg", "data/shop/receipt-2.json"},
		{"receipt.png", "data/shop/receipt-3.json"},
		{"../../etc/passwd", "data/shop/passwd.json"},
		{`C:\Users\me\scan 1.pdf`, "data/shop/scan_1.json"},
		{"a\x00b.jpg", "data/shop/ab.json"},
		{"", "data/shop/document.json"},
		{"...", "data/shop/document-2.json"},
	}
	for _, tc := range tests {
		d := upload(t, s, "shop", tc.file, []byte("content "+tc.file))
		if d.Key != tc.want {
			t.Errorf("file %q: key %q, want %q", tc.file, d.Key, tc.want)
		}
		if !strings.HasPrefix(d.Path, "files/") || strings.Contains(d.Path, "..") {
			t.Errorf("file %q stored at %q", tc.file, d.Path)
		}
	}
}

// Uploads at the same moment share commits (bolt's Batch): each still gets
// its own id, key and job, and one with an unknown account fails alone.
func TestConcurrentUploadsShareCommits(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	const n = 40
	var wg sync.WaitGroup
	docs := make([]Document, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			f, err := s.SaveFile(strings.NewReader(fmt.Sprintf("receipt %d", i)), 1<<20, "jpg")
			if err != nil {
				errs[i] = err
				return
			}
			account := "shop"
			if i%10 == 3 {
				account = "nobody"
			}
			docs[i], errs[i] = s.CreateDocument(NewDocument{Account: account, FileName: "same.jpg", File: f, Kind: "jpeg"})
		})
	}
	wg.Wait()
	keys := map[string]bool{}
	ids := map[uint64]bool{}
	for i := range n {
		if i%10 == 3 {
			if !errors.Is(errs[i], ErrNotFound) {
				t.Errorf("upload %d for an unknown account: %v, want ErrNotFound", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("upload %d: %v", i, errs[i])
		}
		d := docs[i]
		if keys[d.Key] || ids[d.ID] {
			t.Errorf("upload %d: key %q or id %d given twice", i, d.Key, d.ID)
		}
		keys[d.Key], ids[d.ID] = true, true
		got, err := s.DocumentByKey("shop", d.Key)
		if err != nil || got.ID != d.ID || got.Path != d.Path {
			t.Errorf("upload %d: stored %+v (%v), answered %+v", i, got, err, d)
		}
	}
	queued := 0
	for {
		d, _, ok, err := s.ClaimOCRJob()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if !ids[d.ID] {
			t.Errorf("job for document %d, which no upload was answered with", d.ID)
		}
		queued++
	}
	if want := n - n/10; len(keys) != want || queued != want {
		t.Errorf("%d keys and %d jobs, want %d of each", len(keys), queued, want)
	}
}

func TestDocumentByKeyIsPerAccount(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "alice")
	newAccount(t, s, "bob")
	d := upload(t, s, "alice", "r.jpg", []byte("x"))
	if _, err := s.DocumentByKey("alice", d.Key); err != nil {
		t.Fatalf("owner: %v", err)
	}
	if _, err := s.DocumentByKey("bob", d.Key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other account: want ErrNotFound, got %v", err)
	}
}

func TestOCRJobLifecycle(t *testing.T) {
	s := openTest(t, t.TempDir())
	newAccount(t, s, "shop")
	d1 := upload(t, s, "shop", "a.jpg", []byte("same bytes"))
	d2 := upload(t, s, "shop", "b.jpg", []byte("same bytes"))
	d3 := upload(t, s, "shop", "c.jpg", []byte("other bytes"))

	claimed := map[uint64]bool{}
	for range 3 {
		d, j, ok, err := s.ClaimOCRJob()
		if err != nil || !ok {
			t.Fatalf("claim: ok=%v err=%v", ok, err)
		}
		if d.Status != capture.StatusProcessing || j.Attempts != 1 || claimed[d.ID] {
			t.Fatalf("claimed %+v %+v", d, j)
		}
		claimed[d.ID] = true
	}
	if _, _, ok, _ := s.ClaimOCRJob(); ok {
		t.Fatal("claimed a fourth job out of three")
	}

	notify := func(d Document, a Account) []Message {
		return []Message{{Kind: KindMail, Account: a.Username, To: a.Email, Subject: d.Key}}
	}
	r := capture.Result{Total: 9.5, Line_Items: []capture.LineItem{}}
	done1, err := s.CompleteOCRJob(d1.ID, r, "text-A", notify)
	if err != nil || done1.Data().Is_Duplicate != 0 || done1.Data().Total != 9.5 || done1.Data().Status != capture.StatusCompleted {
		t.Fatalf("complete first: %v %+v", err, done1.Data())
	}
	done2, err := s.CompleteOCRJob(d2.ID, r, "text-B", notify)
	if err != nil || done2.Data().Is_Duplicate != 1 {
		t.Fatalf("same bytes again: want duplicate, got %v %+v", err, done2.Data())
	}
	done3, err := s.CompleteOCRJob(d3.ID, r, "text-A", notify)
	if err != nil || done3.Data().Is_Duplicate != 1 {
		t.Fatalf("same text again: want duplicate, got %v %+v", err, done3.Data())
	}
	if _, err := s.CompleteOCRJob(d1.ID, r, "", notify); !errors.Is(err, ErrExists) {
		t.Fatalf("completing twice: want ErrExists, got %v", err)
	}
	msgs, err := s.DueMessages(KindMail, 10)
	if err != nil || len(msgs) != 3 || msgs[0].To != "shop@example.com" || msgs[0].Subject != d1.Key {
		t.Fatalf("outbox: %v %+v", err, msgs)
	}
	if depth, _ := s.QueueDepth(); depth != 0 {
		t.Fatalf("queue depth %d after all done", depth)
	}
}

func TestRetryAndFail(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	newAccount(t, s, "shop")
	d := upload(t, s, "shop", "a.jpg", []byte("x"))
	if _, _, ok, _ := s.ClaimOCRJob(); !ok {
		t.Fatal("no job")
	}
	if err := s.RetryOCRJob(d.ID, now.Add(time.Minute), "engine busy"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, _ := s.ClaimOCRJob(); ok {
		t.Fatal("claimed a job before its time")
	}
	now = now.Add(2 * time.Minute)
	_, j, ok, err := s.ClaimOCRJob()
	if !ok || err != nil || j.Attempts != 2 || j.LastError != "engine busy" {
		t.Fatalf("reclaim: %v %v %+v", ok, err, j)
	}
	done, err := s.FailOCRJob(d.ID, "the file is damaged or truncated", nil)
	if err != nil || done.Data().Status != capture.StatusFailed || done.Data().Reason != "the file is damaged or truncated" {
		t.Fatalf("fail: %v %+v", err, done.Data())
	}
}

func TestRequeueRunningAfterRestart(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	newAccount(t, s, "shop")
	d := upload(t, s, "shop", "a.jpg", []byte("x"))
	if _, _, ok, _ := s.ClaimOCRJob(); !ok {
		t.Fatal("no job")
	}
	if err := s.Close(); err != nil { // the process "dies" mid-job
		t.Fatal(err)
	}
	s = openTest(t, dir)
	if n, err := s.RequeueRunning(); n != 1 || err != nil {
		t.Fatalf("requeue: %d %v", n, err)
	}
	got, err := s.DocumentByKey("shop", d.Key)
	if err != nil || got.Status != capture.StatusPending {
		t.Fatalf("after requeue: %v %+v", err, got)
	}
	if _, j, ok, _ := s.ClaimOCRJob(); !ok || j.Attempts != 2 {
		t.Fatalf("reclaim: %v %+v", ok, j)
	}
}

func TestOutboxRetryAndSent(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := Open(t.TempDir(), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Enqueue(Message{Kind: KindMail, To: "a@example.com"}, Message{Kind: KindWebhook, URL: "http://x"}); err != nil {
		t.Fatal(err)
	}
	mail, _ := s.DueMessages(KindMail, 10)
	if len(mail) != 1 || mail[0].IdempotencyKey == "" {
		t.Fatalf("due mail: %+v", mail)
	}
	if err := s.MarkRetry(mail[0].ID, now.Add(time.Hour), "relay down"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueMessages(KindMail, 10); len(due) != 0 {
		t.Fatalf("retried message due too early: %+v", due)
	}
	next, ok, err := s.NextDue(KindMail)
	if !ok || err != nil || !next.Equal(now.Add(time.Hour)) {
		t.Fatalf("next due %v %v %v", next, ok, err)
	}
	now = now.Add(time.Hour)
	if err := s.MarkSent(mail[0].ID); err != nil {
		t.Fatal(err)
	}
	sent, _ := s.OutboxMessages(true)
	if len(sent) != 1 || sent[0].Attempts != 2 || sent[0].LastError != "" {
		t.Fatalf("sent: %+v", sent)
	}
	waiting, _ := s.OutboxMessages(false)
	if len(waiting) != 1 || waiting[0].Kind != KindWebhook {
		t.Fatalf("waiting: %+v", waiting)
	}
}

func TestSaveFileLimitAndPaths(t *testing.T) {
	s := openTest(t, t.TempDir())
	if _, err := s.SaveFile(bytes.NewReader(make([]byte, 101)), 100, "jpg"); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("over the limit: want ErrFileTooLarge, got %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(s.Dir(), "files"))
	tmp, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if len(entries)+len(tmp) != 0 {
		t.Fatalf("a refused upload left files behind: %v %v", entries, tmp)
	}
	f, err := s.SaveFile(strings.NewReader("hello"), 100, "../../x")
	if err != nil || f.Size != 5 || filepath.Dir(f.Path) != "files" || !strings.HasSuffix(f.Path, ".x") {
		t.Fatalf("save: %v %+v", err, f)
	}
	for _, bad := range []string{"../secret.key", "/etc/passwd", "."} {
		if _, err := s.FilePath(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("FilePath(%q): want ErrInvalid, got %v", bad, err)
		}
	}
}

func TestOpenHeldDatabaseFailsFast(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir)
	start := time.Now()
	_, err := Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked, got %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Open hung for %v", time.Since(start))
	}
}

// Photon's usernames are e-mail addresses: such an account works, in any
// case, and its photon keys hold the address and no path.
func TestCreateAccountEmailUsername(t *testing.T) {
	s := openTest(t, t.TempDir())
	c, err := s.CreateAccount("Shop@Example.com", "shop@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if c.Username != "shop@example.com" {
		t.Errorf("username %q, want it lower case", c.Username)
	}
	for _, name := range []string{"shop@example.com", "SHOP@example.COM"} {
		c2 := c
		c2.Username = name
		if _, err := s.Authenticate(c2); err != nil {
			t.Errorf("Authenticate as %q: %v", name, err)
		}
	}
	if _, err := s.CreateAccount("shop@example.com", "other@example.com"); !errors.Is(err, ErrExists) {
		t.Errorf("same address again: %v", err)
	}
}
