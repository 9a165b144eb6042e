package main_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow the CI recipe uses.
type workflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
			If   string            `yaml:"if"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// localRepo makes a git repository of this module's sources (without
// testdata) and returns its path and the commit: the CI recipes clone and
// build streamvet from it as they would from the published repository.
func localRepo(t *testing.T) (string, string) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is required (apt-get install git)")
		}
		t.Skip("git not found: apt-get install git")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(t.TempDir(), "streamvet")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (rel == ".git" || rel == "testdata" || rel == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(repo, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "streamvet"}} {
		if out, err := exec.Command(git, append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	out, err := exec.Command(git, "-C", repo, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return repo, strings.TrimSpace(string(out))
}

// bash runs script with bash -e in dir, with env added, and returns its
// exit code and combined output.
func bash(t *testing.T, dir, script string, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(goEnv(), env...)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// checkSARIF asserts that file holds a SARIF log with n results.
func checkSARIF(t *testing.T, file string, n int) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("%s is not a SARIF 2.1.0 log (%v):\n%s", file, err, data)
	}
	if got := len(log.Runs[0].Results); got != n {
		t.Errorf("%s has %d results, want %d", file, got, n)
	}
}

// TestGitHubWorkflow runs the steps of the GitHub Actions recipe on the
// demo, as the runner would (the actions it uses are checked, not run):
// streamvet is built from a clone at the pinned commit, the SARIF holds
// every finding, go vet fails the build, and passes once fixed.
func TestGitHubWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("ci", "github-actions.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("github-actions.yml: %v", err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	if wf.Permissions["security-events"] != "write" {
		t.Error("upload-sarif needs permissions: security-events: write")
	}
	job, ok := wf.Jobs["streamvet"]
	if !ok {
		t.Fatal("no job streamvet")
	}
	if ref := job.Env["STREAMVET_REF"]; len(ref) != 40 {
		t.Errorf("STREAMVET_REF %q is not a pinned commit", ref)
	}
	repo, ref := localRepo(t)
	dir, runner := copyDemo(t), t.TempDir()
	env := []string{"RUNNER_TEMP=" + runner, "STREAMVET_REPO=" + repo, "STREAMVET_REF=" + ref}
	var uses []string
	var sarif string
	vetFailed := false
	for _, step := range job.Steps {
		switch {
		case step.Uses != "":
			uses = append(uses, step.Uses)
			if strings.HasPrefix(step.Uses, "github/codeql-action/upload-sarif@") {
				sarif = step.With["sarif_file"]
				if step.If != "always()" {
					t.Errorf("the upload step runs only on success (if: %q): a failed build uploads nothing", step.If)
				}
			}
			if strings.HasPrefix(step.Uses, "actions/setup-go@") && step.With["go-version"] != "1.26" {
				t.Errorf("setup-go installs %q, want 1.26", step.With["go-version"])
			}
		case strings.Contains(step.Run, "go vet"):
			code, out := bash(t, dir, step.Run, env...)
			if code != 1 || !strings.Contains(out, "cmd/blogproxy/main.go:26:3: WriteTimeout (10s)") {
				t.Errorf("step %q on the demo: exit code %d, want 1 with the findings\n%s", step.Name, code, out)
			}
			vetFailed = true
			// Fixed, the same step passes.
			if code, out := bash(t, dir, `"$RUNNER_TEMP/bin/streamvet" -fix ./...`, env...); code != 0 {
				t.Fatalf("streamvet -fix: %d\n%s", code, out)
			}
			if code, out := bash(t, dir, step.Run, env...); code != 0 {
				t.Errorf("step %q on the fixed demo: exit code %d\n%s", step.Name, code, out)
			}
		default:
			if code, out := bash(t, dir, step.Run, env...); code != 0 {
				t.Fatalf("step %q: exit code %d\n%s", step.Name, code, out)
			}
		}
	}
	if !vetFailed {
		t.Error("no step runs go vet -vettool")
	}
	for _, want := range []string{"actions/checkout@", "actions/setup-go@", "github/codeql-action/upload-sarif@"} {
		if !strings.Contains(strings.Join(uses, " "), want) {
			t.Errorf("the workflow uses no %s", want)
		}
	}
	if sarif == "" {
		t.Fatal("no upload-sarif step with a sarif_file")
	}
	checkSARIF(t, filepath.Join(dir, sarif), len(demoFindings))
}

// TestShellRecipe runs the plain shell recipe for any CI on the demo.
func TestShellRecipe(t *testing.T) {
	t.Parallel()
	script, err := filepath.Abs(filepath.Join("ci", "streamvet.sh"))
	if err != nil {
		t.Fatal(err)
	}
	repo, ref := localRepo(t)
	dir, cache := copyDemo(t), t.TempDir()
	env := []string{"STREAMVET_REPO=" + repo, "STREAMVET_REF=" + ref, "STREAMVET_DIR=" + cache, "STREAMVET_SARIF=" + filepath.Join(dir, "out.sarif")}
	code, out := bash(t, dir, `bash "`+script+`"`, env...)
	if code != 1 || !strings.Contains(out, "cmd/ticker/main.go:28:3: WriteTimeout (1m0s)") {
		t.Errorf("streamvet.sh on the demo: exit code %d, want 1 with the findings\n%s", code, out)
	}
	checkSARIF(t, filepath.Join(dir, "out.sarif"), len(demoFindings))
	// The binary is reused, the packages can be named.
	bin := filepath.Join(cache, "bin", "streamvet")
	before, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	code, out = bash(t, dir, `bash "`+script+`" ./internal/...`, env...)
	if code != 0 {
		t.Errorf("streamvet.sh ./internal/...: exit code %d\n%s", code, out)
	}
	if after, err := os.Stat(bin); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("streamvet.sh built streamvet again for the same commit")
	}
}

// TestPreCommitHook checks .pre-commit-hooks.yaml as pre-commit reads it
// and runs its entry on the demo, with streamvet on PATH as the hook's
// environment has it.
func TestPreCommitHook(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "..", ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID            string   `yaml:"id"`
		Name          string   `yaml:"name"`
		Entry         string   `yaml:"entry"`
		Args          []string `yaml:"args"`
		Language      string   `yaml:"language"`
		Types         []string `yaml:"types"`
		PassFilenames *bool    `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	if len(hooks) != 1 {
		t.Fatalf("%d hooks, want 1", len(hooks))
	}
	h := hooks[0]
	if h.ID != "streamvet" || h.Name == "" || h.Language != "golang" || h.PassFilenames == nil || *h.PassFilenames {
		t.Errorf("hook %+v: want id streamvet, a name, language golang and pass_filenames: false (the checks need whole packages)", h)
	}
	sv := streamvet(t)
	dir := copyDemo(t)
	script := strings.Join(append([]string{h.Entry}, h.Args...), " ")
	path := "PATH=" + filepath.Dir(sv) + string(os.PathListSeparator) + os.Getenv("PATH")
	if code, out := bash(t, dir, script, path); code == 0 || !strings.Contains(out, "writetimeout: ") {
		t.Errorf("%s on the demo: exit code %d, want a failure with the findings\n%s", script, code, out)
	}
	if code, out := bash(t, dir, "streamvet -fix ./...", path); code != 0 {
		t.Fatalf("streamvet -fix: %d\n%s", code, out)
	}
	if code, out := bash(t, dir, script, path); code != 0 {
		t.Errorf("%s on the fixed demo: exit code %d\n%s", script, code, out)
	}
}
