package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSystemdUnit: the shipped unit runs as a dedicated user with the
// docker group and systemd's hardening, keeps the admin port off dockerd's
// 9323, passes systemd-analyze, and its command line is one the binary
// accepts.
func TestSystemdUnit(t *testing.T) {
	need(t)
	b, err := os.ReadFile("../dockerproxy.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			unit[k] = append(unit[k], v)
		}
	}
	for k, want := range map[string]string{
		"User": "dockerproxy", "SupplementaryGroups": "docker", "NoNewPrivileges": "yes",
		"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
	} {
		if got := unit[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	start := strings.Fields(unit["ExecStart"][0])
	if strings.Contains(unit["ExecStart"][0], ":9323") {
		t.Errorf("ExecStart uses 9323, dockerd's metrics port: %s", unit["ExecStart"][0])
	}
	// The flags parse (-version stops before listening).
	if out, err := exec.Command(env.proxyBin, append(start[1:], "-version")...).CombinedOutput(); err != nil {
		t.Errorf("the unit's flags: %v\n%s", err, out)
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("systemd-analyze not found (apt-get install systemd)")
		}
		t.Skip("systemd-analyze not found")
	}
	local := filepath.Join(t.TempDir(), "dockerproxy.service")
	os.WriteFile(local, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/dockerproxy", env.proxyBin)), 0o644)
	if out, err := exec.Command(analyze, "verify", local).CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
