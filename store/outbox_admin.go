package store

import (
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// OutboxOverview is the outbox as the admin's page shows it: the first
// waiting messages, oldest first, and the most recently sent ones, newest
// first, each list with the count of all.
type OutboxOverview struct {
	Waiting      []Message
	WaitingCount int
	Sent         []Message
	SentCount    int
}

// OutboxOverview returns up to limit waiting and limit sent messages.
// Sent messages are kept for the record, so their bucket only grows: it is
// read from its end and only the messages shown are decoded.
func (s *Store) OutboxOverview(limit int) (OutboxOverview, error) {
	var o OutboxOverview
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			o.WaitingCount++
			if len(o.Waiting) < limit {
				var m Message
				if err := jsonUnmarshal(v, &m); err != nil {
					return err
				}
				o.Waiting = append(o.Waiting, m)
			}
		}
		c = tx.Bucket(bucketOutboxDone).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			o.SentCount++
			if len(o.Sent) < limit {
				var m Message
				if err := jsonUnmarshal(v, &m); err != nil {
					return err
				}
				o.Sent = append(o.Sent, m)
			}
		}
		return nil
	})
	if err != nil {
		return OutboxOverview{}, fmt.Errorf("outbox: %w", err)
	}
	// Ids follow creation; a message retried for a while is sent after
	// younger ones, so order what is shown by the time it went out.
	slices.SortStableFunc(o.Sent, func(a, b Message) int { return b.Sent.Compare(a.Sent) })
	return o, nil
}

// RetryNow makes a waiting message due now, keeping its attempts and last
// error; the sender still has to be woken. ErrNotFound: no such message
// waits (it may have been sent meanwhile).
func (s *Store) RetryNow(id uint64) (Message, error) {
	var m Message
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if err := getJSON(b, itob(id), &m); err != nil {
			return fmt.Errorf("waiting message %d: %w", id, err)
		}
		m.NextAttempt = s.now().UTC()
		return putJSON(b, itob(id), m)
	})
	if err != nil {
		return Message{}, err
	}
	return m, nil
}
