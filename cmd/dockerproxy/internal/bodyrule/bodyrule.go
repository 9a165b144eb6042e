// Package bodyrule decides on the JSON bodies of Docker API requests that
// can give a container the host: container create and update, exec create,
// services, volumes, networks and plugins.
//
// The decision is made on what dockerd will decode, which is what Go's
// encoding/json makes of the body: keys match field names case-insensitively,
// the last of duplicate keys wins, and container create reads HostConfig
// fields both from "HostConfig" and, for old clients, from the top level
// (dockerd 20.10's runconfig.ContainerConfigWrapper). Rather than follow
// every such rule, a body whose objects repeat a key (exactly or up to case)
// is refused, and the checks decode into the Engine API's own types
// (github.com/moby/moby/api/types), so that the fields read are the ones
// dockerd reads. A create body with a field those types do not know is
// refused: a daemon may act on it, and the rules cannot say what it does.
//
// Some decisions depend on objects a body names rather than on the body:
// a container joining another's namespaces (container:<name>) or volumes
// (VolumesFrom) gets what that container has, a service on a network
// named by ID or ID prefix gets that network. Those are looked up through
// [Lookup], and a container reference is pinned to the ID that was judged,
// so that a rename between the check and dockerd's create cannot swap the
// target. A check therefore returns the body to forward: the one it was
// given, or one with edits applied by [edit] and checked again.
//
// The caller forwards exactly the bytes a check returns (CVE-2024-41110:
// an authorization decision made on a body other than the one the daemon
// acts on).
package bodyrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
)

// Options are the exceptions a deployment grants, and the daemon the
// checks look objects up in.
type Options struct {
	// BindPaths are host directories that bind mounts may use, with
	// everything under them. Empty: no host path may be mounted.
	BindPaths []string
	// ResolveSymlinks resolves a bind source's symbolic links on this
	// host before comparing it with BindPaths; set it when the proxy runs
	// on the daemon's host (a unix socket upstream), or a link created
	// inside an allowed directory would lead out of it.
	ResolveSymlinks bool
	// LogDrivers are logging drivers allowed, with any options, besides
	// the daemon's default and the local drivers (json-file, local,
	// journald, none) with options that only shape the local files.
	LogDrivers []string
	// Lookup finds the objects a body names; nil refuses every body that
	// needs one looked up.
	Lookup Lookup
	// Owner is the client the request is decided for when ownership is
	// on; nil when it is off. Created objects get its label, and a body
	// may name only its objects (see OwnContainer and the others).
	Owner *owner.Client
}

// Denied is a setting the policy does not allow.
type Denied struct {
	What string
	// Unknown: the setting is a field the Engine API's types do not have.
	Unknown bool
}

func (d *Denied) Error() string { return d.What + " is not allowed" }

// Malformed is a body that is not one well-formed JSON value with unique
// keys, or that the Engine API's types do not decode; the proxy answers
// 400.
type Malformed struct{ Err error }

func (m *Malformed) Error() string { return "malformed JSON body: " + m.Err.Error() }

func (m *Malformed) Unwrap() error { return m.Err }

// Check is a decision on one endpoint's body. It returns the body to
// forward: body itself, or body with references pinned.
type Check func(body []byte, o Options) ([]byte, error)

// Valid accepts any well-formed body: one JSON value (or nothing), no
// repeated keys.
func Valid(body []byte, _ Options) ([]byte, error) { return body, scan(body) }

// scan checks that body is empty or one JSON value with nothing after it,
// and that no object repeats a key, exactly or up to case (encoding/json
// would match both to the same field, and the last would win), or holds a
// key with a character that encoding/json folds onto ASCII (the Kelvin
// sign matches "k", the long s matches "s").
func scan(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		return &Malformed{errors.New("not UTF-8")}
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := scanValue(d, 0); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return &Malformed{errors.New("data after the JSON value")}
	}
	return nil
}

const maxDepth = 64

func scanValue(d *json.Decoder, depth int) error {
	if depth > maxDepth {
		return &Malformed{errors.New("nested too deeply")}
	}
	tok, err := d.Token()
	if err != nil {
		return &Malformed{err}
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]string{}
		for d.More() {
			k, err := d.Token()
			if err != nil {
				return &Malformed{err}
			}
			key := k.(string)
			if strings.ContainsAny(key, "\u212a\u017f") {
				return &Malformed{fmt.Errorf("key %q folds onto another spelling", short(key))}
			}
			fold := strings.ToLower(key)
			if prev, ok := seen[fold]; ok {
				return &Malformed{fmt.Errorf("key %q repeated (as %q)", short(key), short(prev))}
			}
			seen[fold] = key
			if err := scanValue(d, depth+1); err != nil {
				return err
			}
		}
		_, err = d.Token()
	case json.Delim('['):
		for d.More() {
			if err := scanValue(d, depth+1); err != nil {
				return err
			}
		}
		_, err = d.Token()
	}
	if err != nil {
		return &Malformed{err}
	}
	return nil
}

// short keeps a client's key from filling the log and the error message.
func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// decodeKnown scans body and decodes it into v as dockerd would, ignoring
// fields v does not have: for bodies that configure an action on an
// object rather than create one (exec, update, connect), where clients of
// today send fields the types have dropped (the CLI's exec Detach).
func decodeKnown(body []byte, v any) error {
	if err := scan(body); err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Malformed{err}
	}
	return nil
}

// decode scans body and decodes it into v as dockerd would, refusing
// fields v does not have: for create bodies.
func decode(body []byte, v any) error {
	if err := scan(body); err != nil {
		return err
	}
	return decodeEdited(body, v)
}

// decodeEdited is decode without the scan, for a body apply made from a
// scanned one: its objects were re-encoded from Go maps whose keys are
// the scanned body's (unique, up to case) or the edit's, and every other
// value is as it was scanned.
func decodeEdited(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			// A field of a newer API, or none at all: a daemon may act on
			// it, and no rule here says what that does.
			return &Denied{What: fmt.Sprintf("field %s (unknown to Engine API %s)", short(strings.TrimPrefix(err.Error(), "json: unknown field ")), APIVersion), Unknown: true}
		}
		return &Malformed{err}
	}
	return nil
}

// volumeName is dockerd's pattern for named volumes; any other bind
// source is a host path.
var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// allowedPath reports whether the host path p is one of o.BindPaths or
// under one.
func allowedPath(p string, o Options) bool {
	if !filepath.IsAbs(p) {
		return false
	}
	p = filepath.Clean(p)
	if o.ResolveSymlinks {
		p = resolve(p)
	}
	for _, a := range o.BindPaths {
		a = filepath.Clean(a)
		if p == a || strings.HasPrefix(p, strings.TrimSuffix(a, "/")+"/") {
			return true
		}
	}
	return false
}

// resolve resolves the symbolic links in the longest existing prefix of
// p, as the kernel will when dockerd mounts it (dockerd creates what is
// missing).
func resolve(p string) string {
	rest := ""
	for cur := p; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		if _, err := os.Lstat(cur); err == nil {
			// Exists but cannot be resolved (a loop, no permission):
			// keep a path no allowed directory contains.
			return "/\x00unresolvable"
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
