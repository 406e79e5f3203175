package docs

import _ "embed"

// APIPage is the template of GET /docs, the OpenAPI document as a page
// that needs nothing from outside the box.
//
//go:embed api.html
var APIPage string
