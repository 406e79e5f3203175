package ocr

// Test helpers for the external tests of this package.
var (
	TexturedPage = texturedPage
	PasteQuad    = pasteQuad
	Turned       = turned
)
