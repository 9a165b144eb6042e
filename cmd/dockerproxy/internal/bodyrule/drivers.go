package bodyrule

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/volume"
)

// Driver options are allowed by key, never refused by driver: an option
// is a driver's way to reach what the rules forbid (a bridge network on a
// host bridge by com.docker.network.bridge.name, a local volume of a host
// path by o=bind, a log driver sending to any address). The lists hold the
// options that only shape what the driver makes for the container.

// networkOptions are the harmless options of the bridge and overlay
// drivers.
var networkOptions = map[string]bool{
	"com.docker.network.bridge.enable_icc":           true, // traffic between the network's containers
	"com.docker.network.bridge.enable_ip_masquerade": true,
	"com.docker.network.bridge.host_binding_ipv4":    true, // default address of published ports, as -p takes
	"com.docker.network.driver.mtu":                  true,
	"com.docker.network.container_iface_prefix":      true,
	"encrypted": true, // overlay: IPsec between nodes
}

// endpointOptions are the harmless options of a container's endpoint on a
// network.
var endpointOptionKeys = map[string]bool{
	"com.docker.network.endpoint.ifname": true, // the interface's name inside the container
}

// tmpfsVolumeOptions are the mount options of a local tmpfs volume
// (type=tmpfs, o=size=64m,uid=1000): memory, not a host path or a remote
// share.
var tmpfsVolumeOptions = map[string]bool{
	"size": true, "mode": true, "uid": true, "gid": true, "nr_inodes": true, "nr_blocks": true,
	"noexec": true, "nosuid": true, "nodev": true, "exec": true, "suid": true, "dev": true, "ro": true, "rw": true,
}

// localLogDrivers write on the daemon's host only; "" is the daemon's
// default, which its administrator chose.
var localLogDrivers = map[string]bool{"": true, "json-file": true, "local": true, "journald": true, "none": true}

// localLogOptions shape records and files; every other option (an
// address, a socket path, credentials) points a driver somewhere.
var localLogOptions = map[string]bool{
	"max-size": true, "max-file": true, "compress": true, "mode": true, "max-buffer-size": true,
	"tag": true, "labels": true, "labels-regex": true, "env": true, "env-regex": true,
}

func unknownKeys(opts map[string]string, allowed map[string]bool) []string {
	var bad []string
	for k := range opts {
		if !allowed[k] {
			bad = append(bad, k)
		}
	}
	sort.Strings(bad)
	return bad
}

func refuseKeys(field string, bad []string) error {
	for i := range bad {
		bad[i] = fmt.Sprintf("%q", short(bad[i]))
	}
	return &Denied{What: fmt.Sprintf("%s %s", field, strings.Join(bad, ", "))}
}

// endpointOptions checks a container's or task's options for an endpoint.
func endpointOptions(opts map[string]string, field string) error {
	if bad := unknownKeys(opts, endpointOptionKeys); len(bad) > 0 {
		return refuseKeys(field, bad)
	}
	return nil
}

// logConfig checks a log driver and its options.
func logConfig(driver string, opts map[string]string, field string, o Options) error {
	if slices.Contains(o.LogDrivers, driver) && driver != "" {
		return nil
	}
	if !localLogDrivers[driver] {
		return &Denied{What: fmt.Sprintf("%s log driver %q (the daemon sends the logs; allow it with -allow-log-driver)", field, short(driver))}
	}
	if bad := unknownKeys(opts, localLogOptions); len(bad) > 0 {
		return refuseKeys(field+" option", bad)
	}
	return nil
}

// volumeDriver checks a volume driver and its options: the local driver,
// with no options or those of a tmpfs.
func volumeDriver(name string, opts map[string]string, field string) error {
	if name != "" && name != "local" {
		return &Denied{What: fmt.Sprintf("%s driver %q", field, short(name))}
	}
	if len(opts) == 0 {
		return nil
	}
	if bad := unknownKeys(opts, map[string]bool{"type": true, "device": true, "o": true}); len(bad) > 0 {
		return refuseKeys(field+" option", bad)
	}
	if opts["type"] != "tmpfs" {
		return &Denied{What: fmt.Sprintf("%s type %q (the local driver mounts host paths, devices and remote shares with it)", field, short(opts["type"]))}
	}
	for _, o := range strings.Split(opts["o"], ",") {
		k, _, _ := strings.Cut(strings.TrimSpace(o), "=")
		if k != "" && !tmpfsVolumeOptions[k] {
			return &Denied{What: fmt.Sprintf("%s tmpfs option %q", field, short(k))}
		}
	}
	return nil
}

