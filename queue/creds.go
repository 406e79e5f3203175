package queue

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"tillroll/internal/tlscert"
)

// Creds is what a worker machine needs to join a box: printed by
// `tillroll worker-creds create NAME`, read by `tillroll worker --creds`.
type Creds struct {
	URL  string `json:"url"`  // the box's listener, nats://host:4222
	Name string `json:"name"` // the worker's name on the box
	Seed string `json:"seed"` // NKey seed: the worker's secret, nowhere else
	CA   string `json:"ca"`   // the box's certificate (PEM), pinned by the worker
}

// ReadCreds reads and checks a creds file.
func ReadCreds(path string) (Creds, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Creds{}, fmt.Errorf("read worker creds: %w", err)
	}
	var c Creds
	if err := json.Unmarshal(data, &c); err != nil {
		return Creds{}, fmt.Errorf("read worker creds %s: %w", path, err)
	}
	if err := CheckWorkerName(c.Name); err != nil {
		return Creds{}, fmt.Errorf("worker creds %s: %w", path, err)
	}
	if _, err := nkeys.FromSeed([]byte(c.Seed)); err != nil {
		return Creds{}, fmt.Errorf("worker creds %s: seed: %w", path, err)
	}
	if c.CA == "" {
		return Creds{}, fmt.Errorf("worker creds %s: no certificate to pin", path)
	}
	return c, nil
}

// Options are the connection options of a worker holding c: TLS pinned to
// the box's certificate, the NKey signature, the worker's name, and the
// inbox prefix its permissions allow. url, when not empty, replaces c.URL's
// host for the certificate check (the address --join was given).
func (c Creds) Options(joinURL string) ([]nats.Option, error) {
	if joinURL == "" {
		joinURL = c.URL
	}
	u, err := url.Parse(joinURL)
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("box address %q: want nats://host:port", joinURL)
	}
	tlsCfg, err := tlscert.Pinned([]byte(c.CA), u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("worker creds: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(c.Seed))
	if err != nil {
		return nil, fmt.Errorf("worker creds: seed: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("worker creds: seed: %w", err)
	}
	return []nats.Option{
		nats.Name(c.Name),
		nats.Secure(tlsCfg),
		nats.Nkey(pub, kp.Sign),
		nats.CustomInboxPrefix(InboxPrefix(c.Name)),
	}, nil
}

// InboxPrefix is the prefix of a worker's reply subjects: the one subject
// space it may subscribe to.
func InboxPrefix(worker string) string { return "_INBOX." + worker }

// ErrRefused is what a worker's connection fails with when the box does
// not accept its credentials (unknown worker, revoked, wrong seed).
var ErrRefused = errors.New("the box refused this worker's credentials")

// Connect joins the box at joinURL (c.URL when empty) as the worker c,
// with extra options after the worker's own.
func (c Creds) Connect(joinURL string, extra ...nats.Option) (*nats.Conn, error) {
	opts, err := c.Options(joinURL)
	if err != nil {
		return nil, err
	}
	if joinURL == "" {
		joinURL = c.URL
	}
	nc, err := nats.Connect(joinURL, append(opts, extra...)...)
	if errors.Is(err, nats.ErrAuthorization) {
		return nil, fmt.Errorf("%w (%s at %s): %w", ErrRefused, c.Name, joinURL, err)
	}
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", joinURL, err)
	}
	return nc, nil
}
