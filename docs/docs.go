// Package docs holds documents the server serves as they are: the capture
// API's OpenAPI description (openapi.yaml), kept by hand beside the code.
package docs

import _ "embed"

// OpenAPI is the capture API's OpenAPI 3 document, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
