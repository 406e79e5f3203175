//go:build !linux

package pipeline

import "syscall"

// childAttr puts a child worker in its own process group (killed as one).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
