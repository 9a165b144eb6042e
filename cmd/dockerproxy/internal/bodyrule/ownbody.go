package bodyrule

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/volume"
)

// ownCreate applies ownership to a container create: the owner's label,
// and every object the body names the client's (the image may be
// shared). It returns the edits to make and the named volumes to create
// before the container: dockerd would make a missing one without a label.
func ownCreate(body []byte, w *createBody, o Options) ([]edit, []volume.CreateRequest, error) {
	var labels map[string]string
	if w.Config != nil {
		labels = w.Config.Labels
	}
	edits, err := labelEdit(labels, []string{"Labels"}, o)
	if err != nil {
		return nil, nil, err
	}
	if o.Owner.Admin {
		return edits, nil, nil
	}
	if w.Config != nil && w.Config.Image != "" {
		img, err := OwnImage(w.Config.Image, "Image", o, ImageRead)
		if err != nil {
			return nil, nil, err
		}
		if img.ByID(w.Config.Image) {
			edits = append(edits, edit{path: []string{"Image"}, value: img.ID})
		}
	}
	var vols []volume.CreateRequest
	for _, h := range []struct {
		at string
		hc *container.HostConfig
	}{{"HostConfig", w.InnerHostConfig}, {"", w.HostConfig}} {
		if h.hc == nil {
			continue
		}
		at := splitPath(h.at)
		if nm := string(h.hc.NetworkMode); nm != "" && !PredefinedNetwork(nm) {
			if _, isContainer := containerRef(nm); !isContainer {
				// dockerd resolves the name when the container starts, every
				// time: pinned, a network of that name made later by
				// another client cannot take its place.
				n, err := OwnNetwork(nm, "NetworkMode", o, true)
				if err != nil {
					return nil, nil, inBody(err)
				}
				if n.ID != nm {
					edits = append(edits, edit{path: append(at, "NetworkMode"), value: n.ID})
				}
			}
		}
		if err := ownLinks(h.hc.Links, "Links", o); err != nil {
			return nil, nil, inBody(err)
		}
		for _, b := range h.hc.Binds {
			src, _, ok := strings.Cut(b, ":")
			if !ok || !volumeName.MatchString(src) {
				continue // a host path (judged elsewhere) or an anonymous volume
			}
			if _, err := OwnVolume(src, "Binds", o); err != nil {
				var nf *NotFound
				if !errors.As(err, &nf) {
					return nil, nil, err
				}
				vols = append(vols, volume.CreateRequest{Name: src, Driver: h.hc.VolumeDriver})
			}
		}
		ms, changed, more, err := ownMounts(h.hc.Mounts, "Mounts", o, true)
		if err != nil {
			return nil, nil, inBody(err)
		}
		vols = append(vols, more...)
		if changed {
			edits = append(edits, edit{path: append(at, "Mounts"), value: ms})
		}
	}
	if w.NetworkingConfig != nil && len(w.NetworkingConfig.EndpointsConfig) > 0 {
		e, err := ownEndpoints(body, w, o)
		if err != nil {
			return nil, nil, inBody(err)
		}
		edits = append(edits, e...)
	}
	return edits, vols, nil
}

// inBody turns a missing object a create body names into a refusal: a
// 404 answer to a create means a missing image to the CLI, which would
// try to pull it.
func inBody(err error) error {
	var nf *NotFound
	if errors.As(err, &nf) {
		return &Denied{What: fmt.Sprintf("%s %q (no such %s)", nouns[nf.Kind], short(nf.Ref), nouns[nf.Kind])}
	}
	return err
}

// ownEndpoints checks the networks a create connects the container to,
// and pins each (the map's key) to its ID, as NetworkMode.
func ownEndpoints(body []byte, w *createBody, o Options) ([]edit, error) {
	renamed := map[string]string{}
	for name, ep := range w.NetworkingConfig.EndpointsConfig {
		if ep != nil {
			if err := ownLinks(ep.Links, "NetworkingConfig.EndpointsConfig.Links", o); err != nil {
				return nil, err
			}
		}
		if PredefinedNetwork(name) {
			continue
		}
		n, err := OwnNetwork(name, "NetworkingConfig.EndpointsConfig", o, true)
		if err != nil {
			return nil, err
		}
		if n.ID != name {
			renamed[name] = n.ID
		}
	}
	if len(renamed) == 0 {
		return nil, nil
	}
	var raw struct {
		NetworkingConfig struct{ EndpointsConfig map[string]json.RawMessage }
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, &Malformed{err}
	}
	out := map[string]json.RawMessage{}
	for k, v := range raw.NetworkingConfig.EndpointsConfig {
		if id, ok := renamed[k]; ok {
			k = id
		}
		if _, dup := out[k]; dup {
			return nil, &Denied{What: fmt.Sprintf("NetworkingConfig.EndpointsConfig naming network %q twice", short(k))}
		}
		out[k] = v
	}
	return []edit{{path: []string{"NetworkingConfig", "EndpointsConfig"}, value: out}}, nil
}

