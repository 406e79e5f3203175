package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"tillroll/docs"
)

// The API scenario tests send every request through checkedClient, which
// validates the request and the answer against docs/openapi.yaml with
// kin-openapi's validator, so the document cannot drift from the code:
//
//   - a request to a path or method the document lacks must be answered
//     404 or 405 (a test asking for what does not exist), or 303 (the web
//     app, whose pages are not API, sending a browser to sign in);
//     anything else is an undocumented call;
//   - a request the document calls invalid must be refused (4xx): one the
//     server takes means the document is stricter than the code;
//   - every answer, refusals too, must be one the document lists for its
//     operation and status, with a body that fits the schema.

var openAPIRouter = sync.OnceValues(func() (routers.Router, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(docs.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load docs/openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("docs/openapi.yaml is not a valid document: %w", err)
	}
	doc.Servers = nil // the test server's address, whatever it is
	return gorillamux.NewRouter(doc)
})

func init() {
	// Bodies the validator cannot parse but need not look into: the
	// schema says a file (format: binary), and a file it is.
	for _, ct := range []string{"image/png", "image/jpeg", "image/heic", "image/heif", "image/avif", "image/webp", "image/tiff",
		"application/pdf", "application/octet-stream", "application/xml", "text/xml", "text/csv", "text/html", "application/yaml", "text/plain"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// checkedClient is an http.Client whose every exchange is validated.
func checkedClient(t testing.TB) *http.Client {
	return &http.Client{Transport: &apiCheck{t: t, next: http.DefaultTransport}}
}

type apiCheck struct {
	t    testing.TB
	next http.RoundTripper
}

func (c *apiCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	router, err := openAPIRouter()
	if err != nil {
		c.t.Fatal(err)
	}
	var body []byte
	if req.Body != nil {
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	what := req.Method + " " + req.URL.Path

	route, params, routeErr := router.FindRoute(req)
	var in *openapi3filter.RequestValidationInput
	var reqErr error
	if routeErr == nil {
		check := req.Clone(context.Background())
		check.Body = io.NopCloser(bytes.NewReader(body))
		in = &openapi3filter.RequestValidationInput{
			Request: check, PathParams: params, Route: route,
			Options: &openapi3filter.Options{
				AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
				MultiError:         true,
				// The answers' status codes must be the document's.
				IncludeResponseStatus: true,
			},
		}
		reqErr = openapi3filter.ValidateRequest(context.Background(), in)
	}

	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	answer, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(answer))

	switch {
	case errors.Is(routeErr, routers.ErrPathNotFound) || errors.Is(routeErr, routers.ErrMethodNotAllowed):
		switch resp.StatusCode {
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusSeeOther:
		default:
			c.t.Errorf("openapi: %s is not in docs/openapi.yaml, but the server answered %d", what, resp.StatusCode)
		}
		return resp, nil
	case routeErr != nil:
		c.t.Errorf("openapi: %s: %v", what, routeErr)
		return resp, nil
	}
	if reqErr != nil && resp.StatusCode < 400 {
		c.t.Errorf("openapi: the server took %s (%d), which docs/openapi.yaml calls invalid: %v", what, resp.StatusCode, clipErr(reqErr))
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header, Options: in.Options,
	}
	out.SetBodyBytes(answer)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Errorf("openapi: the answer %d to %s does not fit docs/openapi.yaml: %v\n%s", resp.StatusCode, what, clipErr(err), clip(answer))
	}
	return resp, nil
}

func clipErr(err error) string { return clip([]byte(err.Error())) }

func clip(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

// recorder is a testing.TB that keeps what the check reports.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestOpenAPICheck: the check fails a test on each kind of drift, against
// a server that answers as the document does not say.
func TestOpenAPICheck(t *testing.T) {
	answers := map[string]struct {
		code int
		body string
	}{
		"/health":            {http.StatusOK, `{"status": "success", "queue_depth": 3}`},  // fits
		"/healthz":           {http.StatusOK, `{"status": "ok", "queue_depth": "three"}`}, // a string for an integer
		"/balance":           {http.StatusTeapot, `{"message": "no", "status": "error"}`}, // a status the document lacks
		"/api/v4/line-items": {http.StatusOK, `{"message": "success", "status": "success"}`},
		"/not-in-the-doc":    {http.StatusOK, `{}`},
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.URL.Path]
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.code)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(ts.Close)
	for _, tc := range []struct {
		method, path, body string
		want               string // "" for no complaint
	}{
		{http.MethodGet, "/health", "", ""},
		{http.MethodGet, "/healthz", "", "does not fit"},
		{http.MethodGet, "/balance", "", "status is not supported"},
		// Amount must be a number or a string: the server took a boolean.
		{http.MethodPost, "/api/v4/line-items?photon_key=k", `{"Amount": true}`, "calls invalid"},
		{http.MethodGet, "/not-in-the-doc", "", "is not in docs/openapi.yaml"},
	} {
		rec := &recorder{TB: t}
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		req, err := http.NewRequest(tc.method, ts.URL+tc.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := checkedClient(rec).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		switch {
		case tc.want == "" && len(rec.errs) > 0:
			t.Errorf("%s %s: the check complained of an answer that fits: %v", tc.method, tc.path, rec.errs)
		case tc.want != "" && (len(rec.errs) == 0 || !strings.Contains(rec.errs[0], tc.want)):
			t.Errorf("%s %s: want a complaint with %q, got %v", tc.method, tc.path, tc.want, rec.errs)
		}
	}
}
