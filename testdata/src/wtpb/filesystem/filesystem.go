// Package filesystem serves the files of a blob store.
package filesystem

import (
	"io"
	"net/http"
	"time"
)

// Reader reads one blob.
type Reader struct {
	io.ReadSeekCloser
	modTime time.Time
}

// ModTime is when the blob was written.
func (r *Reader) ModTime() time.Time { return r.modTime }

// Bucket is where blobs live.
type Bucket interface {
	Open(key string) (io.ReadSeekCloser, error)
}

// System serves blobs of a bucket.
type System struct{ bucket Bucket }

// New returns a system over bucket.
func New(b Bucket) *System { return &System{bucket: b} }

// GetReader opens the blob at key.
func (s *System) GetReader(key string) (*Reader, error) {
	rc, err := s.bucket.Open(key)
	if err != nil {
		return nil, err
	}
	return &Reader{ReadSeekCloser: rc}, nil
}

// Serve serves the blob at key with http.ServeContent.
func (s *System) Serve(res http.ResponseWriter, req *http.Request, key, name string) error {
	br, err := s.GetReader(key)
	if err != nil {
		return err
	}
	defer br.Close()
	res.Header().Set("Content-Disposition", "attachment; filename="+name)
	http.ServeContent(res, req, name, br.ModTime(), br)
	return nil
}
