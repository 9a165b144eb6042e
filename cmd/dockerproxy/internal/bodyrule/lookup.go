package bodyrule

import (
	"errors"
	"fmt"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
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
}

// ErrNotFound is a reference that names nothing.
var ErrNotFound = errors.New("not found")

// ContainerInfo is what a decision needs to know of a container.
type ContainerInfo struct {
	ID         string
	Name       string
	HostConfig *container.HostConfig
}

// NetworkInfo is what a decision needs to know of a network.
type NetworkInfo struct {
	ID, Name, Driver, Scope string
	Options                 map[string]string
	IPAM                    network.IPAM
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
