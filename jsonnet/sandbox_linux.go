package jsonnet

import "syscall"

// sandboxAttr makes the child die with its parent.
func sandboxAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
