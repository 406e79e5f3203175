package store

import bolt "go.etcd.io/bbolt"

// OutboxDepth counts the messages waiting in the outbox, by kind (KindMail,
// KindWebhook); both kinds are always present.
func (s *Store) OutboxDepth() (map[string]int, error) {
	depth := map[string]int{KindMail: 0, KindWebhook: 0}
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			var m struct {
				Kind string `json:"kind"`
			}
			if err := jsonUnmarshal(v, &m); err != nil {
				return err
			}
			depth[m.Kind]++
			return nil
		})
	})
	return depth, err
}
