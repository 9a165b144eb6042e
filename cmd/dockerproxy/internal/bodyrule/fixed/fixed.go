// Package fixed is a daemon's answers, fixed, for the tests and
// benchmarks of the rules (bodyrule.Lookup): the rules are tested
// against known states here, and against the real dockerd end to end.
package fixed

import (
	"strings"
	"sync"

	"github.com/moby/moby/api/types/volume"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
)

// State holds the objects a daemon has. Lookups resolve references as
// dockerd does: full ID, then name, then unique ID prefix.
type State struct {
	mu         sync.Mutex
	Containers []*bodyrule.ContainerInfo
	Nets       []bodyrule.NetworkInfo
	Images     []*bodyrule.ImageInfo
	Volumes    []*bodyrule.VolumeInfo
	Execs      []*bodyrule.ExecInfo
	Objects    map[string][]*bodyrule.ObjectInfo // by kind
	// Created lists the volumes CreateVolume made.
	Created []volume.CreateRequest
	// Calls counts lookups; Forgotten the kinds Forget was told of.
	Calls     int
	Forgotten []string
}

func resolve[T any](items []T, ref string, id, name func(T) string) (T, error) {
	var zero T
	for _, it := range items {
		if id(it) == ref {
			return it, nil
		}
	}
	for _, it := range items {
		if name(it) == ref || name(it) == "/"+ref {
			return it, nil
		}
	}
	var found []T
	for _, it := range items {
		if ref != "" && strings.HasPrefix(strings.TrimPrefix(id(it), "sha256:"), strings.TrimPrefix(ref, "sha256:")) {
			found = append(found, it)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return zero, bodyrule.ErrNotFound
}

func (s *State) count() { s.mu.Lock(); s.Calls++; s.mu.Unlock() }

func (s *State) Container(ref string) (*bodyrule.ContainerInfo, error) {
	s.count()
	return resolve(s.Containers, ref, func(c *bodyrule.ContainerInfo) string { return c.ID }, func(c *bodyrule.ContainerInfo) string { return c.Name })
}

func (s *State) Networks(ref string) ([]bodyrule.NetworkInfo, error) {
	s.count()
	var out []bodyrule.NetworkInfo
	for _, n := range s.Nets {
		if n.ID == ref || n.Name == ref || strings.HasPrefix(n.ID, ref) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (s *State) Network(ref string) (*bodyrule.NetworkInfo, error) {
	s.count()
	ptrs := make([]*bodyrule.NetworkInfo, len(s.Nets))
	for i := range s.Nets {
		ptrs[i] = &s.Nets[i]
	}
	return resolve(ptrs, ref, func(n *bodyrule.NetworkInfo) string { return n.ID }, func(n *bodyrule.NetworkInfo) string { return n.Name })
}

func (s *State) Image(ref string) (*bodyrule.ImageInfo, error) {
	s.count()
	tag, _ := bodyrule.FamiliarTag(ref)
	for _, img := range s.Images {
		for _, t := range img.RepoTags {
			if t == tag {
				return img, nil
			}
		}
	}
	return resolve(s.Images, ref, func(i *bodyrule.ImageInfo) string { return i.ID }, func(*bodyrule.ImageInfo) string { return "\x00" })
}

func (s *State) ImageIDs(owner string) ([]string, error) {
	s.count()
	var out []string
	for _, img := range s.Images {
		if img.Labels["io.github.streamvet.dockerproxy.owner"] == owner {
			out = append(out, img.ID)
		}
	}
	return out, nil
}

func (s *State) Volume(name string) (*bodyrule.VolumeInfo, error) {
	s.count()
	for _, v := range s.Volumes {
		if v.Name == name {
			return v, nil
		}
	}
	return nil, bodyrule.ErrNotFound
}

func (s *State) Exec(id string) (*bodyrule.ExecInfo, error) {
	s.count()
	for _, e := range s.Execs {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, bodyrule.ErrNotFound
}

func (s *State) Object(kind, ref string) (*bodyrule.ObjectInfo, error) {
	s.count()
	return resolve(s.Objects[kind], ref, func(o *bodyrule.ObjectInfo) string { return o.ID }, func(o *bodyrule.ObjectInfo) string { return o.Name })
}

func (s *State) CreateVolume(req volume.CreateRequest) (*bodyrule.VolumeInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Created = append(s.Created, req)
	for _, v := range s.Volumes {
		if v.Name == req.Name {
			return v, nil
		}
	}
	v := &bodyrule.VolumeInfo{Name: req.Name, Driver: req.Driver, Labels: req.Labels}
	s.Volumes = append(s.Volumes, v)
	return v, nil
}

func (s *State) Forget(kind string) {
	s.mu.Lock()
	s.Forgotten = append(s.Forgotten, kind)
	s.mu.Unlock()
}
