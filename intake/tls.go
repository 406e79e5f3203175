package intake

import (
	"crypto/tls"
	"fmt"
	"path/filepath"

	"tillroll/internal/tlscert"
)

// Names of the self-signed certificate the mail server makes in the data
// directory when it is given none.
const (
	TLSCertFile = "smtp-tls.crt"
	TLSKeyFile  = "smtp-tls.key"
)

// LoadTLS loads the certificate and key from certFile and keyFile when both
// are given; else it uses the pair in dataDir, making a self-signed one
// (ECDSA P-256, ten years, for domain and localhost) on first use.
// Scanners accept a self-signed certificate or skip the check; what STARTTLS
// buys is that the account's password never crosses the network in clear.
func LoadTLS(dataDir, certFile, keyFile, domain string) (*tls.Config, error) {
	cfg, _, err := tlscert.Load(certFile, keyFile,
		filepath.Join(dataDir, TLSCertFile), filepath.Join(dataDir, TLSKeyFile), domain, "localhost")
	if err != nil {
		return nil, fmt.Errorf("SMTP TLS: %w", err)
	}
	return cfg, nil
}
