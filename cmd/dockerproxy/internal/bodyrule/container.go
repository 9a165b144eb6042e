package bodyrule

import (
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"
)

// APIVersion is the Engine API version of the types bodies are decoded
// into (github.com/moby/moby/api in go.mod).
const APIVersion = "1.57"

// createBody is a container create body as dockerd 20.10 decodes it
// (runconfig.ContainerConfigWrapper): the Engine API's CreateRequest, plus
// the HostConfig fields old clients send at the top level, which dockerd
// 20.10 still reads.
type createBody struct {
	*container.Config
	InnerHostConfig  *container.HostConfig     `json:"HostConfig,omitempty"`
	NetworkingConfig *network.NetworkingConfig `json:"NetworkingConfig,omitempty"`
	*container.HostConfig
}

// ContainerCreate checks POST /containers/create. References to other
// containers (container:<name> modes, VolumesFrom) are looked up and
// pinned to the IDs that were judged.
func ContainerCreate(body []byte, o Options) ([]byte, error) {
	var w createBody
	if err := decode(body, &w); err != nil {
		return nil, err
	}
	// dockerd takes "HostConfig" when present and the top-level fields
	// otherwise; both are checked, so that no choice between them matters.
	var edits []edit
	for _, hc := range []struct {
		at string // where its fields are in the body
		hc *container.HostConfig
	}{{"HostConfig", w.InnerHostConfig}, {"", w.HostConfig}} {
		if hc.hc == nil {
			continue
		}
		if err := checkHostConfig(hc.hc, o); err != nil {
			return nil, err
		}
		pins, err := pinContainers(hc.hc, o, 0)
		if err != nil {
			return nil, err
		}
		for _, p := range pins {
			p.path = append(splitPath(hc.at), p.path...)
			edits = append(edits, p)
		}
	}
	var volumes []volume.CreateRequest
	if o.Owner != nil {
		more, vols, err := ownCreate(body, &w, o)
		if err != nil {
			return nil, err
		}
		edits, volumes = append(edits, more...), vols
	}
	if w.NetworkingConfig != nil {
		for name, ep := range w.NetworkingConfig.EndpointsConfig {
			if strings.EqualFold(strings.TrimSpace(name), "host") {
				return nil, &Denied{What: "NetworkingConfig.EndpointsConfig.host (the host's network)"}
			}
			if ep != nil {
				if err := endpointOptions(ep.DriverOpts, "NetworkingConfig.EndpointsConfig."+short(name)+".DriverOpts"); err != nil {
					return nil, err
				}
			}
		}
	}
	out := body
	if len(edits) > 0 {
		var err error
		if out, err = apply(body, edits); err != nil {
			return nil, err
		}
		// What is forwarded is decided on again: the edits only replaced
		// names by IDs of objects already judged and added the owner's
		// label.
		var again createBody
		if err := decodeEdited(out, &again); err != nil {
			return nil, err
		}
		for _, hc := range []*container.HostConfig{again.InnerHostConfig, again.HostConfig} {
			if hc == nil {
				continue
			}
			if err := checkHostConfig(hc, o); err != nil {
				return nil, err
			}
		}
	}
	// Last, once nothing refuses the create: the named volumes it would
	// make, made now with the owner's label.
	if err := createVolumes(volumes, o); err != nil {
		return nil, err
	}
	return out, nil
}

func splitPath(at string) []string {
	if at == "" {
		return nil
	}
	return []string{at}
}

// ContainerUpdate checks POST /containers/{id}/update.
func ContainerUpdate(body []byte, _ Options) ([]byte, error) {
	var u container.UpdateConfig
	if err := decodeKnown(body, &u); err != nil {
		return nil, err
	}
	return body, checkResources(&u.Resources)
}

// ExecCreate checks POST /containers/{id}/exec.
func ExecCreate(body []byte, _ Options) ([]byte, error) {
	var e container.ExecCreateRequest
	if err := decodeKnown(body, &e); err != nil {
		return nil, err
	}
	if e.Privileged {
		return nil, &Denied{What: "Privileged exec"}
	}
	return body, nil
}

