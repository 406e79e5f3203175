package intake

import (
	"context"
	"fmt"
	"sync"
	"time"

	"tillroll/store"
)

// IMAPManager runs a poller for every mailbox: those of the --imap-config
// file, and those an admin saved in the store, started and stopped as the
// admin adds and removes them.
type IMAPManager struct {
	t      *Taker
	static []IMAPConfig
	kick   chan struct{}

	mu      sync.Mutex
	running map[uint64]*managed // saved mailboxes, by id
	fixed   []*IMAPPoller       // from the file
}

type managed struct {
	p      *IMAPPoller
	stop   context.CancelFunc
	done   chan struct{}
	config store.IMAPMailbox
}

// NewIMAPManager makes a manager; static are the file's mailboxes.
func NewIMAPManager(t *Taker, static []IMAPConfig) *IMAPManager {
	return &IMAPManager{t: t, static: static, kick: make(chan struct{}, 1), running: map[uint64]*managed{}}
}

// Kick makes the manager read the saved mailboxes again now.
func (m *IMAPManager) Kick() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// MailboxStatus is a mailbox with how its polling goes.
type MailboxStatus struct {
	ID      uint64 // 0 for a mailbox of the --imap-config file
	Account string
	Name    string // user@host:port/folder
	After   string
	IMAPStatus
	Running bool
}

// Statuses lists every mailbox with its last poll.
func (m *IMAPManager) Statuses() []MailboxStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []MailboxStatus
	for _, p := range m.fixed {
		out = append(out, MailboxStatus{Account: p.cfg.Account, Name: p.cfg.Name(), After: p.cfg.After, IMAPStatus: p.Status(), Running: true})
	}
	for id, r := range m.running {
		out = append(out, MailboxStatus{ID: id, Account: r.p.cfg.Account, Name: r.p.cfg.Name(), After: r.p.cfg.After, IMAPStatus: r.p.Status(), Running: true})
	}
	return out
}

// Run runs the pollers until ctx ends, and waits for them.
func (m *IMAPManager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, c := range m.static {
		p := NewIMAPPoller(m.t, c)
		m.mu.Lock()
		m.fixed = append(m.fixed, p)
		m.mu.Unlock()
		wg.Add(1)
		go func() { defer wg.Done(); _ = p.Run(ctx) }()
	}
	defer wg.Wait()
	defer m.stopAll()
	for {
		if err := m.sync(ctx); err != nil {
			m.t.log.Warn("imap mailboxes", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-m.kick:
		case <-time.After(30 * time.Second):
		}
	}
}

// sync starts a poller for each saved mailbox that has none, and stops
// those whose mailbox was removed or changed.
func (m *IMAPManager) sync(ctx context.Context) error {
	boxes, err := m.t.st.IMAPMailboxes()
	if err != nil {
		return err
	}
	want := map[uint64]store.IMAPMailbox{}
	for _, b := range boxes {
		want[b.ID] = b
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.running {
		if b, ok := want[id]; !ok || b != r.config {
			r.stop()
			<-r.done
			delete(m.running, id)
		}
	}
	for id, b := range want {
		if _, ok := m.running[id]; ok {
			continue
		}
		cfg := IMAPConfig{Account: b.Account, Addr: b.Addr(), Security: b.Security, User: b.User, Password: b.Password,
			Folder: b.Folder, After: b.After, Interval: b.Interval}
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("mailbox %d: %w", id, err)
		}
		pctx, stop := context.WithCancel(ctx)
		r := &managed{p: NewIMAPPoller(m.t, cfg), stop: stop, done: make(chan struct{}), config: b}
		m.running[id] = r
		go func() { defer close(r.done); _ = r.p.Run(pctx) }()
	}
	return nil
}

func (m *IMAPManager) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.running {
		r.stop()
		<-r.done
		delete(m.running, id)
	}
}
