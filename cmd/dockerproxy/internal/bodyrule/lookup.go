package bodyrule

import (
	"errors"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"
)

// Lookup finds objects a body names, as the daemon resolves their names,
// at the time of the request.
type Lookup interface {
	// Container returns the container ref names (a name, an ID or a
	// unique ID prefix, as dockerd resolves it); ErrNotFound when there
	// is none.
	Container(ref string) (*ContainerInfo, error)
	// Networks returns every network ref may name: by ID, by name or by
	// ID prefix, on this daemon and in its swarm.
	Networks(ref string) ([]NetworkInfo, error)
	// Network returns the network ref names as dockerd's inspect
	// resolves it (ID, name, then unique ID prefix); ErrNotFound when
	// none.
	Network(ref string) (*NetworkInfo, error)
	// Image returns the image ref names (a tag, a digest, an ID or a
	// unique ID prefix, as dockerd resolves it); ErrNotFound when none.
	Image(ref string) (*ImageInfo, error)
	// ImageIDs returns the IDs of the images whose owner label is owner
	// ("": those without one), newest first.
	ImageIDs(owner string) ([]string, error)
	// Volume returns the volume of that name; ErrNotFound when none.
	Volume(name string) (*VolumeInfo, error)
	// Exec returns the exec instance of that ID; ErrNotFound when none.
	Exec(id string) (*ExecInfo, error)
	// Object returns the swarm object of kind (KindService, KindSecret,
	// KindConfig, KindTask) that ref names; ErrNotFound when none.
	Object(kind, ref string) (*ObjectInfo, error)
	// CreateVolume creates a volume, or returns the one of that name if
	// it exists (dockerd's create does either): the one write a check
	// makes, so that a volume a container create would make carries its
	// owner's label.
	CreateVolume(req volume.CreateRequest) (*VolumeInfo, error)
	// Forget drops what is cached of kind (KindContainer, KindImage, …):
	// the request about to be forwarded may rename, remove or create
	// objects of that kind.
	Forget(kind string)
}

// The kinds of objects a Lookup finds.
const (
	KindContainer = "containers"
	KindImage     = "images"
	KindNetwork   = "networks"
	KindVolume    = "volumes"
	KindExec      = "exec"
	KindService   = "services"
	KindSecret    = "secrets"
	KindConfig    = "configs"
	KindTask      = "tasks"
)

// ErrNotFound is a reference that names nothing.
var ErrNotFound = errors.New("not found")

// ContainerInfo is what a decision needs to know of a container.
type ContainerInfo struct {
	ID         string
	Name       string
	HostConfig *container.HostConfig
	Labels     map[string]string
}

// NetworkInfo is what a decision needs to know of a network.
type NetworkInfo struct {
	ID, Name, Driver, Scope string
	Options                 map[string]string
	IPAM                    network.IPAM
	Labels                  map[string]string
	Ingress                 bool
}

// ImageInfo is what a decision needs to know of an image.
type ImageInfo struct {
	ID       string // sha256:…
	RepoTags []string
	Labels   map[string]string // the image config's
}

// VolumeInfo is what a decision needs to know of a volume.
type VolumeInfo struct {
	Name, Driver string
	Labels       map[string]string
}

// ExecInfo is what a decision needs to know of an exec instance.
type ExecInfo struct {
	ID, ContainerID string
}

// ObjectInfo is what a decision needs to know of a swarm object: a
// service, secret or config (the labels of its spec), or a task (the
// labels of its container spec, which its service's create set).
type ObjectInfo struct {
	ID, Name string
	Labels   map[string]string
}

// lookupNetworks returns the networks ref may name, refusing what cannot
// be resolved: a reference that names no network may name one by the time
// dockerd resolves it.
func lookupNetworks(ref, field string, o Options) ([]NetworkInfo, error) {
	if o.Lookup == nil {
		return nil, &Denied{What: fmt.Sprintf("%s network %q (no daemon to look it up)", field, short(ref))}
	}
	nets, err := o.Lookup.Networks(ref)
	if err != nil {
		return nil, &Denied{What: fmt.Sprintf("%s network %q (%v)", field, short(ref), err)}
	}
	if len(nets) == 0 {
		return nil, &Denied{What: fmt.Sprintf("%s network %q (no such network)", field, short(ref))}
	}
	return nets, nil
}
