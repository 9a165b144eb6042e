package bodyrule

import (
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/swarm"
)

// ServiceSpec checks POST /services/create and /services/{id}/update. The
// swarm resolves a network Target by ID, name or ID prefix, and the ID of
// this daemon's own host network to the swarm's host network: each
// network a Target may name is looked up, and the Target is refused when
// any of them is a host network.
func ServiceSpec(body []byte, o Options) ([]byte, error) {
	var s swarm.ServiceSpec
	if err := decode(body, &s); err != nil {
		return nil, err
	}
	t := s.TaskTemplate
	if t.PluginSpec != nil || strings.EqualFold(string(t.Runtime), "plugin") {
		return nil, &Denied{What: "TaskTemplate.PluginSpec (a plugin with its privileges)"}
	}
	if t.NetworkAttachmentSpec != nil || (t.Runtime != "" && !strings.EqualFold(string(t.Runtime), "container")) {
		return nil, &Denied{What: fmt.Sprintf("TaskTemplate.Runtime %q", short(string(t.Runtime)))}
	}
	if t.LogDriver != nil {
		if err := logConfig(t.LogDriver.Name, t.LogDriver.Options, "TaskTemplate.LogDriver", o); err != nil {
			return nil, err
		}
	}
	for _, n := range t.Networks {
		if strings.EqualFold(strings.TrimSpace(n.Target), "host") {
			return nil, &Denied{What: "the host network"}
		}
		if err := endpointOptions(n.DriverOpts, "TaskTemplate.Networks.DriverOpts"); err != nil {
			return nil, err
		}
		nets, err := lookupNetworks(n.Target, "TaskTemplate.Networks", o)
		if err != nil {
			return nil, err
		}
		for _, net := range nets {
			if net.Name == "host" || net.Driver == "host" {
				return nil, &Denied{What: fmt.Sprintf("network %q (it names the host network)", short(n.Target))}
			}
		}
	}
	if c := t.ContainerSpec; c != nil {
		if len(c.CapabilityAdd) > 0 {
			return nil, &Denied{What: "ContainerSpec.CapabilityAdd"}
		}
		if p := c.Privileges; p != nil {
			switch {
			case p.SELinuxContext != nil && p.SELinuxContext.Disable:
				return nil, &Denied{What: "ContainerSpec.Privileges.SELinuxContext.Disable"}
			case p.Seccomp != nil && p.Seccomp.Mode != "" && p.Seccomp.Mode != swarm.SeccompModeDefault:
				return nil, &Denied{What: fmt.Sprintf("ContainerSpec.Privileges.Seccomp mode %q", short(string(p.Seccomp.Mode)))}
			case p.AppArmor != nil && p.AppArmor.Mode != "" && p.AppArmor.Mode != swarm.AppArmorModeDefault:
				return nil, &Denied{What: fmt.Sprintf("ContainerSpec.Privileges.AppArmor mode %q", short(string(p.AppArmor.Mode)))}
			case p.CredentialSpec != nil:
				return nil, &Denied{What: "ContainerSpec.Privileges.CredentialSpec (read from the host)"}
			}
		}
		if err := checkMounts(c.Mounts, "ContainerSpec.Mounts", o); err != nil {
			return nil, err
		}
	}
	return body, nil
}
