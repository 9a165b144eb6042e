package loadtar

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Refused is an archive the check does not allow.
type Refused struct{ What string }

func (e *Refused) Error() string { return e.What }

const (
	// maxFile is the largest file kept: manifests and configs are a few
	// KiB.
	maxFile = 1 << 20
	// maxKept bounds the files kept in all.
	maxKept = 64 << 20
)

// Archive is what an image archive says it loads.
type Archive struct {
	// files holds the small files, by clean name.
	files map[string][]byte
}

// Image is an image the archive loads: the tags it moves (familiar or
// full references, as written), its ID (the digest of its config) and
// its config's labels.
type Image struct {
	Tags   []string
	ID     string
	Labels map[string]string
}

// Images returns the images the archive loads and the tags each moves,
// as dockerd reads them: manifest.json (docker save), and index.json
// (OCI layout, read by daemons with the containerd image store) followed
// to the configs of its manifests. An archive dockerd 20.10 would load
// through its legacy "repositories" file alone, or whose repositories
// file names tags manifest.json does not, is refused: which image a tag would name
// could not be told.
func (a *Archive) Images() ([]Image, error) {
	var out []Image
	manifest, hasManifest := a.files["manifest.json"]
	tags := map[string]bool{}
	if hasManifest {
		var entries []struct {
			Config   string
			RepoTags []string
		}
		if err := json.Unmarshal(manifest, &entries); err != nil {
			return nil, &Refused{"an image archive whose manifest.json does not parse"}
		}
		for _, e := range entries {
			id, labels, err := a.config(e.Config)
			if err != nil {
				return nil, err
			}
			out = append(out, Image{Tags: e.RepoTags, ID: id, Labels: labels})
			for _, t := range e.RepoTags {
				tags[t] = true
			}
		}
	}
	if repos, ok := a.files["repositories"]; ok {
		if !hasManifest {
			return nil, &Refused{"an image archive in the legacy format (repositories without manifest.json)"}
		}
		var r map[string]map[string]string
		if err := json.Unmarshal(repos, &r); err != nil {
			return nil, &Refused{"an image archive whose repositories file does not parse"}
		}
		for repo, ts := range r {
			for t := range ts {
				if !tags[repo+":"+t] {
					return nil, &Refused{fmt.Sprintf("an image archive whose repositories file names %s:%s, which manifest.json does not", short(repo), short(t))}
				}
			}
		}
	}
	if idx, ok := a.files["index.json"]; ok {
		imgs, err := a.index(idx, 0, "")
		if err != nil {
			return nil, err
		}
		out = append(out, imgs...)
	}
	return out, nil
}

type descriptor struct {
	MediaType   string
	Digest      string
	Annotations map[string]string
}

// index follows an OCI index to the configs of its manifests; the name
// of a descriptor of index.json applies to every image under it.
func (a *Archive) index(b []byte, depth int, name string) ([]Image, error) {
	if depth > 4 {
		return nil, &Refused{"an image archive with indexes nested too deeply"}
	}
	var idx struct{ Manifests []descriptor }
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, &Refused{"an image archive whose index does not parse"}
	}
	var out []Image
	for _, d := range idx.Manifests {
		n := name
		if v := d.Annotations["io.containerd.image.name"]; v != "" {
			n = v
		} else if v := d.Annotations["org.opencontainers.image.ref.name"]; v != "" && n == "" {
			n = v
		}
		blob, err := a.blob(d.Digest)
		if err != nil {
			return nil, err
		}
		var m struct {
			Manifests []descriptor
			Config    *descriptor
		}
		if err := json.Unmarshal(blob, &m); err != nil {
			return nil, &Refused{"an image archive with a manifest that does not parse"}
		}
		if m.Config == nil {
			imgs, err := a.index(blob, depth+1, n)
			if err != nil {
				return nil, err
			}
			out = append(out, imgs...)
			continue
		}
		id, labels, err := a.config("blobs/" + strings.Replace(m.Config.Digest, ":", "/", 1))
		if err != nil {
			return nil, err
		}
		img := Image{ID: id, Labels: labels}
		if n != "" {
			img.Tags = []string{n}
		}
		out = append(out, img)
	}
	return out, nil
}

