package buildctx_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/buildctx"
)

type entry struct {
	name, body, link string
	typ              byte
}

func makeTar(t *testing.T, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: e.typ, Linkname: e.link}
		if e.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			io.WriteString(w, e.body)
		}
	}
	w.Close()
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	z := gzip.NewWriter(&out)
	z.Write(b)
	z.Close()
	return out.Bytes()
}

// cut is a request body whose sender stopped: its end comes as
// io.ErrUnexpectedEOF, as the daemon's HTTP server reads a chunked body
// the proxy abandoned.
type cut struct{ r io.Reader }

func (c cut) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// forwarded reads what the proxy would send, and whether the daemon's
// archive/tar would find the end of the archive in it.
func forwarded(t *testing.T, ctx []byte, dockerfile string) (sent []byte, err error, complete bool) {
	t.Helper()
	sent, err = io.ReadAll(buildctx.Reader(bytes.NewReader(ctx), dockerfile))
	tr := tar.NewReader(cut{bytes.NewReader(sent)})
	for {
		_, e := tr.Next()
		if e == io.EOF {
			return sent, err, true
		}
		if e != nil {
			return sent, err, false
		}
	}
}

func TestReader(t *testing.T) {
	big := strings.Repeat("x", 300<<10)
	ok := "FROM busybox:local\nCOPY big.bin /\nRUN true\n"
	bad := "FROM busybox:local\nADD http://127.0.0.1:9/secret /s\n"
	cases := []struct {
		name       string
		ctx        []byte
		dockerfile string
		refused    string // substring of the refusal, "" when allowed
	}{
		{"plain", makeTar(t, entry{name: "Dockerfile", body: ok}, entry{name: "big.bin", body: big}), "", ""},
		{"gzip", gz(makeTar(t, entry{name: "big.bin", body: big}, entry{name: "./Dockerfile", body: ok})), "", ""},
		{"add-url", makeTar(t, entry{name: "big.bin", body: big}, entry{name: "Dockerfile", body: bad}), "", "ADD from a URL"},
		{"add-url-gzip", gz(makeTar(t, entry{name: "big.bin", body: big}, entry{name: "Dockerfile", body: bad})), "", "ADD from a URL"},
		{"lowercase", makeTar(t, entry{name: "dockerfile", body: bad}), "", "ADD from a URL"},
		{"param", makeTar(t, entry{name: "Dockerfile", body: ok}, entry{name: "ci/Build.df", body: bad}), "ci/../ci/Build.df", "ADD from a URL"},
		{"param-ok", makeTar(t, entry{name: "Dockerfile", body: bad}, entry{name: "ci/Build.df", body: ok}), "/ci/Build.df", ""},
		{"second-copy", makeTar(t, entry{name: "Dockerfile", body: ok}, entry{name: "big.bin", body: big}, entry{name: "Dockerfile", body: bad}), "", "ADD from a URL"},
		{"symlink", makeTar(t, entry{name: "x", body: bad}, entry{name: "Dockerfile", typ: tar.TypeSymlink, link: "x"}), "", "not a regular file"},
		{"dir-link", makeTar(t, entry{name: "real/Dockerfile", body: bad}, entry{name: "ci", typ: tar.TypeSymlink, link: "real"}, entry{name: "ci/Dockerfile", body: ok}), "ci/Dockerfile", "a link"},
		{"missing", makeTar(t, entry{name: "big.bin", body: big}), "", "no Dockerfile"},
		{"xz", append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, make([]byte, 100)...), "", "xz"},
		{"continuation", makeTar(t, entry{name: "Dockerfile", body: "FROM x\nADD \\\n  # comment\n  htt\\p://127.0.0.1/ /s\n"}), "", "ADD"},
		{"variable", makeTar(t, entry{name: "Dockerfile", body: "FROM x\nARG U\nadd $U /s\n"}), "", "variable"},
		{"json", makeTar(t, entry{name: "Dockerfile", body: "FROM x\nADD [\"https://h/x\", \"/s\"]\n"}), "", "URL"},
		{"onbuild", makeTar(t, entry{name: "Dockerfile", body: "FROM x\nONBUILD ADD http://h/x /s\n"}), "", "URL"},
		{"backtick", makeTar(t, entry{name: "Dockerfile", body: "# escape=`\nFROM x\nADD `\n http://h/x /s\n"}), "", "URL"},
		{"local-add", makeTar(t, entry{name: "Dockerfile", body: "FROM x\nADD --chown=1:1 a.tar /x/\nLABEL url=http://example/\nRUN wget http://h/\n"}), "", ""},
	}
	for _, c := range cases {
		sent, err, complete := forwarded(t, c.ctx, c.dockerfile)
		var refused *buildctx.Refused
		if c.refused == "" {
			if err != nil || !complete {
				t.Errorf("%s: %v (complete archive forwarded: %v)", c.name, err, complete)
			}
			continue
		}
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), c.refused) {
			t.Errorf("%s: %v, want a refusal with %q", c.name, err, c.refused)
		}
		// The daemon must not get a complete archive of a refused context.
		if complete && len(sent) > 0 {
			t.Errorf("%s: refused, but %d bytes forwarded hold a complete archive", c.name, len(sent))
		}
	}
}

// TestReaderForwardsPlainBytes: an uncompressed context is forwarded byte
// for byte, up to the end of its archive.
func TestReaderForwardsPlainBytes(t *testing.T) {
	ctx := makeTar(t, entry{name: "Dockerfile", body: "FROM x\n"}, entry{name: "a", body: strings.Repeat("y", 100000)})
	got, err := io.ReadAll(buildctx.Reader(bytes.NewReader(ctx), ""))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, ctx[:len(got)]) || len(ctx)-len(got) > 10240 {
		t.Fatalf("forwarded %d bytes of %d, not a prefix holding the archive", len(got), len(ctx))
	}
}
