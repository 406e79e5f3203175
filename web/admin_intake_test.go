package web_test

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"tillroll/intake"
	"tillroll/internal/fixture"
	"tillroll/internal/testrun"
	"tillroll/pipeline"
	"tillroll/receipts/analyzer"
	"tillroll/server"
	"tillroll/store"
	"tillroll/web"
)

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

// TestIntakePages: the account page shows the intake address; an admin adds an IMAP mailbox on the page; the
// password is sealed, the poller starts, and its problem (a wrong
// password) shows on the page; removing the mailbox stops it.
func TestIntakePages(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, u := range []store.NewUser{{Name: "alice", Password: "alice-password"}, {Name: "shop", Password: "shop-password"}, {Name: "root", Password: "root-password", Role: store.RoleAdmin}} {
		if _, err := st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.AddCredentials("shop", "shop@example.com"); err != nil {
		t.Fatal(err)
	}
	// A real IMAP server on loopback.
	mem := imapmemserver.New()
	mu := imapmemserver.NewUser("invoices", "right-password")
	if err := mu.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(mu)
	isrv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true, Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, Logger: nopLogger{},
	})
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = isrv.Serve(iln) }()
	defer isrv.Close()
	host, port, _ := net.SplitHostPort(iln.Addr().String())

	mgr := intake.NewIMAPManager(intake.NewTaker(st, nil, intake.Limits{}, nil), nil)
	stopMgr := testrun.Go(t, mgr.Run)
	defer stopMgr()
	// Watch folders: one given as --watch would be, and those the admin adds.
	taker := intake.NewTaker(st, nil, intake.Limits{}, nil)
	flagDir := t.TempDir()
	watches := intake.NewWatchManager(taker, dir, []intake.WatchConfig{{Dir: flagDir, Account: "shop", Interval: time.Second, Settle: time.Second}},
		intake.WatchConfig{Interval: 10 * time.Second, Settle: 5 * time.Second})
	stopWatches := testrun.Go(t, watches.Run)
	defer stopWatches()
	pages := &web.IntakePages{
		Mailboxes: st, Kick: mgr.Kick, SMTP: "0.0.0.0:2525", Domain: "tillroll.local", Watches: watchAdapter{watches},
		Statuses: func() []web.IntakeStatus {
			var out []web.IntakeStatus
			for _, m := range mgr.Statuses() {
				out = append(out, web.IntakeStatus{ID: m.ID, Account: m.Account, Name: m.Name, After: m.After, LastSuccess: m.LastSuccess, LastError: m.LastError})
			}
			return out
		},
	}
	an := analyzer.New(st, nil, 0)
	pool := pipeline.NewPool(st, pipeline.Options{Workers: 1})
	logins := server.NewLogins(st, time.Hour, nil)
	w := web.New(web.Config{DataDir: dir, Version: "test", Store: st, Logins: logins, Analyzer: an, Queue: pool, Intake: pages,
		IntakeAddress:     func(u string) string { return intake.Address(st, u, "tillroll.local") },
		UserIntakeAddress: func(u string) string { return st.UserIntakeLocal(u) + "@tillroll.local" }})
	srv := server.New(st, pool, server.Config{Web: w.Register, Receipts: &server.ReceiptsConfig{Store: st, Analyzer: an, Logins: logins}})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// The account page shows the account's intake address.
	shop := newClient(t, ts.URL)
	shop.signIn("shop", "shop-password")
	if _, body := shop.do(http.MethodGet, "/account", "", nil); !strings.Contains(body, `<code id="intake-address">`+strings.ReplaceAll(intake.Address(st, "shop", "tillroll.local"), "+", "&#43;")+`</code>`) {
		t.Fatalf("the account page lacks the intake address:\n%s", body)
	}
	// Each user sees the address whose mail becomes the user's receipts
	// (alice has no capture account, so only that one).
	alice := newClient(t, ts.URL)
	alice.signIn("alice", "alice-password")
	for _, x := range []struct {
		c    *client
		name string
	}{{shop, "shop"}, {alice, "alice"}} {
		want := `<code id="receipts-intake-address">` + x.name + "&#43;" + st.UserIntakeToken(x.name) + "@tillroll.local</code>"
		if _, body := x.c.do(http.MethodGet, "/account", "", nil); !strings.Contains(body, want) {
			t.Fatalf("%s's account page lacks %s:\n%s", x.name, want, body)
		}
	}
	if resp, _ := alice.do(http.MethodGet, "/admin/intake", "", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a user on /admin/intake: %d", resp.StatusCode)
	}
	c := newClient(t, ts.URL)
	c.signIn("root", "root-password")
	_, body := c.do(http.MethodGet, "/admin/intake", "", nil)
	for _, want := range []string{"Listening on <code>0.0.0.0:2525</code>", "Senders get no reply", "<code>" + flagDir + "</code>", `<span class="muted">--watch</span>`, "None yet."} {
		if !strings.Contains(body, want) {
			t.Fatalf("intake page lacks %q:\n%s", want, body)
		}
	}
	tok := c.token("/admin/intake")
	form := url.Values{"csrf": {tok}, "account": {"shop"}, "host": {host}, "port": {port}, "security": {"none"},
		"user": {"invoices"}, "password": {"wrong-password-123"}, "after": {"seen"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("account", "nobody")
	if resp, body := c.post("/admin/intake/imap", bad); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "nobody") || strings.Contains(body, "wrong-password-123") {
		t.Fatalf("unknown account: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := c.post("/admin/intake/imap", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add mailbox: %d\n%s", resp.StatusCode, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = c.do(http.MethodGet, "/admin/intake", "", nil)
		if strings.Contains(body, "wrong user or password") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page does not show the wrong password:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(body, "wrong-password-123") {
		t.Fatal("the page shows the password")
	}
	// The database file alone does not give the password away.
	raw, err := os.ReadFile(filepath.Join(dir, store.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("wrong-password-123")) {
		t.Fatal("the IMAP password is in the database file in clear")
	}
	boxes, err := st.IMAPMailboxes()
	if err != nil || len(boxes) != 1 || boxes[0].Password != "wrong-password-123" {
		t.Fatalf("saved mailboxes %v %v", len(boxes), err)
	}
	tok = c.token("/admin/intake")
	if resp, body := c.post("/admin/intake/imap/"+strconv.FormatUint(boxes[0].ID, 10)+"/delete", url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d\n%s", resp.StatusCode, body)
	}
	for len(mgr.Statuses()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the removed mailbox's poller still runs")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, body := c.do(http.MethodGet, "/admin/intake", "", nil); !strings.Contains(body, "None yet.") {
		t.Fatalf("after removing:\n%s", body)
	}

	// Watch folders set on the page: refused where the box must not move
	// files, watched at once (no restart) where it may, kept in the store.
	scans := filepath.Join(t.TempDir(), "scans")
	if err := os.Mkdir(scans, 0o755); err != nil {
		t.Fatal(err)
	}
	inData := filepath.Join(dir, "inbox")
	if err := os.Mkdir(inData, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "to-data")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	watch := func(d, account string) url.Values {
		return url.Values{"csrf": {c.token("/admin/intake")}, "dir": {d}, "account": {account}, "settle": {"1"}, "interval": {"1"}}
	}
	for _, bad := range []struct{ dir, account, why string }{
		{inData, "shop", "inside the data directory"},
		{link, "shop", "inside the data directory"}, // a symbolic link is followed
		{filepath.Dir(dir), "shop", "holds the data directory"},
		{filepath.Join(scans, "missing"), "shop", "does not exist"},
		{"scans", "shop", "absolute path"},
		{"/etc", "shop", "system folder"},
		{"/srv", "shop", "top-level folder"},
		{flagDir, "shop", "overlaps the watch folder"},
		{scans, "nobody", "nobody"},
	} {
		resp, body := c.post("/admin/intake/watch", watch(bad.dir, bad.account))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, bad.why) {
			t.Errorf("watch %s for %s: %d, want 400 saying %q", bad.dir, bad.account, resp.StatusCode, bad.why)
		}
	}
	noCSRF := watch(scans, "shop")
	noCSRF.Del("csrf")
	if resp, _ := c.post("/admin/intake/watch", noCSRF); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := alice.post("/admin/intake/watch", url.Values{"csrf": {alice.token("/account")}, "dir": {scans}, "account": {"alice"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a user adds a watch folder: %d", resp.StatusCode)
	}
	if saved, _ := st.WatchFolders(); len(saved) != 0 {
		t.Fatalf("refused folders were saved: %+v", saved)
	}
	if resp, body := c.post("/admin/intake/watch", watch(scans, "shop")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add watch folder: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := c.post("/admin/intake/watch", watch(scans, "shop")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "overlaps") {
		t.Fatalf("the same folder twice: %d", resp.StatusCode)
	}
	saved, err := st.WatchFolders()
	if err != nil || len(saved) != 1 || saved[0].AddedBy != "root" || saved[0].Settle != time.Second {
		t.Fatalf("saved watch folders %+v %v", saved, err)
	}
	if _, body := c.do(http.MethodGet, "/admin/intake", "", nil); !strings.Contains(body, "/admin/intake/watch/"+strconv.FormatUint(saved[0].ID, 10)+"/delete") {
		t.Fatalf("the page does not list the added folder:\n%s", body)
	}
	// Watched with no restart: a scanned PDF becomes a document of shop.
	if err := os.WriteFile(filepath.Join(scans, "scan.pdf"), fixture.PDF(fixture.PDFPage{Lines: []string{"Invoice 77", "Total 5.00 EUR"}}), 0o644); err != nil {
		t.Fatal(err)
	}
	done := filepath.Join(scans, intake.WatchDir, "done", "scan.pdf")
	deadline = time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(done); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the file in the added folder was not taken in")
		}
		time.Sleep(50 * time.Millisecond)
	}
	d, err := st.Document(1)
	if err != nil || d.Account != "shop" || d.Source == nil || d.Source.Via != "watch" || d.Source.Path != "scan.pdf" {
		t.Fatalf("document of the watched file: %+v %v", d, err)
	}
	// Kept across a restart: a new manager on the same store has it.
	if list, err := intake.NewWatchManager(taker, dir, nil, intake.WatchConfig{}).List(); err != nil || len(list) != 1 || list[0].Dir != saved[0].Dir {
		t.Fatalf("after a restart: %+v %v", list, err)
	}
	// Removed: no longer listed, and a new file stays where it is.
	if resp, body := c.post("/admin/intake/watch/"+strconv.FormatUint(saved[0].ID, 10)+"/delete", url.Values{"csrf": {c.token("/admin/intake")}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove watch folder: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := c.post("/admin/intake/watch/0/delete", url.Values{"csrf": {c.token("/admin/intake")}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("removing a --watch folder: %d, want 404", resp.StatusCode)
	}
	if _, body := c.do(http.MethodGet, "/admin/intake", "", nil); strings.Contains(body, "<code>"+scans+"</code>") || !strings.Contains(body, "<code>"+flagDir+"</code>") {
		t.Fatalf("after removing the folder:\n%s", body)
	}
	if err := os.WriteFile(filepath.Join(scans, "later.pdf"), fixture.PDF(fixture.PDFPage{Lines: []string{"Invoice 77", "Total 5.00 EUR"}}), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // three of its scans, were it still watched
	if _, err := os.Stat(filepath.Join(scans, "later.pdf")); err != nil {
		t.Fatalf("a file in a removed watch folder was taken: %v", err)
	}
}

// watchAdapter hands the page the watch manager, as serve does.
type watchAdapter struct{ m *intake.WatchManager }

func (a watchAdapter) List() ([]web.WatchFolder, error) {
	list, err := a.m.List()
	var out []web.WatchFolder
	for _, e := range list {
		out = append(out, web.WatchFolder{ID: e.ID, Dir: e.Dir, Account: e.Account, Delete: e.Delete, Settle: e.Settle, Interval: e.Interval, Problem: e.Problem})
	}
	return out, err
}

func (a watchAdapter) Add(f store.WatchFolder) error {
	_, err := a.m.Add(f)
	return err
}

func (a watchAdapter) Remove(id uint64) error { return a.m.Remove(id) }
