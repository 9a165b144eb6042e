package bodyrule

import (
	"errors"
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/swarm"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
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
	if err := checkService(&s, o); err != nil {
		return nil, err
	}
	if o.Owner == nil {
		return body, nil
	}
	edits, err := ownService(&s, o)
	if err != nil || len(edits) == 0 {
		return body, err
	}
	out, err := apply(body, edits)
	if err != nil {
		return nil, err
	}
	// Decided on again as forwarded: the edits only added the owner's
	// labels.
	var again swarm.ServiceSpec
	if err := decodeEdited(out, &again); err != nil {
		return nil, err
	}
	return out, checkService(&again, o)
}

// ownService labels a service and the containers of its tasks, and checks
// that the networks, secrets, configs, volumes and local image it names
// are the client's (networks may be dockerd's own, the image shared).
func ownService(s *swarm.ServiceSpec, o Options) ([]edit, error) {
	edits, err := labelEdit(s.Labels, []string{"Labels"}, o)
	if err != nil {
		return nil, err
	}
	c := s.TaskTemplate.ContainerSpec
	if c != nil {
		e, err := labelEdit(c.Labels, []string{"TaskTemplate", "ContainerSpec", "Labels"}, o)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e...)
	}
	if o.Owner.Admin {
		return edits, nil
	}
	for _, n := range s.TaskTemplate.Networks {
		nets, err := lookupNetworks(n.Target, "TaskTemplate.Networks", o)
		if err != nil {
			return nil, err
		}
		for _, net := range nets {
			if !o.Owner.Owns(net.Labels) && !(predefined[net.Name] && owner.Shared(net.Labels)) {
				return nil, notYours(KindNetwork, n.Target, "TaskTemplate.Networks", o.Owner, net.Labels)
			}
		}
	}
	if c == nil {
		return edits, nil
	}
	for _, sr := range c.Secrets {
		if sr == nil {
			continue
		}
		if _, err := OwnObject(KindSecret, firstOf(sr.SecretID, sr.SecretName), "ContainerSpec.Secrets", o); err != nil {
			return nil, err
		}
	}
	for _, cr := range c.Configs {
		if cr == nil {
			continue
		}
		if _, err := OwnObject(KindConfig, firstOf(cr.ConfigID, cr.ConfigName), "ContainerSpec.Configs", o); err != nil {
			return nil, err
		}
	}
	if c.Image != "" {
		// Tasks run what the registry holds under the name unless this
		// daemon has the image: then it must not be another client's.
		var nf *NotFound
		if _, err := OwnImage(c.Image, "ContainerSpec.Image", o, ImageRead); err != nil && !errors.As(err, &nf) {
			return nil, err
		}
	}
	ms, changed, _, err := ownMounts(c.Mounts, "ContainerSpec.Mounts", o, false)
	if err != nil {
		return nil, err
	}
	if changed {
		edits = append(edits, edit{path: []string{"TaskTemplate", "ContainerSpec", "Mounts"}, value: ms})
	}
	return edits, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkService applies the rules that do not depend on the client.
func checkService(s *swarm.ServiceSpec, o Options) error {
	t := s.TaskTemplate
	if t.PluginSpec != nil || strings.EqualFold(string(t.Runtime), "plugin") {
		return &Denied{What: "TaskTemplate.PluginSpec (a plugin with its privileges)"}
	}
	if t.NetworkAttachmentSpec != nil || (t.Runtime != "" && !strings.EqualFold(string(t.Runtime), "container")) {
		return &Denied{What: fmt.Sprintf("TaskTemplate.Runtime %q", short(string(t.Runtime)))}
	}
	if t.LogDriver != nil {
		if err := logConfig(t.LogDriver.Name, t.LogDriver.Options, "TaskTemplate.LogDriver", o); err != nil {
			return err
		}
	}
	for _, n := range t.Networks {
		if strings.EqualFold(strings.TrimSpace(n.Target), "host") {
			return &Denied{What: "the host network"}
		}
		if err := endpointOptions(n.DriverOpts, "TaskTemplate.Networks.DriverOpts"); err != nil {
			return err
		}
		nets, err := lookupNetworks(n.Target, "TaskTemplate.Networks", o)
		if err != nil {
			return err
		}
		for _, net := range nets {
			if net.Name == "host" || net.Driver == "host" {
				return &Denied{What: fmt.Sprintf("network %q (it names the host network)", short(n.Target))}
			}
		}
	}
	if c := t.ContainerSpec; c != nil {
		if len(c.CapabilityAdd) > 0 {
			return &Denied{What: "ContainerSpec.CapabilityAdd"}
		}
		if p := c.Privileges; p != nil {
			switch {
			case p.SELinuxContext != nil && p.SELinuxContext.Disable:
				return &Denied{What: "ContainerSpec.Privileges.SELinuxContext.Disable"}
			case p.Seccomp != nil && p.Seccomp.Mode != "" && p.Seccomp.Mode != swarm.SeccompModeDefault:
				return &Denied{What: fmt.Sprintf("ContainerSpec.Privileges.Seccomp mode %q", short(string(p.Seccomp.Mode)))}
			case p.AppArmor != nil && p.AppArmor.Mode != "" && p.AppArmor.Mode != swarm.AppArmorModeDefault:
				return &Denied{What: fmt.Sprintf("ContainerSpec.Privileges.AppArmor mode %q", short(string(p.AppArmor.Mode)))}
			case p.CredentialSpec != nil:
				return &Denied{What: "ContainerSpec.Privileges.CredentialSpec (read from the host)"}
			}
		}
		if err := checkMounts(c.Mounts, "ContainerSpec.Mounts", o); err != nil {
			return err
		}
	}
	return nil
}
