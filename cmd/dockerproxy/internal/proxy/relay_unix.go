//go:build unix

package proxy

import "syscall"

// waitReadable blocks until the socket has bytes to read, or its peer
// closed it, without a buffer: it peeks at one byte, and while there is
// none the runtime's poller parks the goroutine (syscall.RawConn.Read
// calls the function again when the socket becomes readable).
func waitReadable(rc syscall.RawConn) error {
	var peek [1]byte
	return rc.Read(func(fd uintptr) bool {
		for {
			_, _, err := syscall.Recvfrom(int(fd), peek[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch err {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false
			}
			return true // bytes, end of stream, or an error the read will report
		}
	})
}
