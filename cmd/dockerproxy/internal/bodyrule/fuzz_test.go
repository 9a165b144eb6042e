package bodyrule_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
)

// The reference is moby's container create body as dockerd 20.10 decodes
// it (runconfig.ContainerConfigWrapper with container.Config,
// container.HostConfig, container.Resources and mount.Mount), every field
// with its type, so that encoding/json resolves keys exactly as in dockerd.

type RefWrapper struct {
	*RefConfig
	InnerHostConfig *RefHostConfig `json:"HostConfig,omitempty"`
	Cpuset          string         `json:",omitempty"`
	*RefHostConfig
	NetworkingConfig *struct {
		EndpointsConfig map[string]*struct {
			IPAMConfig *struct {
				IPv4Address, IPv6Address string
				LinkLocalIPs             []string
			}
			Links      []string
			Aliases    []string
			NetworkID  string
			EndpointID string
			Gateway    string
			IPAddress  string
			MacAddress string
			DriverOpts map[string]string
		}
	} `json:"NetworkingConfig,omitempty"`
}

type RefConfig struct {
	Hostname, Domainname, User              string
	AttachStdin, AttachStdout, AttachStderr bool
	ExposedPorts                            map[string]struct{} `json:",omitempty"`
	Tty, OpenStdin, StdinOnce               bool
	Env                                     []string
	Cmd                                     refStrSlice
	Healthcheck                             *struct {
		Test                                    []string `json:",omitempty"`
		Interval, Timeout, StartPeriod, Retries int64    `json:",omitempty"`
	} `json:",omitempty"`
	ArgsEscaped     bool `json:",omitempty"`
	Image           string
	Volumes         map[string]struct{}
	WorkingDir      string
	Entrypoint      refStrSlice
	NetworkDisabled bool   `json:",omitempty"`
	MacAddress      string `json:",omitempty"`
	OnBuild         []string
	Labels          map[string]string
	StopSignal      string      `json:",omitempty"`
	StopTimeout     *int        `json:",omitempty"`
	Shell           refStrSlice `json:",omitempty"`
}

type refThrottle struct {
	Path string
	Rate uint64
}

type refResources struct {
	CPUShares         int64 `json:"CpuShares"`
	Memory            int64
	NanoCPUs          int64 `json:"NanoCpus"`
	CgroupParent      string
	BlkioWeight       uint16
	BlkioWeightDevice []*struct {
		Path   string
		Weight uint16
	}
	BlkioDeviceReadBps   []*refThrottle
	BlkioDeviceWriteBps  []*refThrottle
	BlkioDeviceReadIOps  []*refThrottle
	BlkioDeviceWriteIOps []*refThrottle
	CPUPeriod            int64 `json:"CpuPeriod"`
	CPUQuota             int64 `json:"CpuQuota"`
	CPURealtimePeriod    int64 `json:"CpuRealtimePeriod"`
	CPURealtimeRuntime   int64 `json:"CpuRealtimeRuntime"`
	CpusetCpus           string
	CpusetMems           string
	Devices              []struct{ PathOnHost, PathInContainer, CgroupPermissions string }
	DeviceCgroupRules    []string
	DeviceRequests       []struct {
		Driver       string
		Count        int
		DeviceIDs    []string
		Capabilities [][]string
		Options      map[string]string
	}
	KernelMemory      int64
	KernelMemoryTCP   int64
	MemoryReservation int64
	MemorySwap        int64
	MemorySwappiness  *int64
	OomKillDisable    *bool
	PidsLimit         *int64
	Ulimits           []*struct {
		Name       string
		Hard, Soft int64
	}
	CPUCount           int64 `json:"CpuCount"`
	CPUPercent         int64 `json:"CpuPercent"`
	IOMaximumIOps      uint64
	IOMaximumBandwidth uint64
}

