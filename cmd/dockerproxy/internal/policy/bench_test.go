package policy_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule/fixed"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/identity"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/policy"
)

// cliCreate is the body docker run sends (CLI 28, trimmed of nothing but
// whitespace): every HostConfig field, most of them zero.
const cliCreate = `{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":[],"Cmd":["true"],"Image":"busybox:local","Volumes":{},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"none","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":true,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":null,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"NetworkingConfig":{"EndpointsConfig":{}}}`

func benchCheck(b *testing.B, name, method, target, body string) {
	p, err := policy.New(policy.Options{Name: name})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r := httptest.NewRequest(method, target, rd)
		if d := p.Check(r); d != nil {
			b.Fatal(d)
		}
	}
}

// BenchmarkCheckPing: the policy's cost on a request without a body.
func BenchmarkCheckPing(b *testing.B) { benchCheck(b, "full", "HEAD", "/v1.41/_ping", "") }

// BenchmarkCheckCreate: the policy's cost on the body docker run sends.
func BenchmarkCheckCreate(b *testing.B) {
	benchCheck(b, "full", http.MethodPost, "/v1.41/containers/create", cliCreate)
}

// benchOwned is benchCheck under ownership for client a, with the
// daemon's answers fixed (a lookup the cache answers; the round trip a
// cache miss costs is the daemon's inspect, measured end to end).
func benchOwned(b *testing.B, method, target, body string) {
	p, err := policy.New(policy.Options{Name: "full", Ownership: true})
	if err != nil {
		b.Fatal(err)
	}
	p.UseDaemon(fixedDaemon{&fixed.State{
		Images:     []*bodyrule.ImageInfo{{ID: "sha256:cccc0003", RepoTags: []string{"busybox:local"}}},
		Containers: []*bodyrule.ContainerInfo{{ID: "a1a1a1a1", Name: "/web", HostConfig: &container.HostConfig{}, Labels: map[string]string{owner.Key: "a"}}},
	}})
	ctx := identity.With(context.Background(), "a")
	b.ReportAllocs()
	for b.Loop() {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r := httptest.NewRequestWithContext(ctx, method, target, rd)
		if d := p.Check(r); d != nil {
			b.Fatal(d)
		}
	}
}

// BenchmarkCheckPingOwned: ownership's cost on a request naming nothing.
func BenchmarkCheckPingOwned(b *testing.B) { benchOwned(b, "HEAD", "/v1.41/_ping", "") }

// BenchmarkCheckCreateOwned: docker run's create under ownership: the
// image looked up, the label added and the edited body checked again.
func BenchmarkCheckCreateOwned(b *testing.B) {
	benchOwned(b, http.MethodPost, "/v1.41/containers/create", cliCreate)
}

// BenchmarkCheckExecOwned: an exec create naming a container, looked up
// and pinned to its ID.
func BenchmarkCheckExecOwned(b *testing.B) {
	benchOwned(b, http.MethodPost, "/v1.41/containers/web/exec", `{"Cmd":["true"],"AttachStdout":true}`)
}
