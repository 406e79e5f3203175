package pipeline

import "syscall"

// childAttr puts a child worker in its own process group (killed as one)
// and has the kernel kill it if the thread that started it (the pool's
// worker, locked to its thread) goes away, even by kill -9 of the server.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