type RefHostConfig struct {
	Binds           []string
	ContainerIDFile string
	LogConfig       struct {
		Type   string
		Config map[string]string
	}
	NetworkMode   string
	PortBindings  map[string][]struct{ HostIP, HostPort string }
	RestartPolicy struct {
		Name              string
		MaximumRetryCount int
	}
	AutoRemove      bool
	VolumeDriver    string
	VolumesFrom     []string
	CapAdd          refStrSlice
	CapDrop         refStrSlice
	CgroupnsMode    string
	DNS             []string `json:"Dns"`
	DNSOptions      []string `json:"DnsOptions"`
	DNSSearch       []string `json:"DnsSearch"`
	ExtraHosts      []string
	GroupAdd        []string
	IpcMode         string
	Cgroup          string
	Links           []string
	OomScoreAdj     int
	PidMode         string
	Privileged      bool
	PublishAllPorts bool
	ReadonlyRootfs  bool
	SecurityOpt     []string
	StorageOpt      map[string]string `json:",omitempty"`
	Tmpfs           map[string]string `json:",omitempty"`
	UTSMode         string
	UsernsMode      string
	ShmSize         int64
	Sysctls         map[string]string `json:",omitempty"`
	Runtime         string            `json:",omitempty"`
	ConsoleSize     [2]uint
	Isolation       string
	refResources
	Mounts        []refMount `json:",omitempty"`
	MaskedPaths   []string
	ReadonlyPaths []string
	Init          *bool `json:",omitempty"`
}

type refMount struct {
	Type        string `json:",omitempty"`
	Source      string `json:",omitempty"`
	Target      string `json:",omitempty"`
	ReadOnly    bool   `json:",omitempty"`
	Consistency string `json:",omitempty"`
	BindOptions *struct {
		Propagation  string `json:",omitempty"`
		NonRecursive bool   `json:",omitempty"`
	} `json:",omitempty"`
	VolumeOptions *struct {
		NoCopy       bool              `json:",omitempty"`
		Labels       map[string]string `json:",omitempty"`
		DriverConfig *struct {
			Name    string            `json:",omitempty"`
			Options map[string]string `json:",omitempty"`
		} `json:",omitempty"`
	} `json:",omitempty"`
	TmpfsOptions *struct {
		SizeBytes int64  `json:",omitempty"`
		Mode      uint32 `json:",omitempty"`
	} `json:",omitempty"`
}

// refStrSlice is strslice.StrSlice.
type refStrSlice []string

func (e *refStrSlice) UnmarshalJSON(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	p := make([]string, 0, 1)
	if err := json.Unmarshal(b, &p); err != nil {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		p = append(p, s)
	}
	*e = p
	return nil
}

const allowedDir = "/srv/ci"

// hostConfigs returns the HostConfig dockerd acts on (getHostConfig: the
// inner one when present) and, with both, the top-level one too.
func hostConfigs(w *RefWrapper, both bool) []*RefHostConfig {
	if w.InnerHostConfig != nil && !both {
		return []*RefHostConfig{w.InnerHostConfig}
	}
	var out []*RefHostConfig
	for _, hc := range []*RefHostConfig{w.InnerHostConfig, w.RefHostConfig} {
		if hc != nil {
			out = append(out, hc)
		}
	}
	return out
}