// namespaceModes are a HostConfig's namespace settings: "host" shares the
// host's, "container:<name>" another container's.
func namespaceModes(hc *container.HostConfig) []struct{ field, mode string } {
	return []struct{ field, mode string }{
		{"NetworkMode", string(hc.NetworkMode)}, {"PidMode", string(hc.PidMode)}, {"IpcMode", string(hc.IpcMode)},
		{"UTSMode", string(hc.UTSMode)}, {"UsernsMode", string(hc.UsernsMode)}, {"CgroupnsMode", string(hc.CgroupnsMode)},
		{"Cgroup", string(hc.Cgroup)},
	}
}

// ContainerRef returns the container a mode such as a build's networkmode
// joins ("container:<ref>").
func ContainerRef(mode string) (string, bool) { return containerRef(mode) }

// JoinContainer looks ref up for field and returns its ID when a client
// could have created that container under o.
func JoinContainer(ref, field string, o Options) (string, error) {
	return judgeContainer(ref, field, o, 0)
}

// containerRef returns the container a mode joins ("container:<ref>"),
// matching the prefix loosely: a spelling dockerd would not take as a
// container is looked up all the same, which only refuses more.
func containerRef(mode string) (string, bool) {
	m := strings.TrimSpace(mode)
	if len(m) >= len("container:") && strings.EqualFold(m[:len("container:")], "container:") {
		return strings.TrimSpace(m[len("container:"):]), true
	}
	return "", false
}

// checkHostConfig applies the rules that need no lookup.
func checkHostConfig(hc *container.HostConfig, o Options) error {
	if hc.Privileged {
		return &Denied{What: "Privileged"}
	}
	for _, ns := range namespaceModes(hc) {
		if strings.EqualFold(strings.TrimSpace(ns.mode), "host") {
			return &Denied{What: ns.field + " host (the host's namespace)"}
		}
	}
	if len(hc.CapAdd) > 0 {
		return &Denied{What: fmt.Sprintf("CapAdd %v", hc.CapAdd)}
	}
	for _, opt := range hc.SecurityOpt {
		switch strings.ReplaceAll(strings.TrimSpace(opt), ":", "=") {
		case "no-new-privileges", "no-new-privileges=true":
			continue
		}
		return &Denied{What: fmt.Sprintf("SecurityOpt %q", opt)}
	}
	if hc.MaskedPaths != nil || hc.ReadonlyPaths != nil {
		return &Denied{What: "MaskedPaths and ReadonlyPaths (unmasking /proc and /sys)"}
	}
	if len(hc.Annotations) > 0 {
		// Passed to the OCI runtime, some of which (crun, kata) read
		// annotations that change what the container may do.
		return &Denied{What: "Annotations (read by the OCI runtime)"}
	}
	if d := strings.TrimSpace(hc.VolumeDriver); d != "" && d != "local" {
		return &Denied{What: fmt.Sprintf("VolumeDriver %q", hc.VolumeDriver)}
	}
	if err := checkResources(&hc.Resources); err != nil {
		return err
	}
	if err := logConfig(hc.LogConfig.Type, hc.LogConfig.Config, "LogConfig", o); err != nil {
		return err
	}
	for _, b := range hc.Binds {
		src, _, ok := strings.Cut(b, ":")
		if !ok || volumeName.MatchString(src) {
			continue // a container path alone, or a named volume
		}
		if !allowedPath(src, o) {
			return &Denied{What: fmt.Sprintf("bind mount of host path %q", src)}
		}
	}
	return checkMounts(hc.Mounts, "Mounts", o)
}

// maxJoinDepth bounds how far a chain of containers joining each other's
// namespaces is followed; a longer chain is refused.
const maxJoinDepth = 4

