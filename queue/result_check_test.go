package queue

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestResultsChecked: through a real listener, the box's result consumer
// applies a worker's true result and drops what a worker could forge: a
// wrong token, a job the server was made to send into another worker's
// result subject, a result from a worker no longer on the list.
func TestResultsChecked(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	l := Listen{Addr: addr}
	creds := map[string]Creds{}
	for _, name := range []string{"shop-1", "shop-2"} {
		_, seed, err := CreateWorker(dir, name, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, pemCerts, err := l.LoadCert(dir)
		if err != nil {
			t.Fatal(err)
		}
		creds[name] = Creds{URL: "nats://" + addr, Name: name, Seed: string(seed), CA: string(pemCerts)}
	}
	secret, err := LoadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Open(ctx, Options{Dir: filepath.Join(dir, Dir), Secret: secret, AckWait: 30 * time.Second, MaxAttempts: 3, DataDir: dir, Listen: l})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for _, id := range []uint64{7, 8} {
		if err := q.Publish(ctx, JobMessage{DocID: id, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
	}
	applied := make(chan Result, 8)
	go q.ConsumeResults(ctx, func(r Result) error { applied <- r; return nil })
	m, err := Join(ctx, creds["shop-1"], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dl, err := m.Next(ctx, 5*time.Second)
	if err != nil || dl == nil {
		t.Fatalf("shop-1 got no job: %v", err)
	}
	// rejected waits until the box has dropped n results in all, and
	// checks that nothing was applied meanwhile.
	rejected := func(t *testing.T, n int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for q.Rejected() < n {
			if time.Now().After(deadline) {
				t.Fatalf("the box dropped %d results, want %d", q.Rejected(), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		select {
		case r := <-applied:
			t.Fatalf("applied a result it should have dropped: %+v", r)
		default:
		}
	}

	t.Run("wrong token", func(t *testing.T) {
		msg := nats.NewMsg(SubjectResultPrefix + "shop-1." + strconv.FormatUint(dl.DocID(), 10))
		msg.Header.Set(HeaderToken, Token([]byte("not the box's secret"), dl.DocID(), 1))
		msg.Header.Set(HeaderAttempt, "1")
		msg.Header.Set(HeaderStage, StageDone)
		msg.Data = []byte(`{}`)
		if _, err := m.js.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
		rejected(t, 1)
	})
	t.Run("job echoed into another worker's results", func(t *testing.T) {
		// A pull request is allowed; its reply subject is not checked, so
		// the server delivers the next job (with its token in the body)
		// into RESULTS under shop-2's name.
		other := 15 - dl.DocID() // the job shop-1 was not given: 7 or 8
		echo := SubjectResultPrefix + "shop-2." + strconv.FormatUint(other, 10)
		if err := m.nc.PublishRequest("$JS.API.CONSUMER.MSG.NEXT."+StreamJobs+"."+ConsumerOCR, echo, []byte(`{"batch":1}`)); err != nil {
			t.Fatal(err)
		}
		rejected(t, 2)
	})
	t.Run("true result", func(t *testing.T) {
		if err := m.Done(ctx, dl, []byte(`{"text":"read"}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-applied:
			if r.Worker != "shop-1" || r.DocID != dl.DocID() || r.Stage != StageDone {
				t.Fatalf("applied %+v, want shop-1's result of document %d", r, dl.DocID())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the true result was not applied")
		}
	})
	t.Run("worker revoked", func(t *testing.T) {
		if err := RevokeWorker(dir, "shop-1"); err != nil {
			t.Fatal(err)
		}
		// Still connected (the box has not reloaded the list), with a
		// valid token: dropped all the same.
		if err := m.Started(ctx, dl); err != nil {
			t.Fatal(err)
		}
		rejected(t, 3)
		// Once the box reads the list again it cuts the worker off, and
		// the worker's connection closes for good instead of retrying.
		if _, err := ReloadWorkers(q.srv, q.so, dir); err != nil {
			t.Fatal(err)
		}
		select {
		case <-m.Closed():
			if !errors.Is(m.Err(), nats.ErrAuthorization) {
				t.Errorf("closed because %v, want an authorization violation", m.Err())
			}
		case <-time.After(15 * time.Second):
			t.Fatal("a revoked worker's connection stays open")
		}
	})
}