// VolumeCreate checks POST /volumes/create.
func VolumeCreate(body []byte, o Options) ([]byte, error) {
	var v volume.CreateRequest
	if err := decode(body, &v); err != nil {
		return nil, err
	}
	if v.ClusterVolumeSpec != nil {
		return nil, &Denied{What: "ClusterVolumeSpec (a CSI plugin's volume)"}
	}
	if err := volumeDriver(v.Driver, v.DriverOpts, "volume"); err != nil {
		return nil, err
	}
	if o.Owner == nil {
		return body, nil
	}
	if v.Name != "" && !o.Owner.Admin {
		// dockerd answers a create of an existing name with that volume,
		// as if created: another client's would be handed over.
		var nf *NotFound
		if _, err := OwnVolume(v.Name, "", o); err != nil && !errors.As(err, &nf) {
			return nil, err
		}
	}
	return withLabel(body, &volume.CreateRequest{}, v.Labels, o)
}

// withLabel gives the top-level Labels of body the owner's label, and
// checks that what is forwarded still decodes into fresh (a create body,
// strictly).
func withLabel(body []byte, fresh any, labels map[string]string, o Options) ([]byte, error) {
	edits, err := labelEdit(labels, []string{"Labels"}, o)
	if err != nil || len(edits) == 0 {
		return body, err
	}
	out, err := apply(body, edits)
	if err != nil {
		return nil, err
	}
	if err := decodeEdited(out, fresh); err != nil {
		return nil, err
	}
	return out, nil
}

// NetworkCreate checks POST /networks/create: the driver (macvlan and
// ipvlan put containers on a host interface's network), its options and
// IPAM's, and the config-only network it takes its configuration from.
func NetworkCreate(body []byte, o Options) ([]byte, error) {
	var w networkCreate
	if err := decode(body, &w); err != nil {
		return nil, err
	}
	n := &w.CreateRequest
	switch n.Driver {
	case "", "bridge", "overlay":
	default:
		return nil, &Denied{What: fmt.Sprintf("network driver %q", short(n.Driver))}
	}
	if n.Ingress {
		return nil, &Denied{What: "Ingress (the swarm's routing mesh)"}
	}
	if err := networkConfig(n.Options, n.IPAM, "network"); err != nil {
		return nil, err
	}
	if o.Owner != nil && !o.Owner.Admin && n.Name != "" {
		// Names need not be unique to dockerd 20.10: a second network of
		// a client's network's name would make its references ambiguous.
		nets, err := lookupNetworks(n.Name, "network", o)
		var denied *Denied
		if err != nil && !(errors.As(err, &denied) && strings.HasSuffix(denied.What, "(no such network)")) {
			return nil, err
		}
		for _, x := range nets {
			if x.Name == n.Name {
				return nil, &Denied{What: fmt.Sprintf("a second network named %q", short(n.Name))}
			}
		}
	}
	if n.ConfigFrom != nil && n.ConfigFrom.Network != "" {
		// The configuration (options, IPAM, parent interface) comes from
		// that network: judge it as if it were in this body.
		nets, err := lookupNetworks(n.ConfigFrom.Network, "ConfigFrom", o)
		if err != nil {
			return nil, err
		}
		for _, src := range nets {
			if src.Driver != "null" && src.Driver != "" && src.Driver != "bridge" && src.Driver != "overlay" {
				return nil, &Denied{What: fmt.Sprintf("ConfigFrom network %q of driver %q", short(src.Name), short(src.Driver))}
			}
			if err := networkConfig(src.Options, &src.IPAM, fmt.Sprintf("ConfigFrom network %q:", short(src.Name))); err != nil {
				return nil, err
			}
			if o.Owner != nil && !o.Owner.Owns(src.Labels) {
				return nil, notYours(KindNetwork, n.ConfigFrom.Network, "ConfigFrom", o.Owner, src.Labels)
			}
		}
	}
	if o.Owner == nil {
		return body, nil
	}
	return withLabel(body, &networkCreate{}, n.Labels, o)
}