// ownLinks checks legacy links ("name:alias"): a link gives the
// container the other's address and environment. A link must name its
// container by name or full ID: an ID prefix, which a container named
// like it later would shadow, is refused rather than pinned, since the
// alias defaults to the name.
func ownLinks(links []string, field string, o Options) error {
	for _, l := range links {
		name, _, _ := strings.Cut(l, ":")
		name = strings.TrimPrefix(name, "/")
		c, err := OwnContainer(name, field, o)
		if err != nil {
			return err
		}
		if c.ID != name && strings.TrimPrefix(c.Name, "/") != name {
			return &Denied{What: fmt.Sprintf("%s %q (an ID prefix; name the container by its name or full ID)", field, short(l))}
		}
	}
	return nil
}

// ownMounts checks the volumes and images mounts name and labels the
// volumes they make: a named volume that exists must be the client's, a
// missing one is returned to create first (create) or, for a service
// whose nodes make it, labelled through VolumeOptions; an anonymous one
// is labelled through VolumeOptions. changed says whether ms was edited.
func ownMounts(ms []mount.Mount, field string, o Options, create bool) (out []mount.Mount, changed bool, vols []volume.CreateRequest, err error) {
	out = append([]mount.Mount(nil), ms...)
	for i := range out {
		m := &out[i]
		switch m.Type {
		case mount.TypeImage:
			if _, err := OwnImage(m.Source, field, o, ImageRead); err != nil {
				return nil, false, nil, err
			}
		case mount.TypeVolume:
			if m.Source != "" {
				_, err := OwnVolume(m.Source, field, o)
				var nf *NotFound
				switch {
				case err == nil:
					continue
				case !errors.As(err, &nf):
					return nil, false, nil, err
				case create:
					req := volume.CreateRequest{Name: m.Source}
					if v := m.VolumeOptions; v != nil {
						req.Labels = v.Labels
						if v.DriverConfig != nil {
							req.Driver, req.DriverOpts = v.DriverConfig.Name, v.DriverConfig.Options
						}
					}
					vols = append(vols, req)
					continue
				}
			}
			var labels map[string]string
			if m.VolumeOptions != nil {
				labels = m.VolumeOptions.Labels
			}
			l, err := o.Owner.Labelled(labels)
			if err != nil {
				return nil, false, nil, &Denied{What: field + ".VolumeOptions " + err.Error()}
			}
			if !equalLabels(l, labels) {
				vo := mount.VolumeOptions{}
				if m.VolumeOptions != nil {
					vo = *m.VolumeOptions
				}
				vo.Labels = l
				m.VolumeOptions = &vo
				changed = true
			}
		}
	}
	return out, changed, vols, nil
}

// createVolumes creates the named volumes a container create would have
// dockerd make, with the owner's label. A volume of that name made by
// another client in the meantime is returned by the create as it is, and
// refused.
func createVolumes(vols []volume.CreateRequest, o Options) error {
	for _, req := range vols {
		l, err := o.Owner.Labelled(req.Labels)
		if err != nil {
			return &Denied{What: "volume " + err.Error()}
		}
		req.Labels = l
		if o.Lookup == nil {
			return noDaemon(KindVolume, req.Name, "")
		}
		v, err := o.Lookup.CreateVolume(req)
		if err != nil {
			return &Denied{What: fmt.Sprintf("volume %q (creating it: %v)", short(req.Name), err)}
		}
		if !o.Owner.Owns(v.Labels) {
			return notYours(KindVolume, req.Name, "", o.Owner, v.Labels)
		}
	}
	return nil
}
