package buildctx

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
)

// Refused is a build the check does not allow; What says why.
type Refused struct{ What string }

func (e *Refused) Error() string { return e.What }

// MaxDockerfile is the largest Dockerfile read; a larger one is refused.
const MaxDockerfile = 1 << 20

// Reader returns the context to forward in place of body: a plain tar,
// checked as it is read. A read fails with a *Refused error as soon as the
// context is refused; the bytes before it hold no end of archive.
// dockerfile is the build's dockerfile query parameter. Each more check
// is given the Dockerfile after Check; an error it returns refuses the
// build as Check's do.
func Reader(body io.Reader, dockerfile string, more ...func([]byte) error) io.Reader {
	return &reader{src: body, want: candidates(dockerfile), more: more}
}

// candidates are the context paths dockerd opens as the Dockerfile: the
// parameter (default Dockerfile) within the context root, and
// "dockerfile" when the default is missing.
func candidates(dockerfile string) []string {
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	p := cleanName(dockerfile)
	if p == "Dockerfile" {
		return []string{p, "dockerfile"}
	}
	return []string{p}
}

func cleanName(n string) string { return path.Clean("/" + n)[1:] }

type reader struct {
	src  io.Reader
	want []string
	more []func([]byte) error

	tr      *tar.Reader
	seen    capture
	pending []byte
	inEntry bool
	found   bool
	done    bool
	err     error
}

// capture records the bytes archive/tar takes from the stream.
type capture struct {
	r   io.Reader
	buf bytes.Buffer
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.buf.Write(p[:n])
	return n, err
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.step()
		r.pending = append(r.pending[:0], r.seen.buf.Bytes()...)
		r.seen.buf.Reset()
		if r.err != nil {
			var refused *Refused
			if errors.As(r.err, &refused) {
				r.pending = nil // nothing of a refused context after the refusal
			}
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

var discard = make([]byte, 32<<10)

// step advances the archive: a chunk of an entry's data, or the next
// header (and, for the Dockerfile, its whole content).
func (r *reader) step() error {
	if r.tr == nil {
		src, err := decompress(r.src)
		if err != nil {
			return err
		}
		r.seen.r = src
		r.tr = tar.NewReader(&r.seen)
	}
	if r.inEntry {
		_, err := r.tr.Read(discard)
		if err == io.EOF {
			r.inEntry = false
			return nil
		}
		return err
	}
	h, err := r.tr.Next()
	if err == io.EOF {
		if !r.found {
			return &Refused{fmt.Sprintf("the build context holds no Dockerfile at %q", r.want[0])}
		}
		r.done = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the build context: %w", err)
	}
	name := cleanName(h.Name)
	link := h.Typeflag == tar.TypeSymlink || h.Typeflag == tar.TypeLink
	for _, w := range r.want {
		switch {
		case name == w && (h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA):
			b, err := io.ReadAll(io.LimitReader(r.tr, MaxDockerfile+1))
			if err != nil {
				return fmt.Errorf("reading the build context: %w", err)
			}
			if len(b) > MaxDockerfile {
				return &Refused{fmt.Sprintf("a Dockerfile larger than %d bytes", MaxDockerfile)}
			}
			if err := Check(b); err != nil {
				return err
			}
			for _, check := range r.more {
				if err := check(b); err != nil {
					var refused *Refused
					if !errors.As(err, &refused) {
						err = &Refused{err.Error()}
					}
					return err
				}
			}
			r.found = true
			return nil
		case name == w && h.Typeflag != tar.TypeDir:
			return &Refused{fmt.Sprintf("a Dockerfile %q that is not a regular file", w)}
		case link && len(w) > len(name) && w[:len(name)+1] == name+"/":
			return &Refused{fmt.Sprintf("a link %q on the Dockerfile's path", name)}
		}
	}
	r.inEntry = true
	return nil
}

// decompress detects the compression as dockerd does (by magic number)
// and returns the tar stream.
func decompress(src io.Reader) (io.Reader, error) {
	br := bufio.NewReader(src)
	head, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b, 0x08}):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading the build context: %w", err)
		}
		return z, nil
	case bytes.HasPrefix(head, []byte("BZh")):
		return bzip2.NewReader(br), nil
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return nil, &Refused{"an xz-compressed build context (send it uncompressed or gzip-compressed)"}
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}), len(head) >= 4 && head[0]&0xf0 == 0x50 && head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18:
		return nil, &Refused{"a zstd-compressed build context (send it uncompressed or gzip-compressed)"}
	}
	return br, nil
}
