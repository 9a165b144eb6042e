package proxy

import (
	"errors"
	"fmt"
)

// framing follows the body of a relayed response as its bytes pass, so
// that the relay forwards them as they came (no decoding and re-encoding,
// no buffer of its own) and still knows where the body ends and how much
// of it is payload. A body is chunked (RFC 9112, section 7.1) or ends when
// the daemon closes the connection.
type framing struct {
	chunked bool
	state   chunkState
	size    uint64 // digits read of the size line, then the chunk's bytes still to come
	digits  int
	line    int // bytes of the current size or trailer line
}

type chunkState uint8

const (
	chunkSize    chunkState = iota // hex digits of a size line
	chunkExt                       // after the digits: extensions, whitespace
	chunkSizeLF                    // '\r' seen at the end of a size line
	chunkData                      // the chunk's bytes
	chunkDataCR                    // the CRLF after the chunk's bytes
	chunkDataLF                    //
	trailerStart                   // at the start of a trailer line or the final CRLF
	trailerLine                    // inside a trailer field
	trailerEndLF                   // '\r' of the final CRLF seen
	bodyEnded
)

// maxFramingLine bounds a chunk size line and a trailer line, as
// net/http's chunked reader does.
const maxFramingLine = 4096

var errFraming = errors.New("malformed chunked encoding")

// scan looks at p, the next bytes of the body, and returns how many of
// them belong to the body (all of p unless the body ends inside it), how
// many of those are payload, and whether the body ended. Bytes that break
// the framing return an error.
func (f *framing) scan(p []byte) (n int, payload int64, ended bool, err error) {
	if !f.chunked {
		return len(p), int64(len(p)), false, nil
	}
	for n < len(p) && f.state != bodyEnded {
		c := p[n]
		switch f.state {
		case chunkData:
			k := int(min(f.size, uint64(len(p)-n)))
			f.size -= uint64(k)
			payload += int64(k)
			n += k
			if f.size == 0 {
				f.state = chunkDataCR
			}
			continue
		case chunkSize:
			if v, ok := hexDigit(c); ok {
				if f.digits == 16 {
					return n, payload, false, fmt.Errorf("%w: chunk size too large", errFraming)
				}
				f.size = f.size<<4 | uint64(v)
				f.digits++
				break
			}
			if f.digits == 0 {
				return n, payload, false, fmt.Errorf("%w: no chunk size", errFraming)
			}
			switch c {
			case '\r':
				f.state = chunkSizeLF
			case '\n':
				f.endSizeLine()
			default:
				f.state = chunkExt // ";ext=value" or whitespace
			}
		case chunkExt:
			switch c {
			case '\r':
				f.state = chunkSizeLF
			case '\n':
				f.endSizeLine()
			}
		case chunkSizeLF:
			if c != '\n' {
				return n, payload, false, fmt.Errorf("%w: bare CR in a size line", errFraming)
			}
			f.endSizeLine()
		case chunkDataCR:
			if c != '\r' {
				return n, payload, false, fmt.Errorf("%w: no CRLF after a chunk", errFraming)
			}
			f.state = chunkDataLF
		case chunkDataLF:
			if c != '\n' {
				return n, payload, false, fmt.Errorf("%w: no CRLF after a chunk", errFraming)
			}
			f.state, f.size, f.digits, f.line = chunkSize, 0, 0, 0
		case trailerStart:
			switch c {
			case '\r':
				f.state = trailerEndLF
			case '\n':
				f.state = bodyEnded
			default:
				f.state = trailerLine
			}
		case trailerLine:
			if c == '\n' {
				f.state, f.line = trailerStart, 0
			}
		case trailerEndLF:
			if c != '\n' {
				return n, payload, false, fmt.Errorf("%w: bare CR after the last chunk", errFraming)
			}
			f.state = bodyEnded
		}
		n++
		if f.state != chunkData {
			if f.line++; f.line > maxFramingLine {
				return n, payload, false, fmt.Errorf("%w: line longer than %d bytes", errFraming, maxFramingLine)
			}
		}
	}
	return n, payload, f.state == bodyEnded, nil
}

func (f *framing) endSizeLine() {
	f.line = 0
	if f.size == 0 {
		f.state = trailerStart // the last chunk: trailers, then CRLF
		return
	}
	f.state = chunkData
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
