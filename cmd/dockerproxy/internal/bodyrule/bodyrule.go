// Package bodyrule decides on the JSON bodies of Docker API requests that
// can give a container the host: container create and update, exec create,
// services, volumes, networks and plugins.
//
// The decision is made on what dockerd will decode, which is what Go's
// encoding/json makes of the body: keys match field names case-insensitively,
// the last of duplicate keys wins, and container create reads HostConfig
// fields both from "HostConfig" and, for old clients, from the top level
// (moby's runconfig.ContainerConfigWrapper). Rather than follow every such
// rule, a body whose objects repeat a key (exactly or up to case) is refused,
// and the checks decode into structs of dockerd's shape, so that the fields
// read are the ones dockerd reads. The caller forwards exactly the bytes it
// checked (CVE-2024-41110: an authorization decision made on a body other
// than the one the daemon acts on).
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
)

// Options are the exceptions a deployment grants.
type Options struct {
	// BindPaths are host directories that bind mounts may use, with
	// everything under them. Empty: no host path may be mounted.
	BindPaths []string
	// ResolveSymlinks resolves a bind source's symbolic links on this
	// host before comparing it with BindPaths; set it when the proxy runs
	// on the daemon's host (a unix socket upstream), or a link created
	// inside an allowed directory would lead out of it.
	ResolveSymlinks bool
}

// Denied is a setting the policy does not allow.
type Denied struct{ What string }

func (d *Denied) Error() string { return d.What + " is not allowed" }

// Malformed is a body that is not one well-formed JSON value with unique
// keys; the proxy answers 400.
type Malformed struct{ Err error }

func (m *Malformed) Error() string { return "malformed JSON body: " + m.Err.Error() }

func (m *Malformed) Unwrap() error { return m.Err }

// Check is a decision on one endpoint's body.
type Check func(body []byte, o Options) error

// Valid accepts any well-formed body: one JSON value (or nothing), no
// repeated keys.
func Valid(body []byte, _ Options) error { return scan(body) }

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

