package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Options configures the box's queue.
type Options struct {
	// Dir is the JetStream store folder (<data>/jetstream).
	Dir string
	// Secret is the key of the job tokens (LoadSecret).
	Secret []byte
	// AckWait is how long a delivered job may go without an
	// acknowledgement (or an in-progress ack) before it is delivered
	// again: a little above the worker timeout.
	AckWait time.Duration
	// MaxAttempts is the document's attempt limit (--ocr-attempts); the
	// consumer delivers a message once more than that, so the store, which
	// counts attempts, can retire the document.
	MaxAttempts int
	// DataDir is the box's data directory (the worker list, the
	// listener's certificate).
	DataDir string
	// Listen is where workers on other machines connect (Secure); an
	// empty Addr listens nowhere (one box: the in-process connection only).
	Listen Listen
	// Logger gets the server's notices and errors.
	Logger *slog.Logger
}

// Queue is the box's embedded JetStream server and its connection to it.
type Queue struct {
	srv     *server.Server
	nc      *nats.Conn
	js      jetstream.JetStream
	jobs    jetstream.Stream
	ocr     jetstream.Consumer
	secret  []byte
	ackWait time.Duration
	log     *slog.Logger
	kick    chan struct{}

	// With a worker listener only: the results consumer, the originals
	// bucket, the server's options (the worker list is reloaded into
	// them) and the documents whose originals can go.
	dataDir  string
	so       *server.Options
	results  jetstream.Consumer
	obs      jetstream.ObjectStore
	forget   chan uint64
	rejected atomic.Int64
}

const boxConnName = "tillroll-box"

// AckWait is the consumer's ack wait for a worker timeout: a quarter more
// and two seconds, for fetching the original and sending the result. A
// worker that reads longer sends in-progress acks; one that went silent
// for this long has its job delivered to another.
func AckWait(workerTimeout time.Duration) time.Duration {
	return workerTimeout + workerTimeout/4 + 2*time.Second
}

// serverOptions builds the embedded server's options: the one place the
// store and the listener (Secure: TLS, one user per worker) are decided.
func serverOptions(opt Options, boxPassword string) (*server.Options, error) {
	so := &server.Options{
		ServerName:         "tillroll",
		JetStream:          true,
		StoreDir:           opt.Dir,
		SyncAlways:         true, // the default fsyncs every two minutes
		DontListen:         true,
		NoSigs:             true,
		NoSystemAccount:    true,
		MaxPayload:         8 << 20, // a result with a long PDF's word boxes
		JetStreamMaxMemory: 64 << 20,
	}
	if opt.Listen.Addr == "" {
		return so, nil
	}
	if err := Secure(so, opt.DataDir, opt.Listen, boxPassword); err != nil {
		return nil, err
	}
	return so, nil
}

// Open starts the embedded server, connects to it in process and makes
// sure the streams, the consumer and the bucket exist. The ocr consumer is
// made anew, so that every job still in the stream is delivered again at
// once: the store has put the jobs that were being read back in the queue.
func Open(ctx context.Context, opt Options) (*Queue, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MaxAttempts < 1 {
		opt.MaxAttempts = 3
	}
	if opt.AckWait <= 0 {
		opt.AckWait = AckWait(2 * time.Minute)
	}
	if len(opt.Secret) == 0 {
		return nil, errors.New("queue: no token secret")
	}
	boxPassword, err := randomText()
	if err != nil {
		return nil, err
	}
	so, err := serverOptions(opt, boxPassword)
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(so)
	if err != nil {
		return nil, fmt.Errorf("start JetStream: %w", err)
	}
	srv.SetLoggerV2(natsLogger{opt.Logger}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("start JetStream: not ready after 30 s")
	}
	q := &Queue{srv: srv, secret: opt.Secret, ackWait: opt.AckWait, log: opt.Logger, kick: make(chan struct{}, 1),
		dataDir: opt.DataDir, forget: make(chan uint64, 1024)}
	if opt.Listen.Addr != "" {
		q.so = so
	}
	copts := []nats.Option{nats.InProcessServer(srv), nats.Name(boxConnName), nats.MaxReconnects(-1)}
	if opt.Listen.Addr != "" {
		copts = append(copts, nats.UserInfo(BoxUser, boxPassword))
	}
	if q.nc, err = nats.Connect("", copts...); err != nil {
		srv.Shutdown()
		return nil, fmt.Errorf("connect to JetStream: %w", err)
	}
	if err := q.setup(ctx, opt); err != nil {
		q.Close()
		return nil, err
	}
	return q, nil
}

