package queue

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// logLines collects the embedded server's log, to check what the box says
// about a refused worker.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, v...))
}
func (l *logLines) Noticef(format string, v ...any) { l.add(format, v...) }
func (l *logLines) Warnf(format string, v ...any)   { l.add(format, v...) }
func (l *logLines) Fatalf(format string, v ...any)  { l.add(format, v...) }
func (l *logLines) Errorf(format string, v ...any)  { l.add(format, v...) }
func (l *logLines) Debugf(format string, v ...any)  {}
func (l *logLines) Tracef(format string, v ...any)  {}

// waitFor waits until a log line contains all of parts.
func (l *logLines) waitFor(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, line := range l.lines {
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				l.mu.Unlock()
				return line
			}
		}
		l.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the box logged no line with %q", parts)
	return ""
}

type testBox struct {
	dir   string
	url   string
	srv   *server.Server
	opts  *server.Options
	js    jetstream.JetStream
	log   *logLines
	jobs  jetstream.Stream
	res   jetstream.Stream
	orig  []byte
	creds map[string]Creds
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// createCreds is what `tillroll worker-creds create` does.
func (b *testBox) createCreds(t *testing.T, name string) Creds {
	t.Helper()
	_, seed, err := CreateWorker(b.dir, name, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, pemCerts, err := Listen{Addr: "127.0.0.1:0"}.LoadCert(b.dir)
	if err != nil {
		t.Fatal(err)
	}
	c := Creds{URL: b.url, Name: name, Seed: string(seed), CA: string(pemCerts)}
	b.creds[name] = c
	return c
}

// startBox runs a box's JetStream with its worker listener on loopback,
// the streams, consumer and bucket of the queue, one job for document 7
// and its original (three chunks) in the bucket.
func startBox(t *testing.T, workers ...string) *testBox {
	t.Helper()
	b := &testBox{dir: t.TempDir(), log: &logLines{}, creds: map[string]Creds{}}
	port := freePort(t)
	b.url = "nats://127.0.0.1:" + strconv.Itoa(port)
	for _, w := range workers {
		b.createCreds(t, w)
	}
	b.opts = &server.Options{JetStream: true, StoreDir: filepath.Join(b.dir, Dir), NoSigs: true, NoSystemAccount: true}
	if err := Secure(b.opts, b.dir, Listen{Addr: "127.0.0.1:" + strconv.Itoa(port)}, "box-password-for-the-test"); err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewServer(b.opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetLoggerV2(b.log, false, false, false)
	srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	b.srv = srv
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.UserInfo(BoxUser, "box-password-for-the-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if b.js, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if b.jobs, err = b.js.CreateStream(ctx, jetstream.StreamConfig{Name: StreamJobs, Subjects: []string{SubjectJobs},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err = b.js.CreateConsumer(ctx, StreamJobs, jetstream.ConsumerConfig{Durable: ConsumerOCR, AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		t.Fatal(err)
	}
	if b.res, err = b.js.CreateStream(ctx, jetstream.StreamConfig{Name: StreamResults, Subjects: []string{SubjectResults}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	obs, err := b.js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: BucketOriginals})
	if err != nil {
		t.Fatal(err)
	}
	b.orig = make([]byte, 300_000)
	rand.Read(b.orig)
	if _, err := obs.PutBytes(ctx, "7", b.orig); err != nil {
		t.Fatal(err)
	}
	if _, err := b.js.Publish(ctx, SubjectJobPrefix+"7", []byte(`{"doc":7}`)); err != nil {
		t.Fatal(err)
	}
	return b
}

// join connects as worker name; errs gets the server's asynchronous errors
// (permission violations).
func (b *testBox) join(t *testing.T, name string) (jetstream.JetStream, *nats.Conn, chan error) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := b.creds[name].Connect("", nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case errs <- err:
		default:
		}
	}))
	if err != nil {
		t.Fatalf("worker %s: %v", name, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js, nc, errs
}

// TestWorkerDoesItsJob: with nothing but its permissions a worker takes the
// job, reads the original whole, says it is in progress, publishes its
// result and acknowledges.
func TestWorkerDoesItsJob(t *testing.T) {
	b := startBox(t, "shop-1")
	js, _, errs := b.join(t, "shop-1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.Consumer(ctx, StreamJobs, ConsumerOCR)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var job jetstream.Msg
	for m := range batch.Messages() {
		job = m
	}
	if job == nil {
		t.Fatalf("no job fetched: %v", batch.Error())
	}
	if err := job.InProgress(); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := ReadOriginal(ctx, js, "7", &got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), b.orig) {
		t.Fatalf("read %d bytes, not the original's %d", got.Len(), len(b.orig))
	}
	if _, err := js.Publish(ctx, SubjectResultPrefix+"shop-1.7", []byte(`{"text":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if err := job.DoubleAck(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		t.Fatalf("a permitted step was refused: %v", err)
	default:
	}
	info, err := b.jobs.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 0 {
		t.Errorf("JOBS holds %d messages after the ack, want 0", info.State.Msgs)
	}
	if _, err := b.res.GetLastMsgForSubject(ctx, SubjectResultPrefix+"shop-1.7"); err != nil {
		t.Errorf("the result is not in %s: %v", StreamResults, err)
	}
}

// TestWorkerRefused: the box refuses a worker without valid credentials
// and its log says so.
func TestWorkerRefused(t *testing.T) {
	b := startBox(t, "shop-1")
	good := b.creds["shop-1"]
	other := startBox(t, "shop-1") // another box: another certificate, another key

	t.Run("unknown key", func(t *testing.T) {
		c := good
		c.Seed = other.creds["shop-1"].Seed
		_, err := c.Connect("")
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("connect with a key the box does not know: %v, want ErrRefused", err)
		}
		b.log.waitFor(t, "authentication error")
	})
	t.Run("no credentials", func(t *testing.T) {
		tlsOpt, err := good.Options("")
		if err != nil {
			t.Fatal(err)
		}
		// TLS pinned but no key: nats.Secure is the second option.
		_, err = nats.Connect(b.url, tlsOpt[1])
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("connect with no user: %v, want an authorization violation", err)
		}
	})
	t.Run("the box's own user from outside", func(t *testing.T) {
		tlsOpt, err := good.Options("")
		if err != nil {
			t.Fatal(err)
		}
		// Even with its password, the box's user is for the in-process
		// connection only.
		_, err = nats.Connect(b.url, tlsOpt[1], nats.UserInfo(BoxUser, "box-password-for-the-test"))
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Fatalf("connect as %s over the network: %v, want an authorization violation", BoxUser, err)
		}
	})
	t.Run("no TLS", func(t *testing.T) {
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(b.url, "nats://"), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		info := make([]byte, 4096)
		n, _ := conn.Read(info)
		if !strings.Contains(string(info[:n]), `"tls_required":true`) {
			t.Fatalf("the listener's INFO does not require TLS: %s", info[:n])
		}
		// A client that goes on in clear is cut off.
		fmt.Fprintf(conn, "CONNECT {\"verbose\":false}\r\nPING\r\n")
		rest, _ := conn.Read(info)
		if strings.Contains(string(info[:rest]), "PONG") {
			t.Fatal("the listener answered a client that did not start TLS")
		}
	})
	t.Run("another box's certificate", func(t *testing.T) {
		c := good
		c.CA = other.creds["shop-1"].CA
		_, err := c.Connect("")
		if err == nil || !strings.Contains(err.Error(), "not the pinned one") {
			t.Fatalf("connect to a box whose certificate is not the pinned one: %v", err)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		_, nc, _ := b.join(t, "shop-1")
		closed := make(chan struct{})
		nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
		nc.SetReconnectHandler(func(*nats.Conn) {})
		if err := RevokeWorker(b.dir, "shop-1"); err != nil {
			t.Fatal(err)
		}
		changed, err := ReloadWorkers(b.srv, b.opts, b.dir)
		if err != nil || !changed {
			t.Fatalf("reload after revoke: changed %v, %v", changed, err)
		}
		// The open connection is cut; it may not come back.
		deadline := time.After(10 * time.Second)
		for nc.IsConnected() {
			select {
			case <-deadline:
				t.Fatal("a revoked worker stays connected")
			case <-time.After(20 * time.Millisecond):
			}
		}
		if _, err := good.Connect(""); !errors.Is(err, ErrRefused) {
			t.Fatalf("connect after revoke: %v, want ErrRefused", err)
		}
	})
}

// TestWorkerAddedWhileRunning: a worker created after the box started can
// join once the box has read the list again.
func TestWorkerAddedWhileRunning(t *testing.T) {
	b := startBox(t)
	c := b.createCreds(t, "late")
	if _, err := c.Connect(""); !errors.Is(err, ErrRefused) {
		t.Fatalf("before the reload: %v, want ErrRefused", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go WatchWorkers(ctx, b.srv, b.opts, b.dir, 50*time.Millisecond, slog.New(slog.DiscardHandler))
	deadline := time.Now().Add(5 * time.Second)
	for {
		nc, err := c.Connect("")
		if err == nil {
			nc.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watched list did not let the new worker in: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWorkerPermissions: a worker cannot listen to other subjects, read
// JOBS other than through its consumer, make consumers, or publish a result
// under another worker's name.
func TestWorkerPermissions(t *testing.T) {
	b := startBox(t, "shop-1", "shop-2")
	js, nc, errs := b.join(t, "shop-1")
	ctx := context.Background()
	// refused waits for the server's permission violation naming subject.
	refused := func(t *testing.T, what, subject string) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case err := <-errs:
				if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), subject) {
					b.log.waitFor(t, "Violation", subject)
					return
				}
			case <-deadline:
				t.Fatalf("%s: no permission violation for %q", what, subject)
			}
		}
	}
	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 200*time.Millisecond) }

	t.Run("subscribe to jobs", func(t *testing.T) {
		sub, err := nc.SubscribeSync(SubjectJobs)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		refused(t, "subscribe", SubjectJobs)
	})
	t.Run("subscribe to another worker's inbox", func(t *testing.T) {
		sub, err := nc.SubscribeSync(InboxPrefix("shop-2") + ".>")
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		refused(t, "subscribe", InboxPrefix("shop-2"))
	})
	t.Run("read JOBS by sequence", func(t *testing.T) {
		c, cancel := short()
		defer cancel()
		// The worker cannot even look the stream up...
		if _, err := js.Stream(c, StreamJobs); err == nil {
			t.Fatal("a worker got the JOBS stream's info")
		}
		refused(t, "stream info", "$JS.API.STREAM.INFO."+StreamJobs)
		// ...nor ask for a message of it.
		if _, err := nc.Request("$JS.API.STREAM.MSG.GET."+StreamJobs, []byte(`{"seq":1}`), 200*time.Millisecond); err == nil {
			t.Fatal("a worker read a job by sequence")
		}
		refused(t, "msg get", "$JS.API.STREAM.MSG.GET."+StreamJobs)
		if _, err := nc.Request("$JS.API.DIRECT.GET."+StreamJobs, []byte(`{"seq":1}`), 200*time.Millisecond); err == nil {
			t.Fatal("a worker read a job by direct get")
		}
		refused(t, "direct get", "$JS.API.DIRECT.GET."+StreamJobs)
	})
	t.Run("make a consumer", func(t *testing.T) {
		for _, stream := range []string{StreamJobs, StreamOriginals} {
			c, cancel := short()
			_, err := js.CreateConsumer(c, stream, jetstream.ConsumerConfig{Name: "mine", DeliverSubject: SubjectResultPrefix + "shop-2.7"})
			cancel()
			if err == nil {
				t.Fatalf("a worker made a consumer on %s", stream)
			}
			refused(t, "consumer create", "$JS.API.CONSUMER.CREATE."+stream)
		}
	})
	t.Run("result under another name", func(t *testing.T) {
		subj := SubjectResultPrefix + "shop-2.7"
		c, cancel := short()
		defer cancel()
		if _, err := js.Publish(c, subj, []byte(`{"text":"forged"}`)); err == nil {
			t.Fatal("a worker published a result under another worker's name")
		}
		refused(t, "publish", subj)
		if _, err := b.res.GetLastMsgForSubject(ctx, subj); !errors.Is(err, jetstream.ErrMsgNotFound) {
			t.Fatalf("the forged result is in %s: %v", StreamResults, err)
		}
	})
	t.Run("delete the original", func(t *testing.T) {
		if _, err := nc.Request("$JS.API.STREAM.PURGE."+StreamOriginals, nil, 200*time.Millisecond); err == nil {
			t.Fatal("a worker purged the originals")
		}
		refused(t, "purge", "$JS.API.STREAM.PURGE."+StreamOriginals)
	})
}

func TestWorkerNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", "a.b", "A", "x>", "*", BoxUser, strings.Repeat("a", 33), "with space"} {
		if _, _, err := CreateWorker(dir, name, time.Now()); !errors.Is(err, ErrWorkerName) {
			t.Errorf("CreateWorker(%q): %v, want ErrWorkerName", name, err)
		}
	}
	if _, _, err := CreateWorker(dir, "shop-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := CreateWorker(dir, "shop-1", time.Now()); !errors.Is(err, ErrWorkerExists) {
		t.Errorf("second shop-1: %v, want ErrWorkerExists", err)
	}
	if err := RevokeWorker(dir, "shop-9"); !errors.Is(err, ErrNoWorker) {
		t.Errorf("revoke shop-9: %v, want ErrNoWorker", err)
	}
	// The list holds public keys only.
	data, err := os.ReadFile(filepath.Join(dir, WorkersFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc workersDoc
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Workers) != 1 || !strings.HasPrefix(doc.Workers[0].NKey, "U") {
		t.Fatalf("worker list %s: %v", data, err)
	}
	if bytes.Contains(data, []byte(`"S`)) {
		t.Fatalf("the worker list holds a seed: %s", data)
	}
}

// TestJoinRightAfterCreate: a worker started at once after its credentials
// were made is let in when the box next reads its list, not sent away;
// credentials the box never lists are still refused, after refusedFor.
func TestJoinRightAfterCreate(t *testing.T) {
	b := startBox(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go WatchWorkers(ctx, b.srv, b.opts, b.dir, 2*time.Second, slog.New(slog.DiscardHandler))
	time.Sleep(100 * time.Millisecond) // the watcher's first read is behind us
	m, err := Join(ctx, b.createCreds(t, "quick"), "", nil)
	if err != nil {
		t.Fatalf("a worker joining right after worker-creds create: %v", err)
	}
	m.Close()

	saved := refusedFor
	refusedFor = 1500 * time.Millisecond
	defer func() { refusedFor = saved }()
	// A worker made for another box: a key this box never listed.
	_, seed, err := CreateWorker(t.TempDir(), "stranger", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stranger := b.creds["quick"]
	stranger.Name, stranger.Seed = "stranger", string(seed)
	start := time.Now()
	if _, err := Join(ctx, stranger, "", nil); !errors.Is(err, ErrRefused) {
		t.Fatalf("a worker the box does not list: %v, want ErrRefused", err)
	}
	if waited := time.Since(start); waited < refusedFor {
		t.Fatalf("refused after %v, before trying for %v", waited, refusedFor)
	}
}
