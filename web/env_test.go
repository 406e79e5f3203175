package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"tillroll/internal/testrun"
	"tillroll/ocr"
	"tillroll/pipeline"
	"tillroll/receipts/analyzer"
	"tillroll/server"
	"tillroll/store"
	"tillroll/web"
)

// evilName is a retailer name that would run script if it were not escaped.
const evilName = `Evil <script>alert(1)</script><img src=x onerror=alert(2)> Mart`

// app is Tillroll's server with the web app on a real listener: a real
// bbolt store, real OCR workers with Tesseract and a real analyzer, as
// server/receipts_env_test.go sets up the receipts service.
type app struct {
	t    *testing.T
	st   *store.Store
	url  string
	stop []func()
	logs *logBuffer // what the server and the pages logged
}

// logBuffer keeps log lines for a test to read; handlers write from many
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testReader is what the test app's admin page says of its reading.
const testReader = "Tesseract alone (test)"

func newApp(t *testing.T) *app {
	t.Helper()
	return newAppWith(t, nil)
}

// newAppWith is newApp with edit's changes to the web app's Config.
func newAppWith(t *testing.T, edit func(*web.Config)) *app {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t, st: st, logs: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(a.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	an := analyzer.New(st, nil, 100*time.Millisecond)
	pool := pipeline.NewPool(st, pipeline.Options{
		Workers: 1,
		NewReader: func() (pipeline.Reader, error) {
			return ocr.NewEngine(ocr.Options{Limits: ocr.DefaultLimits()})
		},
		Finished: an.DocumentFinished,
		Poll:     50 * time.Millisecond,
	})
	logins := server.NewLogins(st, time.Hour, nil)
	cfg := web.Config{
		DataDir: "data", Version: "test", QueueDepth: st.QueueDepth,
		Store: st, Logins: logins, Analyzer: an, Queue: pool, MaxUpload: 25 << 20, Logger: log,
		Reader: testReader,
	}
	if edit != nil {
		edit(&cfg)
	}
	w := web.New(cfg)
	srv := server.New(st, pool, server.Config{
		MaxUpload: 25 << 20,
		Logger:    log,
		Web:       w.Register,
		Receipts:  &server.ReceiptsConfig{Store: st, Analyzer: an, Logins: logins},
	})
	ts := httptest.NewServer(srv.Handler())
	a.url = ts.URL
	a.goRun(an.Run)
	a.goRun(pool.Run)
	t.Cleanup(func() {
		ts.Close()
		for i := len(a.stop) - 1; i >= 0; i-- {
			a.stop[i]()
		}
		_ = st.Close()
	})
	if err := st.PutRetailers([]store.Retailer{
		{ID: "hilltop", Name: "Hilltop Market"},
		{ID: "evil", Name: evilName},
	}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []store.NewUser{
		{Name: "alice", Password: "alice-password"},
		{Name: "bob", Password: "bob-password"},
	} {
		if _, err := st.CreateUser(u); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (a *app) goRun(f func(context.Context) error) {
	a.stop = append(a.stop, testrun.Go(a.t, f))
}

// waitReceipt waits until the receipt's status satisfies ok.
func (a *app) waitReceipt(uuid string, ok func(store.Receipt) bool) store.Receipt {
	a.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		r, err := a.st.ReceiptByUUID(uuid)
		if err == nil && ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("receipt %s: still %s (err %v)", uuid, r.Status, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func searchAll() store.Search { return store.Search{PageSize: 100} }
