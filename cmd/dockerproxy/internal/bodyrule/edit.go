package bodyrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// edit sets the value at path (object keys from the top, matched as
// encoding/json matches them, up to case) in a JSON body. It is the one
// place a body is changed before it is forwarded: the pinning of
// container references here, and any later rewrite (a label naming the
// client that creates an object) goes through it, followed by a check of
// the edited body.
type edit struct {
	path  []string
	value any
}

// Edit is an edit for callers outside the package: set value at path,
// adding the last key when the object lacks it.
type Edit struct {
	Path  []string
	Value any
}

// Apply applies edits to body, which must be a JSON object; the objects
// on each path are re-encoded (keys sorted), every other value is kept as
// it was.
func Apply(body []byte, edits []Edit) ([]byte, error) {
	es := make([]edit, len(edits))
	for i, e := range edits {
		es[i] = edit{e.Path, e.Value}
	}
	return apply(body, es)
}

func apply(body []byte, edits []edit) ([]byte, error) {
	out := bytes.TrimSpace(body)
	if len(out) == 0 {
		out = []byte("{}")
	}
	for _, e := range edits {
		v, err := json.Marshal(e.value)
		if err != nil {
			return nil, err
		}
		if out, err = setAt(out, e.path, v); err != nil {
			return nil, &Malformed{err}
		}
	}
	return out, nil
}

func setAt(obj []byte, path []string, v json.RawMessage) ([]byte, error) {
	if len(path) == 0 {
		return v, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil || m == nil {
		return nil, errors.New("edit: not an object at " + path[0])
	}
	key := path[0]
	for k := range m {
		if strings.EqualFold(k, path[0]) { // keys are unique up to case (scan)
			key = k
			break
		}
	}
	cur, ok := m[key]
	if !ok || bytes.Equal(bytes.TrimSpace(cur), []byte("null")) {
		cur = []byte("{}")
	}
	nv, err := setAt(cur, path[1:], v)
	if err != nil {
		return nil, err
	}
	m[key] = nv
	return json.Marshal(m)
}
