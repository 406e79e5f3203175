package pipeline

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// A child worker is confined to writing its scratch directory with
// Landlock, the Linux security module any process may use on itself. A
// Landlock domain binds the thread that asks for it, and Go cannot ask for
// it on every thread of a cgo program at once (go-landlock needs
// AllThreadsSyscall, which cgo forbids). A domain is passed on across
// execve, though: so the child asks for it on one locked thread and, from
// that thread, executes itself again. The new image, every thread
// Tesseract and Go make in it, runs inside the domain from its first
// instruction. sandboxedEnv tells the new image that it is the confined
// one.
const sandboxedEnv = "TILLROLL_WORKER_SANDBOXED"

// ErrNoSandbox is the error of Sandbox and SandboxSupport where the kernel
// has no Landlock (older than 5.13, or built or booted without it): the
// worker then writes wherever the server's user may.
var ErrNoSandbox = errors.New("the kernel offers no Landlock sandbox")

// Sandboxed tells whether this process runs inside the sandbox Sandbox
// made.
func Sandboxed() bool { return os.Getenv(sandboxedEnv) == "1" }

// SandboxStatus says in words whether child workers are confined, for
// the log and /healthz.
func SandboxStatus() (on bool, status string) {
	abi, err := SandboxSupport()
	if err != nil {
		return false, "not sandboxed: " + err.Error() + "; OCR worker processes can write wherever the server can"
	}
	return true, "OCR worker processes can write only their scratch directories, and read only the originals, the second recognizer and the system's files (Landlock ABI " + strconv.Itoa(abi) + ")"
}

// childEnviron is this process's environment for a child worker, less
// any sandbox marker: a child is confined because it confined itself.
func childEnviron() []string {
	env := os.Environ()
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, sandboxedEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}