func (a *Archive) blob(digest string) ([]byte, error) {
	alg, hex, ok := strings.Cut(digest, ":")
	if !ok {
		return nil, &Refused{fmt.Sprintf("an image archive with a digest %q", short(digest))}
	}
	b, ok := a.files["blobs/"+alg+"/"+hex]
	if !ok {
		return nil, &Refused{fmt.Sprintf("an image archive without the blob %s (or one too large to be a manifest)", short(digest))}
	}
	return b, nil
}

// config returns the ID (the config's digest, as dockerd computes it)
// and the labels of the image config in file name.
func (a *Archive) config(name string) (id string, labels map[string]string, err error) {
	b, ok := a.files[clean(name)]
	if !ok {
		return "", nil, &Refused{fmt.Sprintf("an image archive without the config %q", short(name))}
	}
	var c struct {
		Config *struct{ Labels map[string]string } `json:"config"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", nil, &Refused{fmt.Sprintf("an image archive whose config %q does not parse", short(name))}
	}
	sum := sha256.Sum256(b)
	id = "sha256:" + hex.EncodeToString(sum[:])
	if c.Config == nil {
		return id, nil, nil
	}
	return id, c.Config.Labels, nil
}

// Reader returns the archive to forward in place of body, checked as it
// is read: at the end of the archive check decides, and an error it
// returns fails the read before the end of the archive is forwarded.
func Reader(body io.Reader, check func(*Archive) error) io.Reader {
	return &reader{src: body, check: check, arch: &Archive{files: map[string][]byte{}}}
}

type reader struct {
	src   io.Reader
	check func(*Archive) error
	arch  *Archive
	kept  int

	tr      *tar.Reader
	seen    capture
	pending []byte
	inEntry bool
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
		var refused *Refused
		if errors.As(r.err, &refused) {
			r.pending = nil // nothing after a refusal, the end of the archive included
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

var discard = make([]byte, 32<<10)

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
		if err := r.check(r.arch); err != nil {
			var refused *Refused
			if !errors.As(err, &refused) {
				err = &Refused{err.Error()}
			}
			return err
		}
		r.done = true
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the image archive: %w", err)
	}
	name := clean(h.Name)
	if (h.Typeflag == tar.TypeReg || h.Typeflag == tar.TypeRegA) && h.Size <= maxFile && kept(name) {
		b, err := io.ReadAll(r.tr)
		if err != nil {
			return fmt.Errorf("reading the image archive: %w", err)
		}
		if r.kept += len(b); r.kept > maxKept {
			return &Refused{"an image archive with more metadata than the proxy reads"}
		}
		if _, dup := r.arch.files[name]; dup {
			return &Refused{fmt.Sprintf("an image archive holding %q twice", short(name))}
		}
		r.arch.files[name] = b
		return nil
	}
	if kept(name) && (name == "manifest.json" || name == "index.json" || name == "repositories") {
		return &Refused{fmt.Sprintf("an image archive whose %s is not a small regular file", name)}
	}
	r.inEntry = true
	return nil
}

// kept reports whether a file may say what the archive loads.
func kept(name string) bool {
	return name == "manifest.json" || name == "index.json" || name == "repositories" ||
		(!strings.Contains(name, "/") && strings.HasSuffix(name, ".json")) || strings.HasPrefix(name, "blobs/")
}

func clean(n string) string { return path.Clean("/" + n)[1:] }

func decompress(src io.Reader) (io.Reader, error) {
	br := bufio.NewReader(src)
	head, _ := br.Peek(6)
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b, 0x08}):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading the image archive: %w", err)
		}
		return z, nil
	case bytes.HasPrefix(head, []byte("BZh")):
		return bzip2.NewReader(br), nil
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}), bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, &Refused{"an xz- or zstd-compressed image archive (send it uncompressed or gzip-compressed)"}
	}
	return br, nil
}

// Tags lists every tag in imgs, sorted; for messages and tests.
func Tags(imgs []Image) []string {
	var out []string
	for _, i := range imgs {
		out = append(out, i.Tags...)
	}
	sort.Strings(out)
	return out
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
