// Package assets holds the web app's static files, embedded in the binary:
// no CDN, no external font or script, no Node step to build.
package assets

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// Static is the static files, rooted at static/.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
