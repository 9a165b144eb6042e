package bodyrule

import (
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/checkpoint"
	"github.com/moby/moby/api/types/plugin"
)

// PluginPrivileges checks POST /plugins/pull and /plugins/{name}/upgrade,
// whose body lists the privileges the client grants the plugin.
func PluginPrivileges(body []byte, _ Options) ([]byte, error) {
	var ps []plugin.Privilege
	if err := decodeKnown(body, &ps); err != nil {
		return nil, err
	}
	if len(ps) > 0 {
		return nil, &Denied{What: fmt.Sprintf("granting plugin privilege %q", short(ps[0].Name))}
	}
	return body, nil
}

// PluginSet checks POST /plugins/{name}/set: "mount.source=/" or
// "device.path=/dev/sda" point a plugin's mounts and devices at the host.
func PluginSet(body []byte, _ Options) ([]byte, error) {
	var args []string
	if err := decodeKnown(body, &args); err != nil {
		return nil, err
	}
	for _, a := range args {
		k, _, _ := strings.Cut(a, "=")
		if strings.Contains(k, ".") {
			return nil, &Denied{What: fmt.Sprintf("plugin setting %q", short(k))}
		}
	}
	return body, nil
}

// Checkpoint checks POST /containers/{id}/checkpoints (experimental):
// CheckpointDir is a host directory dockerd writes to.
func Checkpoint(body []byte, _ Options) ([]byte, error) {
	var c checkpoint.CreateRequest
	if err := decodeKnown(body, &c); err != nil {
		return nil, err
	}
	if c.CheckpointDir != "" {
		return nil, &Denied{What: "CheckpointDir (a host directory)"}
	}
	return body, nil
}