func (q *Queue) setup(ctx context.Context, opt Options) error {
	var err error
	if q.js, err = jetstream.New(q.nc); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	q.jobs, err = q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamJobs,
		Subjects:   []string{SubjectJobs},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Duplicates: DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("stream %s: %w", StreamJobs, err)
	}
	if err := q.js.DeleteConsumer(ctx, StreamJobs, ConsumerOCR); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return fmt.Errorf("reset consumer %s: %w", ConsumerOCR, err)
	}
	// One back-off step per attempt: a job whose worker went silent is
	// delivered again after the ack wait, a little later each time.
	backoff := make([]time.Duration, opt.MaxAttempts)
	for i := range backoff {
		backoff[i] = opt.AckWait + time.Duration(i)*5*time.Second
	}
	q.ocr, err = q.js.CreateOrUpdateConsumer(ctx, StreamJobs, jetstream.ConsumerConfig{
		Durable:       ConsumerOCR,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opt.AckWait,
		MaxDeliver:    opt.MaxAttempts + 1,
		BackOff:       backoff,
		MaxAckPending: -1,
	})
	if err != nil {
		return fmt.Errorf("consumer %s: %w", ConsumerOCR, err)
	}
	if q.so == nil {
		return nil
	}
	// Workers on other machines: their results and the originals they read.
	if _, err := q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamResults,
		Subjects:   []string{SubjectResults},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		MaxMsgSize: 8 << 20,
		Duplicates: DuplicateWindow,
	}); err != nil {
		return fmt.Errorf("stream %s: %w", StreamResults, err)
	}
	if q.results, err = q.js.CreateOrUpdateConsumer(ctx, StreamResults, jetstream.ConsumerConfig{
		Durable:   ConsumerResults,
		AckPolicy: jetstream.AckExplicitPolicy,
		AckWait:   time.Minute,
	}); err != nil {
		return fmt.Errorf("consumer %s: %w", ConsumerResults, err)
	}
	if q.obs, err = q.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:  BucketOriginals,
		Storage: jetstream.FileStorage,
	}); err != nil {
		return fmt.Errorf("bucket %s: %w", BucketOriginals, err)
	}
	return nil
}

// Listening says whether workers on other machines may connect.
func (q *Queue) Listening() bool { return q.so != nil }

// WatchWorkers applies changes of the worker list (tillroll worker-creds)
// until ctx ends; nothing without a listener.
func (q *Queue) WatchWorkers(ctx context.Context) error {
	if q.so != nil {
		WatchWorkers(ctx, q.srv, q.so, q.dataDir, 2*time.Second, q.log)
	}
	return nil
}

// Stats is what /metrics and the admin page show of the queue.
type Stats struct {
	Workers  int    // worker machines connected
	Depth    uint64 // jobs in the stream: waiting or being read
	InFlight int    // jobs handed to a worker and not yet acknowledged
}

// Stats reads the queue's figures.
func (q *Queue) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	info, err := q.jobs.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("stream %s: %w", StreamJobs, err)
	}
	st.Depth = info.State.Msgs
	ci, err := q.ocr.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("consumer %s: %w", ConsumerOCR, err)
	}
	st.InFlight = ci.NumAckPending
	if q.so != nil {
		cz, err := q.srv.Connz(&server.ConnzOptions{Limit: 1 << 16})
		if err != nil {
			return st, fmt.Errorf("connections: %w", err)
		}
		for _, c := range cz.Conns {
			if c.Name != boxConnName { // the box's own, in process
				st.Workers++
			}
		}
	}
	return st, nil
}

// DuplicateWindow is how long JetStream remembers a published message id:
// a job published again within it is dropped.
const DuplicateWindow = 10 * time.Minute

// Close closes the connection and stops the server.
func (q *Queue) Close() error {
	if q.nc != nil {
		q.nc.Close()
	}
	q.srv.Shutdown()
	q.srv.WaitForShutdown()
	return nil
}

// Depth is the number of jobs in the stream: waiting or being read.
func (q *Queue) Depth(ctx context.Context) (uint64, error) {
	info, err := q.jobs.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", StreamJobs, err)
	}
	return info.State.Msgs, nil
}
