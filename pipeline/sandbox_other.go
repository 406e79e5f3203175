//go:build !linux

package pipeline

// SandboxSupport is ErrNoSandbox: Landlock is Linux's.
func SandboxSupport() (int, error) { return 0, ErrNoSandbox }

// Sandbox is ErrNoSandbox: the worker runs unconfined.
func Sandbox(string, ...string) error { return ErrNoSandbox }