// networkCreate is a network create as API versions before 1.44 send it:
// the CLI of today still sends CheckDuplicate to an older daemon, and
// dockerd 20.10 reads it (refusing a second network of a name when true).
type networkCreate struct {
	network.CreateRequest
	CheckDuplicate *bool `json:",omitempty"`
}

func networkConfig(opts map[string]string, ipam *network.IPAM, field string) error {
	if bad := unknownKeys(opts, networkOptions); len(bad) > 0 {
		return refuseKeys(field+" option", bad)
	}
	if ipam != nil {
		if ipam.Driver != "" && ipam.Driver != "default" {
			return &Denied{What: fmt.Sprintf("%s IPAM driver %q", field, short(ipam.Driver))}
		}
		if bad := unknownKeys(ipam.Options, nil); len(bad) > 0 {
			return refuseKeys(field+" IPAM option", bad)
		}
	}
	return nil
}

// NetworkConnect checks POST /networks/{id}/connect; with ownership the
// container (and any it links to) must be the client's, and is pinned to
// its ID.
func NetworkConnect(body []byte, o Options) ([]byte, error) {
	var c network.ConnectRequest
	if err := decodeKnown(body, &c); err != nil {
		return nil, err
	}
	if c.EndpointConfig != nil {
		if err := endpointOptions(c.EndpointConfig.DriverOpts, "EndpointConfig.DriverOpts"); err != nil {
			return nil, err
		}
		if o.Owner != nil && !o.Owner.Admin {
			if err := ownLinks(c.EndpointConfig.Links, "EndpointConfig.Links", o); err != nil {
				return nil, err
			}
		}
	}
	return pinContainerField(body, c.Container, o)
}

// NetworkDisconnect checks POST /networks/{id}/disconnect: with
// ownership the container must be the client's, and is pinned to its ID.
func NetworkDisconnect(body []byte, o Options) ([]byte, error) {
	var d network.DisconnectRequest
	if err := decodeKnown(body, &d); err != nil {
		return nil, err
	}
	return pinContainerField(body, d.Container, o)
}

// pinContainerField checks the container a connect or disconnect names
// and rewrites the reference to the ID judged.
func pinContainerField(body []byte, ref string, o Options) ([]byte, error) {
	if o.Owner == nil || o.Owner.Admin {
		return body, nil
	}
	c, err := OwnContainer(ref, "Container", o)
	if err != nil {
		return nil, inBody(err)
	}
	if c.ID == ref {
		return body, nil
	}
	out, err := apply(body, []edit{{path: []string{"Container"}, value: c.ID}})
	if err != nil {
		return nil, err
	}
	return out, scan(out)
}

// SecretCreate checks POST /secrets/create and /secrets/{id}/update: a
// secret driver is a plugin.
func SecretCreate(body []byte, o Options) ([]byte, error) {
	var s swarm.SecretSpec
	if err := decode(body, &s); err != nil {
		return nil, err
	}
	if s.Driver != nil {
		return nil, &Denied{What: "Driver (a secret plugin)"}
	}
	if o.Owner == nil {
		return body, nil
	}
	// An update replaces the labels: the owner's is set again.
	return withLabel(body, &swarm.SecretSpec{}, s.Labels, o)
}

// ConfigCreate checks POST /configs/create and /configs/{id}/update.
func ConfigCreate(body []byte, o Options) ([]byte, error) {
	var c swarm.ConfigSpec
	if err := decode(body, &c); err != nil {
		return nil, err
	}
	if o.Owner == nil {
		return body, nil
	}
	return withLabel(body, &swarm.ConfigSpec{}, c.Labels, o)
}

// VolumeUpdate checks PUT /volumes/{name}: a cluster volume's
// availability; creating one is refused (ClusterVolumeSpec).
func VolumeUpdate(body []byte, _ Options) ([]byte, error) {
	var u struct{ Spec *volume.ClusterVolumeSpec }
	if err := decodeKnown(body, &u); err != nil {
		return nil, err
	}
	return body, nil
}
