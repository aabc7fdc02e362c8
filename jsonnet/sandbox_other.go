//go:build !linux

package jsonnet

import "syscall"

func sandboxAttr() *syscall.SysProcAttr { return nil }
