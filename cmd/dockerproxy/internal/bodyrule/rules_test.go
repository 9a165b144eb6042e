package bodyrule_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule/fixed"
)

// daemonState is a daemon's answers, fixed: these tests are about the
// rules; the e2e tests ask the real dockerd.
func daemonState() *fixed.State {
	return &fixed.State{
		Containers: []*bodyrule.ContainerInfo{
			{ID: "aaaa1111", Name: "/plain", HostConfig: &container.HostConfig{NetworkMode: "none"}},
			{ID: "bbbb2222", Name: "/exporter", HostConfig: &container.HostConfig{NetworkMode: "host", PidMode: "host"}},
			{ID: "cccc3333", Name: "/priv", HostConfig: &container.HostConfig{Privileged: true}},
			{ID: "dddd4444", Name: "/binds", HostConfig: &container.HostConfig{Binds: []string{"/etc:/host-etc"}}},
			{ID: "eeee5555", Name: "/chain", HostConfig: &container.HostConfig{NetworkMode: "container:exporter"}},
			{ID: "ffff6666", Name: "/logs", HostConfig: &container.HostConfig{LogConfig: container.LogConfig{Type: "syslog"}}},
		},
		Nets: []bodyrule.NetworkInfo{
			{ID: "9f3c0hostnet", Name: "host", Driver: "host", Scope: "local"},
			{ID: "7a11overlay", Name: "apps", Driver: "overlay", Scope: "swarm"},
			{ID: "5c0nfig", Name: "cfg", Driver: "null", Options: map[string]string{"com.docker.network.bridge.name": "eth0"}},
		},
	}
}

func TestJoinContainer(t *testing.T) {
	cases := []struct {
		body   string
		denied string // substring; "" allowed
		pinned string // substring of the forwarded body
	}{
		{`{"Image":"x","HostConfig":{"NetworkMode":"container:plain"}}`, "", `"NetworkMode":"container:aaaa1111"`},
		{`{"Image":"x","HostConfig":{"PidMode":"container:plain","IpcMode":"container:plain"}}`, "", `"PidMode":"container:aaaa1111"`},
		{`{"Image":"x","HostConfig":{"VolumesFrom":["plain:ro"]}}`, "", `"VolumesFrom":["aaaa1111:ro"]`},
		{`{"Image":"x","NetworkMode":"container:plain"}`, "", `"NetworkMode":"container:aaaa1111"`},
		{`{"Image":"x","HostConfig":{"NetworkMode":"container:logs"}}`, "", `container:ffff6666`},
		{`{"Image":"x","HostConfig":{"NetworkMode":"container:exporter"}}`, "NetworkMode host", ""},
		{`{"Image":"x","HostConfig":{"networkmode":"Container:exporter"}}`, "NetworkMode host", ""},
		{`{"Image":"x","HostConfig":{"PidMode":"container:priv"}}`, "Privileged", ""},
		{`{"Image":"x","HostConfig":{"IpcMode":"container:chain"}}`, "joins", ""},
		{`{"Image":"x","HostConfig":{"VolumesFrom":["binds"]}}`, "bind mount of host path", ""},
		{`{"Image":"x","HostConfig":{"Cgroup":"container:priv"}}`, "Privileged", ""},
		{`{"Image":"x","HostConfig":{"NetworkMode":"container:ghost"}}`, "not found", ""},
		{`{"Image":"x","PidMode":"container:exporter","HostConfig":{"NetworkMode":"none"}}`, "PidMode", ""},
	}
	for _, c := range cases {
		l := daemonState()
		out, err := bodyrule.ContainerCreate([]byte(c.body), bodyrule.Options{Lookup: l})
		if c.denied != "" {
			var d *bodyrule.Denied
			if !errors.As(err, &d) || !strings.Contains(err.Error(), c.denied) {
				t.Errorf("%s: %v, want a refusal with %q", c.body, err, c.denied)
			}
			continue
		}
		if err != nil || !strings.Contains(string(out), c.pinned) {
			t.Errorf("%s: %v, forwarded %s, want %s in it", c.body, err, out, c.pinned)
		}
		if !json.Valid(out) || !strings.Contains(string(out), `"Image":"x"`) {
			t.Errorf("%s: forwarded %s", c.body, out)
		}
	}
	// Without a daemon, a container: reference cannot be judged.
	if _, err := bodyrule.ContainerCreate([]byte(`{"HostConfig":{"NetworkMode":"container:plain"}}`), bodyrule.Options{}); err == nil {
		t.Error("container:plain allowed without a lookup")
	}
	// A body naming no container asks nothing.
	l := daemonState()
	if _, err := bodyrule.ContainerCreate([]byte(`{"Image":"x","HostConfig":{"NetworkMode":"apps"}}`), bodyrule.Options{Lookup: l}); err != nil || l.Calls != 0 {
		t.Errorf("a network by name: %v, %d lookups", err, l.Calls)
	}
}

