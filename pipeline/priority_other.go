//go:build !linux

package pipeline

// background does nothing where threads cannot be niced one by one.
func background() error { return nil }