// decode scans body and decodes it into v as dockerd would.
func decode(body []byte, v any) error {
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

// ContainerCreate checks POST /containers/create.
func ContainerCreate(body []byte, o Options) error {
	var w containerConfigWrapper
	if err := decode(body, &w); err != nil {
		return err
	}
	// dockerd takes "HostConfig" when present and the top-level fields
	// otherwise; both are checked, so that no choice between them matters.
	for _, hc := range []*HostConfig{w.InnerHostConfig, w.HostConfig} {
		if hc == nil {
			continue
		}
		if err := hc.check(o); err != nil {
			return err
		}
	}
	if w.NetworkingConfig != nil {
		for name := range w.NetworkingConfig.EndpointsConfig {
			if strings.EqualFold(name, "host") {
				return &Denied{"NetworkingConfig.EndpointsConfig.host (the host's network)"}
			}
		}
	}
	return nil
}

// ContainerUpdate checks POST /containers/{id}/update.
func ContainerUpdate(body []byte, o Options) error {
	var u struct{ Resources }
	if err := decode(body, &u); err != nil {
		return err
	}
	return u.Resources.check()
}

// ExecCreate checks POST /containers/{id}/exec.
func ExecCreate(body []byte, _ Options) error {
	var e struct{ Privileged bool }
	if err := decode(body, &e); err != nil {
		return err
	}
	if e.Privileged {
		return &Denied{"Privileged exec"}
	}
	return nil
}

// ServiceSpec checks POST /services/create and /services/{id}/update.
func ServiceSpec(body []byte, o Options) error {
	var s serviceSpec
	if err := decode(body, &s); err != nil {
		return err
	}
	t := s.TaskTemplate
	if t.PluginSpec != nil || strings.EqualFold(t.Runtime, "plugin") {
		return &Denied{"TaskTemplate.PluginSpec (a plugin with its privileges)"}
	}
	for _, n := range append(t.Networks, s.Networks...) {
		if strings.EqualFold(n.Target, "host") {
			return &Denied{"the host network"}
		}
	}
	if c := t.ContainerSpec; c != nil {
		if len(c.CapabilityAdd) > 0 {
			return &Denied{"ContainerSpec.CapabilityAdd"}
		}
		if c.Privileges != nil && c.Privileges.SELinuxContext != nil && c.Privileges.SELinuxContext.Disable {
			return &Denied{"ContainerSpec.Privileges.SELinuxContext.Disable"}
		}
		if err := checkMounts(c.Mounts, "ContainerSpec.Mounts", o); err != nil {
			return err
		}
	}
	return nil
}

// VolumeCreate checks POST /volumes/create: the local driver's options
// (type=none, o=bind, device=/) mount any host path.
func VolumeCreate(body []byte, _ Options) error {
	var v struct {
		Driver     string
		DriverOpts map[string]string
	}
	if err := decode(body, &v); err != nil {
		return err
	}
	if v.Driver != "" && v.Driver != "local" {
		return &Denied{fmt.Sprintf("volume driver %q", v.Driver)}
	}
	if len(v.DriverOpts) > 0 {
		return &Denied{"DriverOpts (the local driver mounts host paths and devices with them)"}
	}
	return nil
}

// NetworkCreate checks POST /networks/create: macvlan and ipvlan put
// containers on a host interface's network.
func NetworkCreate(body []byte, _ Options) error {
	var n struct{ Driver string }
	if err := decode(body, &n); err != nil {
		return err
	}
	switch n.Driver {
	case "", "bridge", "overlay":
		return nil
	}
	return &Denied{fmt.Sprintf("network driver %q", n.Driver)}
}

// PluginPrivileges checks POST /plugins/pull and /plugins/{name}/upgrade,
// whose body lists the privileges the client grants the plugin.
func PluginPrivileges(body []byte, _ Options) error {
	var ps []struct {
		Name  string
		Value []string
	}
	if err := decode(body, &ps); err != nil {
		return err
	}
	if len(ps) > 0 {
		return &Denied{fmt.Sprintf("granting plugin privilege %q", ps[0].Name)}
	}
	return nil
}

// PluginSet checks POST /plugins/{name}/set: "mount.source=/" or
// "device.path=/dev/sda" point a plugin's mounts and devices at the host.
func PluginSet(body []byte, _ Options) error {
	var args []string
	if err := decode(body, &args); err != nil {
		return err
	}
	for _, a := range args {
		k, _, _ := strings.Cut(a, "=")
		if strings.Contains(k, ".") {
			return &Denied{fmt.Sprintf("plugin setting %q", k)}
		}
	}
	return nil
}

// Checkpoint checks POST /containers/{id}/checkpoints (experimental):
// CheckpointDir is a host directory dockerd writes to.
func Checkpoint(body []byte, _ Options) error {
	var c struct{ CheckpointDir string }
	if err := decode(body, &c); err != nil {
		return err
	}
	if c.CheckpointDir != "" {
		return &Denied{"CheckpointDir (a host directory)"}
	}
	return nil
}

// containerConfigWrapper is moby's runconfig.ContainerConfigWrapper with
// the fields the checks read. The embedded container.Config is left out:
// none of its fields is checked, and none shares a name with a HostConfig
// field, so leaving it out changes no key's field.
type containerConfigWrapper struct {
	InnerHostConfig *HostConfig `json:"HostConfig,omitempty"`
	*HostConfig
	NetworkingConfig *struct {
		EndpointsConfig map[string]json.RawMessage
	}
}

// HostConfig is moby's container.HostConfig, the fields that are checked.
type HostConfig struct {
	Binds         []string
	NetworkMode   string
	VolumesFrom   []string
	CapAdd        strSlice
	CgroupnsMode  string
	IpcMode       string
	PidMode       string
	Privileged    bool
	SecurityOpt   []string
	UTSMode       string
	UsernsMode    string
	Mounts        []Mount
	MaskedPaths   []string
	ReadonlyPaths []string
	Resources
}

// Resources is moby's container.Resources, the fields that are checked.
type Resources struct {
	CgroupParent      string
	Devices           []json.RawMessage
	DeviceCgroupRules []string
	DeviceRequests    []json.RawMessage
}

// Mount is moby's mount.Mount, the fields that are checked.
type Mount struct {
	Type          string
	Source        string
	VolumeOptions *struct {
		DriverConfig *struct {
			Name    string
			Options map[string]string
		}
	}
}

type serviceSpec struct {
	TaskTemplate struct {
		ContainerSpec *struct {
			Mounts        []Mount
			CapabilityAdd []string
			Privileges    *struct {
				SELinuxContext *struct{ Disable bool }
			}
		}
		PluginSpec json.RawMessage
		Runtime    string
		Networks   []struct{ Target string }
	}
	Networks []struct{ Target string }
}

// strSlice is moby's strslice.StrSlice: a string or a list of strings.
type strSlice []string

func (s *strSlice) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	var p []string
	if err := json.Unmarshal(b, &p); err == nil {
		*s = p
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*s = []string{one}
	return nil
}

func (hc *HostConfig) check(o Options) error {
	if hc.Privileged {
		return &Denied{"Privileged"}
	}
	for _, ns := range []struct{ name, mode string }{
		{"NetworkMode", hc.NetworkMode}, {"PidMode", hc.PidMode}, {"IpcMode", hc.IpcMode},
		{"UTSMode", hc.UTSMode}, {"UsernsMode", hc.UsernsMode}, {"CgroupnsMode", hc.CgroupnsMode},
	} {
		if strings.EqualFold(strings.TrimSpace(ns.mode), "host") {
			return &Denied{ns.name + " host (the host's namespace)"}
		}
	}
	if len(hc.CapAdd) > 0 {
		return &Denied{fmt.Sprintf("CapAdd %v", []string(hc.CapAdd))}
	}
	for _, opt := range hc.SecurityOpt {
		switch strings.ReplaceAll(strings.TrimSpace(opt), ":", "=") {
		case "no-new-privileges", "no-new-privileges=true":
			continue
		}
		return &Denied{fmt.Sprintf("SecurityOpt %q", opt)}
	}
	if hc.MaskedPaths != nil || hc.ReadonlyPaths != nil {
		return &Denied{"MaskedPaths and ReadonlyPaths (unmasking /proc and /sys)"}
	}
	if len(hc.VolumesFrom) > 0 {
		return &Denied{"VolumesFrom (another container's mounts, host paths included)"}
	}
	if err := hc.Resources.check(); err != nil {
		return err
	}
	for _, b := range hc.Binds {
		src, _, ok := strings.Cut(b, ":")
		if !ok || volumeName.MatchString(src) {
			continue // a container path alone, or a named volume
		}
		if !allowedPath(src, o) {
			return &Denied{fmt.Sprintf("bind mount of host path %q", src)}
		}
	}
	return checkMounts(hc.Mounts, "Mounts", o)
}

func (r *Resources) check() error {
	switch {
	case len(r.Devices) > 0:
		return &Denied{"Devices"}
	case len(r.DeviceCgroupRules) > 0:
		return &Denied{"DeviceCgroupRules"}
	case len(r.DeviceRequests) > 0:
		return &Denied{"DeviceRequests"}
	case r.CgroupParent != "":
		return &Denied{"CgroupParent"}
	}
	return nil
}

func checkMounts(ms []Mount, field string, o Options) error {
	for _, m := range ms {
		switch m.Type {
		case "bind":
			if !allowedPath(m.Source, o) {
				return &Denied{fmt.Sprintf("%s: bind mount of host path %q", field, m.Source)}
			}
		case "volume":
			if v := m.VolumeOptions; v != nil && v.DriverConfig != nil && (len(v.DriverConfig.Options) > 0 || (v.DriverConfig.Name != "" && v.DriverConfig.Name != "local")) {
				return &Denied{field + ": VolumeOptions.DriverConfig (the local driver mounts host paths with its options)"}
			}
		case "tmpfs":
		default:
			return &Denied{fmt.Sprintf("%s: mount type %q", field, m.Type)}
		}
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
