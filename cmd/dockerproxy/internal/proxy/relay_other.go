//go:build !unix

package proxy

import "syscall"

// waitReadable returns at once where sockets cannot be peeked at: the
// read that follows waits, with its buffer.
func waitReadable(syscall.RawConn) error { return nil }
