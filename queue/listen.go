package queue

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"

	"tillroll/internal/tlscert"
)

// Names of the self-signed certificate the worker listener makes in the data
// directory when it is given none.
const (
	TLSCertFile = "nats-tls.crt"
	TLSKeyFile  = "nats-tls.key"
)

// Listen is how the box opens its queue to worker machines
// (`tillroll serve --nats-listen`).
type Listen struct {
	Addr     string // host:port, ":4222"
	CertFile string // with KeyFile: the listener's certificate; else self-signed in the data directory
	KeyFile  string
}

// LoadCert loads (or on first use makes) the listener's certificate and
// returns the server config and the PEM workers pin.
func (l Listen) LoadCert(dataDir string) (*tls.Config, []byte, error) {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil {
		names = append([]string{h}, names...)
	}
	if host, _, err := net.SplitHostPort(l.Addr); err == nil && host != "" {
		names = append([]string{host}, names...)
	}
	cfg, certFile, err := tlscert.Load(l.CertFile, l.KeyFile,
		filepath.Join(dataDir, TLSCertFile), filepath.Join(dataDir, TLSKeyFile), names...)
	if err != nil {
		return nil, nil, fmt.Errorf("worker listener TLS: %w", err)
	}
	pemCerts, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, fmt.Errorf("worker listener TLS: %w", err)
	}
	return cfg, pemCerts, nil
}

// Secure makes opts listen at l.Addr for workers: TLS always (the
// certificate of LoadCert), and no client without a user: the box's own
// connection is BoxUser with boxPassword (made at start, kept in memory),
// a user only an in-process connection may be, and every worker of the
// data directory's list is an NKey user with WorkerPermissions.
func Secure(opts *server.Options, dataDir string, l Listen, boxPassword string) error {
	host, port, err := net.SplitHostPort(l.Addr)
	if err != nil {
		return fmt.Errorf("--nats-listen %q: %w", l.Addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return fmt.Errorf("--nats-listen %q: bad port", l.Addr)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	tlsCfg, _, err := l.LoadCert(dataDir)
	if err != nil {
		return err
	}
	nks, err := workerUsers(dataDir)
	if err != nil {
		return err
	}
	if len(boxPassword) < 16 {
		return errors.New("queue listener: the box's password is too short")
	}
	opts.DontListen = false
	opts.Host, opts.Port = host, p
	opts.TLSConfig = tlsCfg
	opts.TLSTimeout = 5
	opts.AuthTimeout = 5
	opts.Users = []*server.User{{
		Username:               BoxUser,
		Password:               boxPassword,
		AllowedConnectionTypes: map[string]struct{}{jwt.ConnectionTypeInProcess: {}},
	}}
	opts.Nkeys = nks
	// A nonce even while the list is empty, so that a worker is refused
	// for its key, not for "nkeys not supported", and one added later can
	// sign in after a reload.
	opts.AlwaysEnableNonce = true
	return nil
}

// WorkerPermissions are all a worker may do: take jobs from the shared
// consumer and acknowledge them (ack, nak, in progress, term), publish
// results under its own name, read originals by direct get (the object's
// metadata by name, its chunks by subject), and receive replies on its
// own inbox. It may not create consumers: a consumer's deliver subject is
// not checked against the creator's permissions, so one could deliver
// stream messages into tillroll.job.> or another worker's results.
//
// Reply subjects are not checked by NATS either: a worker can have the
// server send a reply (a job, a chunk) to any subject, a result subject of
// another worker included. Such a message is the server's, not a result:
// the box's result applier must accept only a result that carries the
// job's token in a header that no job message or original carries.
func WorkerPermissions(name string) *server.Permissions {
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			"$JS.API.CONSUMER.INFO." + StreamJobs + "." + ConsumerOCR,
			"$JS.API.CONSUMER.MSG.NEXT." + StreamJobs + "." + ConsumerOCR,
			"$JS.ACK." + StreamJobs + "." + ConsumerOCR + ".>",
			SubjectResultPrefix + name + ".>",
			"$JS.API.STREAM.INFO." + StreamOriginals,
			"$JS.API.DIRECT.GET." + StreamOriginals,
			"$JS.API.DIRECT.GET." + StreamOriginals + ".$O." + BucketOriginals + ".M.>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{InboxPrefix(name) + ".>"}},
	}
}

func workerUsers(dataDir string) ([]*server.NkeyUser, error) {
	ws, err := Workers(dataDir)
	if err != nil {
		return nil, err
	}
	users := make([]*server.NkeyUser, 0, len(ws))
	for _, w := range ws {
		users = append(users, &server.NkeyUser{
			Nkey:                   w.NKey,
			Permissions:            WorkerPermissions(w.Name),
			AllowedConnectionTypes: map[string]struct{}{jwt.ConnectionTypeStandard: {}},
		})
	}
	return users, nil
}

// ReloadWorkers gives the running server s (started with opts, as Secure
// made them) the data directory's current worker list: new workers may
// connect, revoked ones are disconnected. It reports whether the list
// changed.
func ReloadWorkers(s *server.Server, opts *server.Options, dataDir string) (bool, error) {
	nks, err := workerUsers(dataDir)
	if err != nil {
		return false, err
	}
	if slices.EqualFunc(nks, opts.Nkeys, sameUser) {
		return false, nil
	}
	next := opts.Clone()
	next.Nkeys = nks
	if err := s.ReloadOptions(next); err != nil {
		return false, fmt.Errorf("reload worker list: %w", err)
	}
	opts.Nkeys = nks
	return true, nil
}

func sameUser(a, b *server.NkeyUser) bool {
	return a.Nkey == b.Nkey && slices.Equal(a.Permissions.Publish.Allow, b.Permissions.Publish.Allow)
}

// WatchWorkers re-reads the worker list every interval until ctx ends, so
// `tillroll worker-creds create` and `revoke` take effect without a restart.
func WatchWorkers(ctx context.Context, s *server.Server, opts *server.Options, dataDir string, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fi, err := os.Stat(filepath.Join(dataDir, WorkersFile))
		if err == nil && fi.ModTime().Equal(last) {
			continue
		}
		if err == nil {
			last = fi.ModTime()
		}
		changed, err := ReloadWorkers(s, opts, dataDir)
		if err != nil {
			log.Error("worker list not reloaded", "err", err)
			continue
		}
		if changed {
			log.Info("worker list reloaded", "workers", len(opts.Nkeys))
		}
	}
}
