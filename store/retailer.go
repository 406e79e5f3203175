package store

import (
	"fmt"
	"regexp"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/receipts"
)

// Retailer is a shop chain whose receipts the service recognises.
type Retailer struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Logo     string   `json:"logo,omitempty"`
	StoreIDs []string `json:"store_ids,omitempty"`
	TimeZone string   `json:"time_zone,omitempty"` // IANA, e.g. Australia/Melbourne; "" is UTC
	// Words are the phrases that identify it on a receipt, as the admin set
	// them; Learned are those users taught it by setting a receipt's retailer.
	Words   []string  `json:"words,omitempty"`
	Learned []string  `json:"learned,omitempty"`
	Updated time.Time `json:"updated"`
}

var retailerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate checks a retailer before it is stored.
func (r *Retailer) Validate() error {
	if !retailerIDRE.MatchString(r.ID) {
		return fmt.Errorf("%w: retailer id must be 1-64 of a-z 0-9 . _ -", ErrInvalid)
	}
	if r.Name == "" {
		r.Name = r.ID
	}
	if _, err := receipts.Location(r.TimeZone); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// phrases are the normalised phrases that identify r.
func (r Retailer) phrases() []string {
	var out []string
	for _, w := range append(append([]string{r.Name}, r.Words...), r.Learned...) {
		if p := receipts.Normalize(w); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// PutRetailers creates or replaces retailers, all in one transaction. A
// replaced retailer keeps what users taught it.
func (s *Store) PutRetailers(rs []Retailer) error {
	for i := range rs {
		if err := rs[i].Validate(); err != nil {
			return fmt.Errorf("retailer %q: %w", rs[i].ID, err)
		}
		rs[i].Updated = s.now().UTC()
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, r := range rs {
			var old Retailer
			if err := getJSON(tx.Bucket(bucketRetailers), []byte(r.ID), &old); err == nil {
				r.Learned = old.Learned
				if err := setPhrases(tx, old.phrases(), ""); err != nil {
					return err
				}
			}
			if err := putJSON(tx.Bucket(bucketRetailers), []byte(r.ID), r); err != nil {
				return err
			}
			if err := setPhrases(tx, r.phrases(), r.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// setPhrases points phrases at id ("" deletes them).
func setPhrases(tx *bolt.Tx, phrases []string, id string) error {
	b := tx.Bucket(bucketRetailerWords)
	for _, p := range phrases {
		var err error
		if id == "" {
			err = b.Delete([]byte(p))
		} else {
			err = b.Put([]byte(p), []byte(id))
		}
		if err != nil {
			return fmt.Errorf("retailer phrase: %w", err)
		}
	}
	return nil
}

// Retailer returns the retailer with that id.
func (s *Store) Retailer(id string) (Retailer, error) {
	var r Retailer
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketRetailers), []byte(id), &r)
	})
	if err != nil {
		return Retailer{}, fmt.Errorf("retailer %q: %w", id, err)
	}
	return r, nil
}

// Retailers lists every retailer by id.
func (s *Store) Retailers() ([]Retailer, error) {
	var out []Retailer
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRetailers).ForEach(func(_, v []byte) error {
			var r Retailer
			if err := jsonUnmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// Product is an entry of the catalogue.
type Product struct {
	GTIN    string `json:"gtin"`
	Name    string `json:"name"`
	Brand   string `json:"brand,omitempty"`
	Partner bool   `json:"partner"`
	// Names are how it is printed on receipts, as the admin set them;
	// Learned are those users taught it by mapping an item.
	Names   []string  `json:"names,omitempty"`
	Learned []string  `json:"learned,omitempty"`
	Updated time.Time `json:"updated"`
}

// Validate checks a product before it is stored.
func (p *Product) Validate() error {
	if !receipts.ValidGTIN(p.GTIN) {
		return fmt.Errorf("%w: gtin %q is not a valid GTIN-8/12/13/14", ErrInvalid, p.GTIN)
	}
	if p.Name == "" {
		return fmt.Errorf("%w: product %s has no name", ErrInvalid, p.GTIN)
	}
	return nil
}

func (p Product) printed() []string {
	var out []string
	for _, n := range append(append([]string{p.Name}, p.Names...), p.Learned...) {
		if k := receipts.Normalize(n); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// PutProducts creates or replaces products, all in one transaction. A
// replaced product keeps what users taught it.
func (s *Store) PutProducts(ps []Product) error {
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			return err
		}
		ps[i].Updated = s.now().UTC()
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, names := tx.Bucket(bucketProducts), tx.Bucket(bucketProductNames)
		for _, p := range ps {
			var old Product
			if err := getJSON(b, []byte(p.GTIN), &old); err == nil {
				p.Learned = old.Learned
				for _, n := range old.printed() {
					if err := names.Delete([]byte(n)); err != nil {
						return fmt.Errorf("product name: %w", err)
					}
				}
			}
			if err := putJSON(b, []byte(p.GTIN), p); err != nil {
				return err
			}
			for _, n := range p.printed() {
				if err := names.Put([]byte(n), []byte(p.GTIN)); err != nil {
					return fmt.Errorf("product name: %w", err)
				}
			}
		}
		return nil
	})
}

// Product returns the product with that GTIN.
func (s *Store) Product(gtin string) (Product, error) {
	var p Product
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketProducts), []byte(gtin), &p)
	})
	if err != nil {
		return Product{}, fmt.Errorf("product %q: %w", gtin, err)
	}
	return p, nil
}

// Products lists the catalogue by GTIN.
func (s *Store) Products() ([]Product, error) {
	var out []Product
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketProducts).ForEach(func(_, v []byte) error {
			var p Product
			if err := jsonUnmarshal(v, &p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// SetRates sets the coin rates and the daily cap.
func (s *Store) SetRates(r receipts.Rates) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketSettings), []byte("coins"), r)
	})
}

// Rates are the coin rates (all zero until the admin sets them).
func (s *Store) Rates() (receipts.Rates, error) {
	var r receipts.Rates
	err := s.db.View(func(tx *bolt.Tx) error { return ratesTx(tx, &r) })
	return r, err
}

func ratesTx(tx *bolt.Tx, r *receipts.Rates) error {
	if err := getJSON(tx.Bucket(bucketSettings), []byte("coins"), r); err != nil && err != ErrNotFound {
		return err
	}
	return nil
}

// notAProduct marks a printed name a user said is no catalogue product
// (a bag, a deposit): the next receipt with it skips it without asking.
const notAProduct = "-"

// txCatalogue is the catalogue as analysis sees it, inside a transaction.
type txCatalogue struct{ tx *bolt.Tx }

func (c txCatalogue) RetailerPhrases(fn func(phrase, retailerID string) bool) {
	cur := c.tx.Bucket(bucketRetailerWords).Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if !fn(string(k), string(v)) {
			return
		}
	}
}

func (c txCatalogue) ProductByName(name string) (string, bool, bool) {
	gtin := c.tx.Bucket(bucketProductNames).Get([]byte(name))
	if gtin == nil {
		return "", false, false
	}
	if string(gtin) == notAProduct {
		return "", false, true
	}
	var p Product
	if err := getJSON(c.tx.Bucket(bucketProducts), gtin, &p); err != nil {
		return "", false, false
	}
	return p.GTIN, p.Partner, true
}
