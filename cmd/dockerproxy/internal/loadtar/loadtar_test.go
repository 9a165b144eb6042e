package loadtar_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/loadtar"
)

type file struct{ name, body string }

// digest is an image's ID: its config's digest.
func digest(config string) string {
	sum := sha256.Sum256([]byte(config))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func archive(t *testing.T, files ...file) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	tw.Close()
	return b.Bytes()
}

const config = `{"architecture":"amd64","config":{"Labels":{"owner":"a"}},"rootfs":{"type":"layers"}}`

// read loads ar through the reader and returns what the check saw, what
// was forwarded, and the read's error.
func read(t *testing.T, ar []byte, verdict error) ([]loadtar.Image, []byte, error) {
	t.Helper()
	var imgs []loadtar.Image
	var ierr error
	r := loadtar.Reader(bytes.NewReader(ar), func(a *loadtar.Archive) error {
		imgs, ierr = a.Images()
		if ierr != nil {
			return ierr
		}
		return verdict
	})
	out, err := io.ReadAll(r)
	return imgs, out, err
}

func TestDockerSave(t *testing.T) {
	ar := archive(t,
		file{"abc/layer.tar", strings.Repeat("x", 3000)},
		file{"cfg1.json", config},
		file{"cfg2.json", `{"config":{}}`},
		file{"manifest.json", `[{"Config":"cfg1.json","RepoTags":["a/app:1","a/app:latest"],"Layers":["abc/layer.tar"]},{"Config":"cfg2.json","RepoTags":null}]`},
		file{"repositories", `{"a/app":{"1":"abc"}}`},
	)
	imgs, out, err := read(t, ar, nil)
	if err != nil || !bytes.Equal(out, ar) {
		t.Fatalf("%v, forwarded %d of %d bytes", err, len(out), len(ar))
	}
	want := []loadtar.Image{{Tags: []string{"a/app:1", "a/app:latest"}, ID: digest(config), Labels: map[string]string{"owner": "a"}}, {ID: digest(`{"config":{}}`)}}
	if !reflect.DeepEqual(imgs, want) {
		t.Errorf("%+v, want %+v", imgs, want)
	}
	// Refused: nothing of the end of the archive reaches the daemon.
	_, out, err = read(t, ar, errors.New("no"))
	var refused *loadtar.Refused
	if !errors.As(err, &refused) || len(out) >= len(ar)-1024 || !bytes.Equal(out, ar[:len(out)]) {
		t.Errorf("refused: %v, forwarded %d of %d bytes", err, len(out), len(ar))
	}
	// Compressed: the plain tar is forwarded.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(ar)
	zw.Close()
	if _, out, err := read(t, gz.Bytes(), nil); err != nil || !bytes.Equal(out, ar) {
		t.Errorf("gzip: %v, %d bytes", err, len(out))
	}
}

func TestRefusedArchives(t *testing.T) {
	for what, ar := range map[string][]byte{
		"legacy":           archive(t, file{"abc/json", `{}`}, file{"repositories", `{"x":{"1":"abc"}}`}),
		"repositories tag": archive(t, file{"c.json", config}, file{"manifest.json", `[{"Config":"c.json","RepoTags":["a:1"]}]`}, file{"repositories", `{"evil":{"1":"abc"}}`}),
		"missing config":   archive(t, file{"manifest.json", `[{"Config":"gone.json","RepoTags":["a:1"]}]`}),
		"twice":            archive(t, file{"manifest.json", `[]`}, file{"manifest.json", `[]`}),
		"bad index":        archive(t, file{"index.json", `{"manifests":[{"digest":"sha256:00"}]}`}),
	} {
		if _, _, err := read(t, ar, nil); err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
}

func TestOCIIndex(t *testing.T) {
	ar := archive(t,
		file{"blobs/sha256/c0", config},
		file{"blobs/sha256/m0", `{"config":{"digest":"sha256:c0"},"layers":[]}`},
		file{"blobs/sha256/i0", `{"manifests":[{"digest":"sha256:m0"}]}`},
		file{"index.json", `{"manifests":[{"digest":"sha256:i0","annotations":{"io.containerd.image.name":"docker.io/a/app:2"}}]}`},
	)
	imgs, _, err := read(t, ar, nil)
	want := []loadtar.Image{{Tags: []string{"docker.io/a/app:2"}, ID: digest(config), Labels: map[string]string{"owner": "a"}}}
	if err != nil || !reflect.DeepEqual(imgs, want) {
		t.Errorf("%+v %v, want %+v", imgs, err, want)
	}
}
