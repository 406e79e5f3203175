package store

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseRetailersCSV reads retailers from CSV with a header row naming the
// columns id, name, logo, time_zone, store_ids, words (lists separated by
// "|"); only id is required.
func ParseRetailersCSV(r io.Reader) ([]Retailer, error) {
	var out []Retailer
	err := readCSV(r, []string{"id"}, func(row map[string]string) error {
		out = append(out, Retailer{
			ID: row["id"], Name: row["name"], Logo: row["logo"], TimeZone: row["time_zone"],
			StoreIDs: list(row["store_ids"]), Words: list(row["words"]),
		})
		return nil
	})
	return out, err
}

// ParseProductsCSV reads products from CSV with a header row naming the
// columns gtin, name, brand, partner (true/false/1/0/yes/no), names (the
// names printed on receipts, separated by "|"); gtin and name are required.
func ParseProductsCSV(r io.Reader) ([]Product, error) {
	var out []Product
	err := readCSV(r, []string{"gtin", "name"}, func(row map[string]string) error {
		p := Product{GTIN: row["gtin"], Name: row["name"], Brand: row["brand"], Names: list(row["names"])}
		switch strings.ToLower(row["partner"]) {
		case "", "0", "false", "no", "n":
		case "1", "true", "yes", "y":
			p.Partner = true
		default:
			return fmt.Errorf("%w: partner %q: want true or false", ErrInvalid, row["partner"])
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

func readCSV(r io.Reader, required []string, fn func(map[string]string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%w: csv header: %w", ErrInvalid, err)
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	for _, col := range required {
		if !contains(header, col) {
			return fmt.Errorf("%w: csv: no %q column", ErrInvalid, col)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: csv: %w", ErrInvalid, err)
		}
		row := map[string]string{}
		for i, v := range rec {
			if i < len(header) {
				row[header[i]] = strings.TrimSpace(v)
			}
		}
		if err := fn(row); err != nil {
			return fmt.Errorf("csv line %s: %w", strconv.Itoa(line), err)
		}
	}
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
