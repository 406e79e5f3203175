package store

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Message kinds.
const (
	KindMail    = "mail"
	KindWebhook = "webhook"
)

// Message is one notification waiting in (or delivered from) the outbox.
// Delivery is at least once: a crash between sending and MarkSent sends it
// again, with the same IdempotencyKey.
type Message struct {
	ID             uint64 `json:"id"`
	Kind           string `json:"kind"`
	Account        string `json:"account"`
	DocID          uint64 `json:"doc_id,omitempty"`
	IdempotencyKey string `json:"idempotency_key"`

	// Mail.
	To      string `json:"to,omitempty"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`

	// Webhook: the JSON body to POST to URL.
	URL     string `json:"url,omitempty"`
	Payload []byte `json:"payload,omitempty"`
	// AuthToken is sent as the webhook's Authorization header (the
	// upload's auth_token).
	AuthToken string `json:"auth_token,omitempty"`

	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	Created     time.Time `json:"created"`
	Sent        time.Time `json:"sent,omitempty"`
}

// Enqueue adds messages to the outbox in one transaction.
func (s *Store) Enqueue(msgs ...Message) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return addMessages(tx, msgs, s.now().UTC())
	})
}

func addMessages(tx *bolt.Tx, msgs []Message, now time.Time) error {
	b := tx.Bucket(bucketOutbox)
	for _, m := range msgs {
		id, err := b.NextSequence()
		if err != nil {
			return fmt.Errorf("next message id: %w", err)
		}
		m.ID, m.Created, m.NextAttempt = id, now, now
		if m.IdempotencyKey == "" {
			m.IdempotencyKey = fmt.Sprintf("msg-%d", id)
		}
		if err := putJSON(b, itob(id), m); err != nil {
			return err
		}
	}
	return nil
}

// DueMessages returns up to limit waiting messages of the kind whose next
// attempt is due, oldest first.
func (s *Store) DueMessages(kind string, limit int) ([]Message, error) {
	now := s.now()
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var m Message
			if err := jsonUnmarshal(v, &m); err != nil {
				return err
			}
			if m.Kind == kind && !m.NextAttempt.After(now) {
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// NextDue is the earliest next attempt among waiting messages of the kind;
// ok is false when none waits.
func (s *Store) NextDue(kind string) (next time.Time, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			var m Message
			if err := jsonUnmarshal(v, &m); err != nil {
				return err
			}
			if m.Kind == kind && (!ok || m.NextAttempt.Before(next)) {
				next, ok = m.NextAttempt, true
			}
			return nil
		})
	})
	return next, ok, err
}

// MarkSent moves a delivered message out of the waiting outbox.
func (s *Store) MarkSent(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		waiting := tx.Bucket(bucketOutbox)
		var m Message
		if err := getJSON(waiting, itob(id), &m); err != nil {
			return fmt.Errorf("message %d: %w", id, err)
		}
		m.Attempts++
		m.Sent, m.LastError = s.now().UTC(), ""
		if err := waiting.Delete(itob(id)); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		return putJSON(tx.Bucket(bucketOutboxDone), itob(id), m)
	})
}

// MarkRetry records a failed attempt and when to try again.
func (s *Store) MarkRetry(id uint64, next time.Time, lastErr string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		waiting := tx.Bucket(bucketOutbox)
		var m Message
		if err := getJSON(waiting, itob(id), &m); err != nil {
			return fmt.Errorf("message %d: %w", id, err)
		}
		m.Attempts++
		m.NextAttempt, m.LastError = next.UTC(), lastErr
		return putJSON(waiting, itob(id), m)
	})
}

// OutboxMessages lists the messages waiting (sent=false) or sent (sent=true).
func (s *Store) OutboxMessages(sent bool) ([]Message, error) {
	name := bucketOutbox
	if sent {
		name = bucketOutboxDone
	}
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(name).ForEach(func(_, v []byte) error {
			var m Message
			if err := jsonUnmarshal(v, &m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	return out, err
}
