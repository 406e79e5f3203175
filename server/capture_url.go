package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"tillroll/ocr"
	"tillroll/store"
)

// fetchTimeout bounds the whole fetch of a submit's url, body included.
const fetchTimeout = 60 * time.Second

var errHostNotAllowed = errors.New("host not on the allow-list")

// fetchAllowed tells whether url's host is one an admin allowed
// (--fetch-hosts). With none allowed, no URL is fetched: the box must not
// become a way into the network it stands in.
func (s *Server) fetchAllowed(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	return host != "" && slices.ContainsFunc(s.cfg.FetchHosts, func(h string) bool { return strings.EqualFold(h, host) })
}

// fetchURL fetches a submit's url into the data directory, as an upload is
// saved: at most --max-upload bytes, the type read from its first bytes.
func (s *Server) fetchURL(ctx context.Context, raw string) (store.StoredFile, ocr.Kind, string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 2048 {
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, "url must be an absolute http or https URL")
	}
	if !s.fetchAllowed(u) {
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, fmt.Sprintf("url: this box fetches documents only from the hosts its admin allowed (--fetch-hosts), and %q is not one: upload the file in the field \"pdf\" instead", clip(u.Hostname())))
	}
	client := &http.Client{
		Timeout: fetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			if !s.fetchAllowed(req.URL) {
				return fmt.Errorf("redirect to %s: %w", req.URL.Hostname(), errHostNotAllowed)
			}
			return nil
		},
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, "url must be an absolute http or https URL")
	}
	req.Header.Set("User-Agent", "Tillroll")
	resp, err := client.Do(req)
	if errors.Is(err, errHostNotAllowed) {
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, "url redirects to a host this box may not fetch from")
	}
	if err != nil {
		s.cfg.Logger.Warn("fetch url", "host", u.Hostname(), "err", err)
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, fmt.Sprintf("url: could not fetch the document from %s", u.Hostname()))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, fmt.Sprintf("url: %s answered %s", u.Hostname(), resp.Status))
	}
	file, kind, err := s.save(resp.Body)
	var ae *apiError
	if err != nil && !errors.As(err, &ae) {
		s.cfg.Logger.Warn("fetch url", "host", u.Hostname(), "err", err)
		return store.StoredFile{}, "", "", errorf(http.StatusBadRequest, fmt.Sprintf("url: the download from %s broke off", u.Hostname()))
	}
	if err != nil {
		return store.StoredFile{}, "", "", asPhoton(err)
	}
	return file, kind, path.Base(u.Path), nil
}
