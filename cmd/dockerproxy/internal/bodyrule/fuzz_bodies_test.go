package bodyrule_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
)

// refNetwork, refVolume and refService are the fields of network create,
// volume create and service bodies that reach the host, as encoding/json
// decodes them for dockerd (keys up to case), written apart from the
// Engine API's types the checks use.
type refNetwork struct {
	Driver  string
	Ingress bool
	Options map[string]string
	IPAM    *struct {
		Driver  string
		Options map[string]string
	}
	ConfigFrom *struct{ Network string }
}

type refVolume struct {
	Driver     string
	DriverOpts map[string]string
}

type refService struct {
	TaskTemplate struct {
		Networks []struct {
			Target     string
			DriverOpts map[string]string
		}
		LogDriver *struct {
			Name    string
			Options map[string]string
		}
	}
}

var harmlessNetworkOptions = map[string]bool{
	"com.docker.network.bridge.enable_icc": true, "com.docker.network.bridge.enable_ip_masquerade": true,
	"com.docker.network.bridge.host_binding_ipv4": true, "com.docker.network.driver.mtu": true,
	"com.docker.network.container_iface_prefix": true, "encrypted": true,
}

var bodySeeds = []struct {
	kind byte // n network, v volume, s service, c container with a lookup
	body string
}{
	{'n', `{"Name":"n","Driver":"bridge","Options":{"com.docker.network.bridge.name":"br0"}}`},
	{'n', `{"Name":"n","options":{"com.docker.network.driver.mtu":"1400"}}`},
	{'n', `{"Name":"n","IPAM":{"Driver":"default","Options":{"a":"b"}},"ConfigFrom":{"Network":"cfg"}}`},
	{'n', `{"Name":"n","driver":"MACVLAN"}`},
	{'v', `{"Name":"v","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=1m"}}`},
	{'v', `{"Name":"v","driveropts":{"type":"nfs","o":"addr=10.0.0.1"}}`},
	{'s', `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"9f3c"}]}}`},
	{'s', `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"networks":[{"target":"apps"}],"LogDriver":{"Name":"syslog"}}}`},
	{'c', `{"Image":"x","HostConfig":{"NetworkMode":"container:plain","VolumesFrom":["plain:ro"]}}`},
	{'c', `{"Image":"x","hostconfig":{"pidmode":"container:exporter"}}`},
	{'c', `{"Image":"x","NetworkMode":"container:chain","HostConfig":null}`},
}

// FuzzOtherBodies: network, volume, service and (with a daemon's
// answers) container bodies. Whatever the bytes, an allowed body holds no
// setting that reaches the host as encoding/json decodes it, and an
// allowed container body forwards only pinned references to containers
// that could have been created. Run longer with
//
//	go test -run '^$' -fuzz FuzzOtherBodies -fuzztime 60s ./cmd/dockerproxy/internal/bodyrule/
func FuzzOtherBodies(f *testing.F) {
	for _, s := range bodySeeds {
		f.Add(s.kind, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, kind byte, body []byte) {
		opts := bodyrule.Options{Lookup: daemonState()}
		switch kind % 4 {
		case 0:
			if _, err := bodyrule.NetworkCreate(body, opts); err != nil {
				return
			}
			var n refNetwork
			if json.Unmarshal(body, &n) != nil {
				return
			}
			if n.Driver != "" && n.Driver != "bridge" && n.Driver != "overlay" || n.Ingress {
				t.Fatalf("allowed driver %q (ingress %v): %s", n.Driver, n.Ingress, body)
			}
			for k := range n.Options {
				if !harmlessNetworkOptions[k] {
					t.Fatalf("allowed option %q: %s", k, body)
				}
			}
			if n.IPAM != nil && (len(n.IPAM.Options) > 0 || n.IPAM.Driver != "" && n.IPAM.Driver != "default") {
				t.Fatalf("allowed IPAM %+v: %s", n.IPAM, body)
			}
			if n.ConfigFrom != nil && n.ConfigFrom.Network == "cfg" {
				t.Fatalf("allowed ConfigFrom a network with a host bridge: %s", body)
			}
		case 1:
			if _, err := bodyrule.VolumeCreate(body, opts); err != nil {
				return
			}
			var v refVolume
			if json.Unmarshal(body, &v) != nil {
				return
			}
			if v.Driver != "" && v.Driver != "local" || len(v.DriverOpts) > 0 && v.DriverOpts["type"] != "tmpfs" || strings.Contains(v.DriverOpts["o"], "bind") {
				t.Fatalf("allowed volume %+v: %s", v, body)
			}
		case 2:
			if _, err := bodyrule.ServiceSpec(body, opts); err != nil {
				return
			}
			var s refService
			if json.Unmarshal(body, &s) != nil {
				return
			}
			for _, n := range s.TaskTemplate.Networks {
				if strings.EqualFold(strings.TrimSpace(n.Target), "host") || strings.HasPrefix("9f3c0hostnet", n.Target) {
					t.Fatalf("allowed the host network as %q: %s", n.Target, body)
				}
			}
			if d := s.TaskTemplate.LogDriver; d != nil && d.Name != "" && d.Name != "json-file" && d.Name != "local" && d.Name != "journald" && d.Name != "none" {
				t.Fatalf("allowed log driver %q: %s", d.Name, body)
			}
		case 3:
			out, err := bodyrule.ContainerCreate(body, opts)
			if err != nil || len(strings.TrimSpace(string(out))) == 0 {
				return
			}
			var w RefWrapper
			if json.Unmarshal(out, &w) != nil {
				t.Fatalf("forwarded %s, which encoding/json does not decode (from %s)", out, body)
			}
			for _, hc := range hostConfigs(&w, true) {
				for _, m := range []string{hc.NetworkMode, hc.PidMode, hc.IpcMode, hc.Cgroup} {
					if ref, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(m)), "container:"); ok && ref != "aaaa1111" && ref != "ffff6666" {
						t.Fatalf("forwarded container reference %q (not a pinned ID of a harmless container): %s", m, out)
					}
				}
				for _, vf := range hc.VolumesFrom {
					if id, _, _ := strings.Cut(vf, ":"); id != "aaaa1111" && id != "ffff6666" {
						t.Fatalf("forwarded VolumesFrom %q: %s", vf, out)
					}
				}
			}
		}
	})
}
