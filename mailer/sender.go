package mailer

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"tillroll/store"
)

// Outbox is what the senders need of the store.
type Outbox interface {
	DueMessages(kind string, limit int) ([]store.Message, error)
	NextDue(kind string) (next time.Time, ok bool, err error)
	MarkSent(id uint64) error
	MarkRetry(id uint64, next time.Time, lastErr string) error
}

// Options tunes a Mailer or Webhooks. The zero value is fine.
type Options struct {
	// Logger gets delivery outcomes; nil discards them.
	Logger *slog.Logger
	// Now is the clock that schedules retries; nil means time.Now.
	Now func() time.Time
	// BackoffBase is the wait after the first failed attempt, doubled
	// after each further one up to BackoffMax. Zero means 30 s and 1 h.
	BackoffBase, BackoffMax time.Duration
	// Poll is the longest the sender sleeps between looks at the outbox.
	// Zero means one minute.
	Poll time.Duration
	// HTTPClient posts webhooks; nil means a client with a 30 s timeout.
	// Redirects are never followed, whatever the client says.
	HTTPClient *http.Client
	// Attempted is told of each recorded delivery attempt, by kind (mail,
	// webhook) and result (sent, failed); nil for none. It must not block.
	Attempted func(kind, result string)
}

const (
	defaultBackoffBase = 30 * time.Second
	defaultBackoffMax  = time.Hour
	defaultPoll        = time.Minute
	// batchSize is how many due messages one look at the outbox takes.
	batchSize = 50
	// minWait keeps the loop from spinning when the outbox says a message
	// is due that it did not hand out (the store's clock and ours apart).
	minWait = 10 * time.Millisecond
)

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = defaultBackoffBase
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = defaultBackoffMax
	}
	if o.BackoffMax < o.BackoffBase {
		o.BackoffMax = o.BackoffBase
	}
	if o.Poll <= 0 {
		o.Poll = defaultPoll
	}
	if o.Attempted == nil {
		o.Attempted = func(string, string) {}
	}
	return o
}

// deliverFunc does one kind's work for one message.
type deliverFunc func(context.Context, store.Message) error

// sender is the delivery loop over one kind of message, shared by mail and
// webhooks. Before each batch begin gives the function that delivers it,
// or nil to hold delivery (mail with no relay set): nothing is tried and
// the messages wait, untouched, until a kick or the next poll.
type sender struct {
	kind   string
	outbox Outbox
	begin  func() (deliverFunc, error)
	opt    Options
	kick   chan struct{}
}

func newSender(kind string, outbox Outbox, begin func() (deliverFunc, error), opt Options) *sender {
	return &sender{kind: kind, outbox: outbox, begin: begin, opt: opt, kick: make(chan struct{}, 1)}
}

// Kick wakes the loop without blocking; kicks while one waits are merged.
func (s *sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// run delivers due messages until ctx ends. Store errors are logged and the
// loop tries again after the poll interval: the server keeps taking uploads
// while the outbox cannot be read, and nothing is lost meanwhile.
func (s *sender) run(ctx context.Context) error {
	log := s.opt.Logger
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.kick:
		case <-timer.C:
		}
		full, held, err := s.sendDue(ctx)
		if err != nil {
			log.Error("outbox", "kind", s.kind, "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		var wait time.Duration
		switch {
		case err != nil:
			wait = s.opt.Poll // give the store time before trying again
		case held:
			wait = s.opt.Poll // a kick brings new settings sooner
		case full:
			wait = 0 // more may be due right now
		default:
			wait = s.untilNext()
		}
		timer.Reset(wait)
	}
}

// sendDue attempts one batch of due messages; full reports that the batch
// was full, so more may be waiting, held that delivery is held.
func (s *sender) sendDue(ctx context.Context) (full, held bool, err error) {
	deliver, err := s.begin()
	if err != nil {
		return false, false, err
	}
	if deliver == nil {
		return false, true, nil
	}
	msgs, err := s.outbox.DueMessages(s.kind, batchSize)
	if err != nil {
		return false, false, fmt.Errorf("due %s messages: %w", s.kind, err)
	}
	for _, m := range msgs {
		if ctx.Err() != nil {
			return false, false, nil
		}
		if err := s.attempt(ctx, deliver, m); err != nil {
			return false, false, err
		}
	}
	return len(msgs) == batchSize, false, nil
}

// attempt delivers one message and records the outcome. An attempt cut
// short by shutdown is not recorded: the message stays due and goes out
// on the next start.
func (s *sender) attempt(ctx context.Context, deliver deliverFunc, m store.Message) error {
	log := s.opt.Logger.With("kind", s.kind, "id", m.ID, "account", m.Account, "attempt", m.Attempts+1)
	derr := deliver(ctx, m)
	if derr == nil {
		if err := s.outbox.MarkSent(m.ID); err != nil {
			return fmt.Errorf("record message %d as sent (it will be sent again): %w", m.ID, err)
		}
		log.Info("delivered")
		s.opt.Attempted(s.kind, "sent")
		return nil
	}
	if ctx.Err() != nil {
		return nil
	}
	wait := backoff(m.Attempts, s.opt.BackoffBase, s.opt.BackoffMax)
	log.Warn("delivery failed", "retry_in", wait, "err", derr)
	if err := s.outbox.MarkRetry(m.ID, s.opt.Now().Add(wait), derr.Error()); err != nil {
		return fmt.Errorf("record failed attempt of message %d: %w", m.ID, err)
	}
	s.opt.Attempted(s.kind, "failed")
	return nil
}

// untilNext is how long to sleep before the earliest waiting message is
// due, at most the poll interval.
func (s *sender) untilNext() time.Duration {
	next, ok, err := s.outbox.NextDue(s.kind)
	if err != nil {
		s.opt.Logger.Error("outbox", "kind", s.kind, "err", fmt.Errorf("next due %s message: %w", s.kind, err))
		return s.opt.Poll
	}
	if !ok {
		return s.opt.Poll
	}
	return min(max(next.Sub(s.opt.Now()), minWait), s.opt.Poll)
}

// backoff is the wait after a failed attempt, given the attempts made
// before it: base, then doubling, never more than most.
func backoff(attempts int, base, most time.Duration) time.Duration {
	d := base
	for range attempts {
		if d >= most/2 {
			return most
		}
		d *= 2
	}
	return min(d, most)
}
