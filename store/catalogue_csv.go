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
// "|"); only id is required. Each row is checked as it is read: an error
// names the file's line, and nothing of a bad file is returned.
func ParseRetailersCSV(r io.Reader) ([]Retailer, error) {
	var out []Retailer
	err := readCSV(r, []string{"id"}, func(row map[string]string) error {
		ret := Retailer{
			ID: row["id"], Name: row["name"], Logo: row["logo"], TimeZone: row["time_zone"],
			StoreIDs: list(row["store_ids"]), Words: list(row["words"]),
		}
		if err := ret.Validate(); err != nil {
			return err
		}
		out = append(out, ret)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ParseProductsCSV reads products from CSV with a header row naming the
// columns gtin, name, brand, partner (true/false/1/0/yes/no), names (the
// names printed on receipts, separated by "|"); gtin and name are required.
// Each row is checked as it is read: an error names the file's line, and
// nothing of a bad file is returned.
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
		if err := p.Validate(); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: csv: %w", ErrInvalid, err)
		}
		// The record's first line in the file: a quoted field may span lines.
		line, _ := cr.FieldPos(0)
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