// refForbidden says whether the decoded body gives the container the host.
func refForbidden(w *RefWrapper, both bool) bool {
	if w.NetworkingConfig != nil {
		for k := range w.NetworkingConfig.EndpointsConfig {
			if strings.EqualFold(k, "host") {
				return true
			}
		}
	}
	underAllowed := func(p string) bool {
		c := filepath.Clean(p)
		return filepath.IsAbs(p) && (c == allowedDir || strings.HasPrefix(c, allowedDir+"/"))
	}
	for _, hc := range hostConfigs(w, both) {
		for _, m := range []string{hc.NetworkMode, hc.PidMode, hc.IpcMode, hc.UTSMode, hc.UsernsMode, hc.CgroupnsMode, hc.Cgroup} {
			m = strings.ToLower(strings.TrimSpace(m))
			// container:<name>: with no daemon to look it up, refused.
			if m == "host" || strings.HasPrefix(m, "container:") {
				return true
			}
		}
		if d := strings.TrimSpace(hc.VolumeDriver); d != "" && d != "local" {
			return true
		}
		switch hc.LogConfig.Type {
		case "", "json-file", "local", "journald", "none":
			for k := range hc.LogConfig.Config {
				switch k {
				case "max-size", "max-file", "compress", "mode", "max-buffer-size", "tag", "labels", "labels-regex", "env", "env-regex":
				default:
					return true
				}
			}
		default:
			return true
		}
		if hc.Privileged || len(hc.CapAdd) > 0 || hc.MaskedPaths != nil || hc.ReadonlyPaths != nil ||
			len(hc.VolumesFrom) > 0 || hc.CgroupParent != "" || len(hc.Devices) > 0 ||
			len(hc.DeviceCgroupRules) > 0 || len(hc.DeviceRequests) > 0 {
			return true
		}
		for _, o := range hc.SecurityOpt {
			if o := strings.ReplaceAll(strings.TrimSpace(o), ":", "="); o != "no-new-privileges" && o != "no-new-privileges=true" {
				return true
			}
		}
		for _, b := range hc.Binds {
			parts := strings.Split(b, ":")
			if len(parts) < 2 {
				continue
			}
			named := len(parts[0]) > 1 && strings.Trim(parts[0], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == "" &&
				!strings.ContainsAny(parts[0][:1], "_.-")
			if !named && !underAllowed(parts[0]) {
				return true
			}
		}
		for _, m := range hc.Mounts {
			switch m.Type {
			case "tmpfs", "image":
			case "bind":
				if !underAllowed(m.Source) {
					return true
				}
			case "volume":
				if v := m.VolumeOptions; v != nil && v.DriverConfig != nil && (len(v.DriverConfig.Options) > 0 || (v.DriverConfig.Name != "" && v.DriverConfig.Name != "local")) &&
					(v.DriverConfig.Options["type"] != "tmpfs" || v.DriverConfig.Options["o"] != "") {
					return true
				}
			default:
				return true
			}
		}
	}
	if w.NetworkingConfig != nil {
		for _, ep := range w.NetworkingConfig.EndpointsConfig {
			for k := range ep.DriverOpts {
				if k != "com.docker.network.endpoint.ifname" {
					return true
				}
			}
		}
	}
	return false
}

var createSeeds = []string{
	`{"Image":"busybox","HostConfig":{"NetworkMode":"none"}}`,
	`{"Image":"busybox","HostConfig":{"Privileged":true}}`,
	`{"Image":"busybox","HostConfig":{"privileged":true}}`,
	`{"Image":"busybox","hostconfig":{"PRIVILEGED":true}}`,
	`{"Image":"busybox","Privileged":true}`,
	`{"Image":"busybox","HostConfig":{},"Privileged":true}`,
	`{"Image":"busybox","HostConfig":null,"Privileged":true}`,
	`{"Image":"busybox","HostConfig":{"Privileged":false,"Privileged":true}}`,
	`{"Image":"busybox","HostConfig":{"Privileged":true},"HostConfig":null}`,
	`{"Image":"busybox","HostConfig":{"Binds":["/:/host"]}}`,
	`{"Image":"busybox","HostConfig":{"Binds":["/srv/ci/a:/w","cache:/c","/anon"]}}`,
	`{"Image":"busybox","HostConfig":{"Bind\u017f":["/:/host"]}}`,
	`{"Image":"busybox","HostConfig":{"CapAdd":"SYS_ADMIN"}}`,
	`{"Image":"busybox","HostConfig":{"CapAdd":["SYS_ADMIN"],"CapDrop":["ALL"]}}`,
	`{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"bind","Source":"/etc","Target":"/e"}]}}`,
	`{"Image":"busybox","HostConfig":{"Mounts":[{"type":"volume","target":"/v","volumeoptions":{"driverconfig":{"options":{"device":"/"}}}}]}}`,
	`{"Image":"busybox","HostConfig":{"PidMode":"host","Unknown":{"deep":[1,{"x":null}]}}}`,
	`{"Image":"busybox","HostConfig":{"SecurityOpt":["no-new-privileges:true"]}}`,
	`{"Image":"busybox","HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}`,
	`{"Image":"busybox","HostConfig":{"MaskedPaths":[]}}`,
	`{"Image":"busybox","HostConfig":{"Devices":[{"PathOnHost":"/dev/sda"}]}}`,
	`{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"host":{}}}}`,
	`{"Image":"busybox","HostConfig":{"Privileged":"true"}}`,
	`{"Image":"busybox"} {"HostConfig":{"Privileged":true}}`,
	`[{"HostConfig":{"Privileged":true}}]`,
	`null`,
	``,
}

// FuzzContainerCreate: whatever the body, bodyrule.ContainerCreate never
// allows what dockerd, decoding with encoding/json into its own types,
// would act on as a host setting; and it refuses for a host setting only
// when the body has one. Run longer with
//
//	go test -run '^$' -fuzz FuzzContainerCreate -fuzztime 60s ./cmd/dockerproxy/internal/bodyrule/
func FuzzContainerCreate(f *testing.F) {
	for _, s := range createSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(compareCreate)
}

// compareCreate checks bodyrule.ContainerCreate's decision on body against
// encoding/json into dockerd's types.
func compareCreate(t *testing.T, body []byte) {
	t.Helper()
	_, err := bodyrule.ContainerCreate(body, bodyrule.Options{BindPaths: []string{allowedDir}})
	if len(bytes.TrimSpace(body)) == 0 {
		return
	}
	var w RefWrapper
	refErr := json.Unmarshal(body, &w)
	var denied *bodyrule.Denied
	var malformed *bodyrule.Malformed
	switch {
	case err == nil:
		if refErr == nil && refForbidden(&w, false) {
			t.Fatalf("allowed %s, which dockerd decodes to a host setting", body)
		}
	case errors.As(err, &denied) && denied.Unknown:
		// A field the Engine API's types lack: refusing is safe.
	case errors.As(err, &denied):
		if refErr == nil && !refForbidden(&w, true) {
			t.Fatalf("refused %s (%v), which has no host setting", body, err)
		}
	case errors.As(err, &malformed):
		// Refusing is always safe; duplicate keys and trailing data
		// are refused although encoding/json would decode them.
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
}

// TestContainerCreateGenerated runs compareCreate on bodies built from
// dockerd's field names in random case, at the top level and in
// HostConfig, with host and harmless values, unknown and nested fields,
// nulls and the occasional repeated key: what random bytes rarely hit.
// Seeded, so a failure reproduces.
func TestContainerCreateGenerated(t *testing.T) {
	fields := []struct {
		key    string
		values []string
	}{
		{"Privileged", []string{"true", "false", "null", `"true"`}},
		{"NetworkMode", []string{`"host"`, `"none"`, `"HOST"`, `" host"`, `"bridge"`, `"container:x"`}},
		{"PidMode", []string{`"host"`, `""`}},
		{"IpcMode", []string{`"host"`, `"shareable"`}},
		{"UTSMode", []string{`"host"`, `""`}},
		{"UsernsMode", []string{`"host"`, `""`}},
		{"CgroupnsMode", []string{`"host"`, `"private"`}},
		{"CapAdd", []string{`["SYS_ADMIN"]`, `"NET_ADMIN"`, `[]`, `null`}},
		{"CapDrop", []string{`["ALL"]`}},
		{"SecurityOpt", []string{`["seccomp=unconfined"]`, `["no-new-privileges"]`, `["no-new-privileges:true"]`, `[]`}},
		{"Binds", []string{`["/:/h"]`, `["/srv/ci/x:/w"]`, `["/srv/ci/../../etc:/w"]`, `["vol:/w"]`, `["/anon"]`, `["a:/w"]`}},
		{"Mounts", []string{`[{"Type":"bind","Source":"/etc","Target":"/e"}]`, `[{"type":"BIND","source":"/srv/ci","target":"/e"}]`,
			`[{"Type":"volume","Target":"/v","VolumeOptions":{"DriverConfig":{"Options":{"device":"/"}}}}]`, `[{"Type":"tmpfs","Target":"/t"}]`}},
		{"Devices", []string{`[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/x"}]`, `[]`}},
		{"DeviceCgroupRules", []string{`["a *:* rwm"]`}},
		{"DeviceRequests", []string{`[{"Count":-1}]`}},
		{"CgroupParent", []string{`"/"`, `""`}},
		{"VolumesFrom", []string{`["other"]`}},
		{"MaskedPaths", []string{`[]`, `null`}},
		{"ReadonlyPaths", []string{`[]`}},
		{"Memory", []string{`1000000`, `"x"`}},
		{"Cpuset", []string{`"0"`}},
		{"Unknown", []string{`{"Privileged":true,"deep":[{"HostConfig":{"Privileged":true}}]}`}},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	cased := func(k string) string {
		switch rng.IntN(4) {
		case 0:
			return strings.ToLower(k)
		case 1:
			return strings.ToUpper(k)
		}
		return k
	}
	obj := func() string {
		var parts []string
		for k := rng.IntN(4); k >= 0; k-- {
			f := fields[rng.IntN(len(fields))]
			parts = append(parts, `"`+cased(f.key)+`":`+f.values[rng.IntN(len(f.values))])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	n := 4000 // about 5 s under -race on 2 cores
	if testing.Short() {
		n = 1000
	}
	denied := 0
	for i := 0; i < n; i++ {
		parts := []string{`"Image":"busybox"`}
		switch rng.IntN(4) {
		case 0:
			parts = append(parts, `"`+cased("HostConfig")+`":`+obj())
		case 1:
			parts = append(parts, strings.Trim(obj(), "{}"))
		case 2:
			parts = append(parts, `"HostConfig":`+obj(), strings.Trim(obj(), "{}"))
		case 3:
			parts = append(parts, `"HostConfig":null`, strings.Trim(obj(), "{}"))
		}
		if rng.IntN(10) == 0 {
			parts = append(parts, `"NetworkingConfig":{"EndpointsConfig":{"`+cased("host")+`":{}}}`)
		}
		var keep []string
		for _, p := range parts {
			if p != "" {
				keep = append(keep, p)
			}
		}
		body := []byte("{" + strings.Join(keep, ",") + "}")
		compareCreate(t, body)
		var d *bodyrule.Denied
		if _, err := bodyrule.ContainerCreate(body, bodyrule.Options{BindPaths: []string{allowedDir}}); errors.As(err, &d) && !d.Unknown {
			denied++
		}
	}
	if denied < n/10 || denied > n*9/10 {
		t.Fatalf("%d of %d generated bodies denied: the generator does not exercise both decisions", denied, n)
	}
	t.Logf("%d of %d generated bodies denied for a host setting", denied, n)
}

func TestContainerCreate(t *testing.T) {
	opts := bodyrule.Options{BindPaths: []string{allowedDir}}
	for _, c := range []struct {
		body string
		want string // "", "denied" or "malformed"
	}{
		{createSeeds[0], ""},
		{createSeeds[1], "denied"},
		{createSeeds[2], "denied"},
		{createSeeds[3], "denied"},
		{createSeeds[4], "denied"},
		{createSeeds[5], "denied"},
		{createSeeds[6], "denied"},
		{createSeeds[7], "malformed"},
		{createSeeds[8], "malformed"},
		{createSeeds[9], "denied"},
		{createSeeds[10], ""},
		{createSeeds[11], "malformed"},
		// dockerd 20.10 takes a string for CapAdd (strslice); the
		// Engine API's types of today take a list only: refused all the
		// same, as malformed.
		{createSeeds[12], "malformed"},
		{createSeeds[14], "denied"},
		{createSeeds[15], "denied"},
		{createSeeds[17], ""},
		{createSeeds[18], "denied"},
		{createSeeds[19], "denied"},
		{createSeeds[21], "denied"},
		{createSeeds[22], "malformed"},
		{createSeeds[23], "malformed"},
	} {
		_, err := bodyrule.ContainerCreate([]byte(c.body), opts)
		var got string
		var d *bodyrule.Denied
		var m *bodyrule.Malformed
		switch {
		case errors.As(err, &d):
			got = "denied"
		case errors.As(err, &m):
			got = "malformed"
		}
		if got != c.want {
			t.Errorf("%s: %v, want %q", c.body, err, c.want)
		}
	}
}

func TestOtherBodies(t *testing.T) {
	for _, c := range []struct {
		check bodyrule.Check
		body  string
		ok    bool
	}{
		{bodyrule.ExecCreate, `{"Cmd":["sh"],"privileged":true}`, false},
		{bodyrule.ExecCreate, `{"Cmd":["sh"]}`, true},
		{bodyrule.ContainerUpdate, `{"Devices":[{"PathOnHost":"/dev/sda"}]}`, false},
		{bodyrule.ContainerUpdate, `{"Memory":1000000}`, true},
		{bodyrule.VolumeCreate, `{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/"}}`, false},
		{bodyrule.VolumeCreate, `{"Name":"v"}`, true},
		{bodyrule.NetworkCreate, `{"Name":"n","Driver":"macvlan","Options":{"parent":"eth0"}}`, false},
		{bodyrule.NetworkCreate, `{"Name":"n"}`, true},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x","Mounts":[{"Type":"bind","Source":"/","Target":"/h"}]}}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"ContainerSpec":{"Image":"x","CapabilityAdd":["CAP_SYS_ADMIN"]}}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"Networks":[{"Target":"host"}],"ContainerSpec":{"Image":"x"}}}`, false},
		{bodyrule.ServiceSpec, `{"TaskTemplate":{"PluginSpec":{"Name":"p"},"Runtime":"plugin"}}`, false},
		{bodyrule.ServiceSpec, `{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"x"}}}`, true},
		{bodyrule.PluginPrivileges, `[{"Name":"network","Value":["host"]}]`, false},
		{bodyrule.PluginPrivileges, `[]`, true},
		{bodyrule.PluginSet, `["mnt.source=/"]`, false},
		{bodyrule.PluginSet, `["DEBUG=1"]`, true},
		{bodyrule.Valid, `{"a":1,"A":2}`, false},
		{bodyrule.Valid, `{"a":{"b":1},"c":{"b":2}}`, true},
	} {
		if _, err := c.check([]byte(c.body), bodyrule.Options{}); (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.body, err, c.ok)
		}
	}
}