// pinContainers looks up every container hc joins (container:<ref> modes,
// VolumesFrom), refuses those the policy would not let a client create
// (a container gets the namespaces of the one it joins, and with its PID
// namespace its files through /proc/<pid>/root; VolumesFrom gets its
// mounts, host paths included), and returns edits that replace each
// reference with the ID judged.
func pinContainers(hc *container.HostConfig, o Options, depth int) ([]edit, error) {
	var edits []edit
	for _, ns := range namespaceModes(hc) {
		ref, ok := containerRef(ns.mode)
		if !ok {
			continue
		}
		id, err := judgeContainer(ref, ns.field, o, depth)
		if err != nil {
			return nil, err
		}
		edits = append(edits, edit{path: []string{ns.field}, value: "container:" + id})
	}
	if len(hc.VolumesFrom) > 0 {
		pinned := make([]string, len(hc.VolumesFrom))
		for i, vf := range hc.VolumesFrom {
			// dockerd: "name" or "name:ro" / "name:rw".
			ref, mode, hasMode := strings.Cut(vf, ":")
			id, err := judgeContainer(ref, "VolumesFrom", o, depth)
			if err != nil {
				return nil, err
			}
			pinned[i] = id
			if hasMode {
				pinned[i] += ":" + mode
			}
		}
		edits = append(edits, edit{path: []string{"VolumesFrom"}, value: pinned})
	}
	return edits, nil
}

// judgeContainer looks ref up and returns its ID when a client could have
// created it under o.
func judgeContainer(ref, field string, o Options, depth int) (string, error) {
	if o.Lookup == nil {
		return "", &Denied{What: fmt.Sprintf("%s of container %q (no daemon to look it up)", field, short(ref))}
	}
	if depth >= maxJoinDepth {
		return "", &Denied{What: fmt.Sprintf("%s: a chain of more than %d containers joining each other", field, maxJoinDepth)}
	}
	c, err := o.Lookup.Container(ref)
	if err != nil {
		return "", &Denied{What: fmt.Sprintf("%s of container %q (%v)", field, short(ref), err)}
	}
	if o.Owner != nil && !o.Owner.Owns(c.Labels) {
		// Its namespaces and volumes are another client's.
		return "", notYours(KindContainer, ref, field+" of", o.Owner, c.Labels)
	}
	if c.HostConfig == nil {
		return "", &Denied{What: fmt.Sprintf("%s of container %q (its settings are unknown)", field, short(ref))}
	}
	// What passes to the joining container: namespaces, mounts, devices,
	// privileges; not where the target's logs go or what its runtime reads.
	// dockerd stores its defaults in every container: CgroupnsMode host
	// on cgroup v1 hosts (and joining a container's other namespaces does
	// not join its cgroup namespace), its lists of masked and read-only
	// /proc paths (a privileged target is refused for Privileged).
	hc := *c.HostConfig
	hc.LogConfig, hc.Annotations, hc.CgroupnsMode = container.LogConfig{}, nil, ""
	hc.MaskedPaths, hc.ReadonlyPaths = nil, nil
	if err := checkHostConfig(&hc, o); err != nil {
		return "", &Denied{What: fmt.Sprintf("%s of container %q, which has %s", field, short(ref), strings.TrimSuffix(err.Error(), " is not allowed"))}
	}
	if _, err := pinContainers(&hc, o, depth+1); err != nil {
		return "", &Denied{What: fmt.Sprintf("%s of container %q, which joins %s", field, short(ref), strings.TrimSuffix(err.Error(), " is not allowed"))}
	}
	return c.ID, nil
}

func checkResources(r *container.Resources) error {
	switch {
	case len(r.Devices) > 0:
		return &Denied{What: "Devices"}
	case len(r.DeviceCgroupRules) > 0:
		return &Denied{What: "DeviceCgroupRules"}
	case len(r.DeviceRequests) > 0:
		return &Denied{What: "DeviceRequests"}
	case r.CgroupParent != "":
		return &Denied{What: "CgroupParent"}
	}
	return nil
}

func checkMounts(ms []mount.Mount, field string, o Options) error {
	for _, m := range ms {
		switch m.Type {
		case mount.TypeBind:
			if !allowedPath(m.Source, o) {
				return &Denied{What: fmt.Sprintf("%s: bind mount of host path %q", field, m.Source)}
			}
		case mount.TypeVolume:
			if v := m.VolumeOptions; v != nil && v.DriverConfig != nil {
				if err := volumeDriver(v.DriverConfig.Name, v.DriverConfig.Options, field+": VolumeOptions.DriverConfig"); err != nil {
					return err
				}
			}
		case mount.TypeTmpfs, mount.TypeImage:
			// A tmpfs, or an image's files read-only.
		default:
			return &Denied{What: fmt.Sprintf("%s: mount type %q", field, m.Type)}
		}
	}
	return nil
}
