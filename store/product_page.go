package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ProductsPage is one page of the catalogue by GTIN, limit products from
// offset on, and how many products there are. Only the page's records are
// decoded; the others are counted by key.
func (s *Store) ProductsPage(offset, limit int) ([]Product, int, error) {
	var (
		out   []Product
		total int
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketProducts).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if total >= offset && total < offset+limit {
				var p Product
				if err := jsonUnmarshal(v, &p); err != nil {
					return err
				}
				out = append(out, p)
			}
			total++
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("products: %w", err)
	}
	return out, total, nil
}