func TestDriverAndServiceRules(t *testing.T) {
	opts := bodyrule.Options{Lookup: daemonState(), LogDrivers: []string{"fluentd"}}
	for _, c := range []struct {
		check bodyrule.Check
		body  string
		ok    bool
	}{
		{bodyrule.NetworkCreate, `{"Name":"n","Driver":"bridge","Options":{"com.docker.network.bridge.name":"br-host"}}`, false},
		{bodyrule.NetworkCreate, `{"Name":"n","Options":{"com.docker.network.driver.mtu":"1400","com.docker.network.bridge.enable_icc":"false"}}`, true},
		{bodyrule.NetworkCreate, `{"Name":"n","IPAM":{"Driver":"default","Options":{"x":"y"}}}`, false},
		{bodyrule.NetworkCreate, `{"Name":"n","IPAM":{"Driver":"weird"}}`, false},
		{bodyrule.NetworkCreate, `{"Name":"n","IPAM":{"Driver":"default","Config":[{"Subnet":"10.9.0.0/24"}]}}`, true},
		{bodyrule.NetworkCreate, `{"Name":"n","ConfigFrom":{"Network":"cfg"}}`, false},
		{bodyrule.NetworkCreate, `{"Name":"n","Ingress":true,"Driver":"overlay"}`, false},
		{bodyrule.NetworkCreate, `{"Name":"n","Bogus":1}`, false},
		{bodyrule.VolumeCreate, `{"Name":"v","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=64m,uid=1000"}}`, true},
		{bodyrule.VolumeCreate, `{"Name":"v","DriverOpts":{"type":"nfs","device":":/export","o":"addr=127.0.0.1"}}`, false},
		{bodyrule.VolumeCreate, `{"Name":"v","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"bind"}}`, false},
		{bodyrule.VolumeCreate, `{"Name":"v","Driver":"rexray"}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"LogConfig":{"Type":"syslog","Config":{"syslog-address":"tcp://127.0.0.1:1"}}}}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"LogConfig":{"Type":"","Config":{"syslog-address":"tcp://127.0.0.1:1"}}}}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"10m","max-file":"3"}}}}`, true},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"LogConfig":{"Type":"fluentd","Config":{"fluentd-address":"127.0.0.1:1"}}}}`, true},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"VolumeDriver":"convoy"}}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"Annotations":{"io.katacontainers.config.hypervisor.path":"/x"}}}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"Mounts":[{"Type":"volume","Target":"/v","VolumeOptions":{"Subpath":"a","DriverConfig":{"Options":{"type":"none","o":"bind","device":"/"}}}}]}}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","HostConfig":{"Mounts":[{"Type":"image","Source":"busybox","Target":"/i"}]}}`, true},
		{bodyrule.ContainerCreate, `{"Image":"x","NetworkingConfig":{"EndpointsConfig":{"apps":{"DriverOpts":{"com.docker.network.endpoint.sysctls":"x"}}}}}`, false},
		{bodyrule.ContainerCreate, `{"Image":"x","Cpuset":"0"}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"9f3c0hostnet"}]}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"9f3c"}]}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"apps"}]}}`, true},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"7a11"}]}}`, true},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"Networks":[{"Target":"nowhere"}]}}`, false},
		{bodyrule.ServiceSpec, `{"Networks":[{"Target":"apps"}],"TaskTemplate":{"ContainerSpec":{"Image":"x"}}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x"},"LogDriver":{"Name":"gelf","Options":{"gelf-address":"udp://127.0.0.1:1"}}}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x","Privileges":{"Seccomp":{"Mode":"unconfined"}}}}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x","Privileges":{"AppArmor":{"Mode":"disabled"}}}}}`, false},
		{bodyrule.NetworkConnect, `{"Container":"c","EndpointConfig":{"DriverOpts":{"com.docker.network.endpoint.ifname":"eth7"}}}`, true},
		{bodyrule.NetworkConnect, `{"Container":"c","EndpointConfig":{"DriverOpts":{"x":"y"}}}`, false},
		{bodyrule.SecretCreate, `{"Name":"s","Data":"eA==","Driver":{"Name":"vault"}}`, false},
		{bodyrule.SecretCreate, `{"Name":"s","Data":"eA=="}`, true},
	} {
		if _, err := c.check([]byte(c.body), opts); (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.body, err, c.ok)
		}
	}
}
