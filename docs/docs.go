// Package docs holds documents the server serves as they are: the OpenAPI
// description of the capture API and the receipts service (openapi.yaml),
// kept by hand beside the code and checked against it by the server's tests.
package docs

import _ "embed"

// OpenAPI is the two APIs' OpenAPI 3 document, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
