package plugin_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer"
	"github.com/streamvet/streamvet/analyzer/abortrecover"
	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/plugin"
)

// newPlugin builds the plugin the way golangci-lint does: by name, with
// settings as the YAML decoder hands them over.
func newPlugin(t *testing.T, settings any) (register.LinterPlugin, error) {
	t.Helper()
	newFn, err := register.GetPlugin("streamvet")
	if err != nil {
		t.Fatal(err)
	}
	return newFn(settings)
}

func names(list []*analysis.Analyzer) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Name)
	}
	return out
}

func TestDefaults(t *testing.T) {
	for _, settings := range []any{nil, map[string]any{}} {
		p, err := newPlugin(t, settings)
		if err != nil {
			t.Fatalf("settings %v: %v", settings, err)
		}
		if got := p.GetLoadMode(); got != register.LoadModeTypesInfo {
			t.Errorf("GetLoadMode() = %q, want %q", got, register.LoadModeTypesInfo)
		}
		list, err := p.BuildAnalyzers()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(list, analyzer.Suite) {
			t.Errorf("BuildAnalyzers() = %v, want analyzer.Suite %v", names(list), names(analyzer.Suite))
		}
		if err := analysis.Validate(list); err != nil {
			t.Error(err)
		}
	}
}

func TestEnableDisable(t *testing.T) {
	for _, a := range analyzer.Suite {
		p, err := newPlugin(t, map[string]any{"disable": []any{a.Name}})
		if err != nil {
			t.Fatal(err)
		}
		list, _ := p.BuildAnalyzers()
		if slices.Contains(list, a) || len(list) != len(analyzer.Suite)-1 {
			t.Errorf("disable %s: got %v", a.Name, names(list))
		}

		p, err = newPlugin(t, map[string]any{"enable": []any{a.Name}})
		if err != nil {
			t.Fatal(err)
		}
		list, _ = p.BuildAnalyzers()
		if !slices.Equal(list, []*analysis.Analyzer{a}) {
			t.Errorf("enable %s: got %v", a.Name, names(list))
		}
	}
}

func TestBadSettings(t *testing.T) {
	first := analyzer.Suite[0].Name
	for _, tc := range []struct {
		settings any
		want     string
	}{
		{map[string]any{"disabled": []any{first}}, `unknown setting "disabled" (known settings: enable, disable, streaming-handlers, recovery-middleware)`},
		{map[string]any{"disable": []any{"nosuchcheck"}}, `setting disable: unknown analyzer "nosuchcheck" (analyzers: `},
		{map[string]any{"enable": []any{"streamflow"}}, `setting enable: unknown analyzer "streamflow"`},
		{map[string]any{"enable": first}, `setting enable: want a list of names, not a string`},
		{map[string]any{"enable": []any{first}, "disable": []any{first}}, `analyzer "` + first + `" is both enabled and disabled`},
		{map[string]any{"streaming-handlers": []any{"NewBroker"}}, `setting streaming-handlers: "NewBroker": no function name`},
		{map[string]any{"streaming-handlers": []any{"example.com/sse."}}, `"example.com/sse.": bad function name`},
		{map[string]any{"streaming-handlers": []any{"example.com/sse.(*Broker.Stream"}}, `bad receiver`},
		{map[string]any{"recovery-middleware": []any{"github.com/gin-gonic/gin.Recovery()"}}, `setting recovery-middleware: "github.com/gin-gonic/gin.Recovery()": bad function name`},
		{[]any{"writetimeout"}, `want a mapping of settings to lists of names`},
	} {
		_, err := newPlugin(t, tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "streamvet: ") {
			t.Errorf("settings %v: error %v, want one containing %q", tc.settings, err, tc.want)
		}
	}
}

// TestFunctionSettings checks that named functions are accepted and reach
// the analyzer that declares the flag for them.
func TestFunctionSettings(t *testing.T) {
	good := []string{
		"example.com/sse.NewBroker",
		"example.com/sse.Broker.Stream",
		"example.com/sse.(*Broker).Stream",
		"example.com/sse.(Broker).Stream",
		"github.com/gin-gonic/gin.Recovery",
		"net/http.StripPrefix",
		"io.Copy",
	}
	// A suite whose required analyzer declares one flag and whose check
	// declares the other, as streamflow and abortrecover do.
	flows := &analysis.Analyzer{Name: "flows", Doc: "flows", Run: func(*analysis.Pass) (any, error) { return nil, nil }}
	var handlers, recovery string
	flows.Flags.StringVar(&handlers, plugin.HandlersFlag, "", "streaming handlers")
	check := &analysis.Analyzer{Name: "check", Doc: "check", Requires: []*analysis.Analyzer{flows}, Run: flows.Run}
	check.Flags.StringVar(&recovery, plugin.RecoveryFlag, "", "recovery middleware")
	list, err := plugin.Configure(plugin.Settings{StreamingHandlers: good, RecoveryMiddleware: good[4:5]}, []*analysis.Analyzer{check})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(list, []*analysis.Analyzer{check}) {
		t.Errorf("analyzers %v", names(list))
	}
	if want := strings.Join(good, ","); handlers != want {
		t.Errorf("-%s = %q, want %q", plugin.HandlersFlag, handlers, want)
	}
	if recovery != good[4] {
		t.Errorf("-%s = %q, want %q", plugin.RecoveryFlag, recovery, good[4])
	}

	// Without such a flag the setting cannot take effect: say so rather
	// than ignore it.
	plain := &analysis.Analyzer{Name: "plain", Doc: "plain", Run: flows.Run, Flags: *flag.NewFlagSet("plain", flag.ContinueOnError)}
	_, err = plugin.Configure(plugin.Settings{StreamingHandlers: good[:1]}, []*analysis.Analyzer{plain})
	if err == nil || !strings.Contains(err.Error(), "setting streaming-handlers is valid, but no analyzer of this streamvet version takes it yet") {
		t.Errorf("error %v", err)
	}
}

// TestSettingsReachChecks checks that the function settings reach the real
// checks: streamflow's -handlers and abortrecover's -recovery.
func TestSettingsReachChecks(t *testing.T) {
	defer streamflow.Handlers.Set("")
	defer abortrecover.Recovery.Set("")
	_, err := plugin.Configure(plugin.Settings{
		StreamingHandlers:  []string{"example.com/sse.NewBroker", "example.com/sse.(*Broker).Stream"},
		RecoveryMiddleware: []string{"github.com/gin-gonic/gin.Recovery"},
	}, analyzer.Suite)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := streamflow.Handlers.String(), "example.com/sse.NewBroker,example.com/sse.(*Broker).Stream"; got != want {
		t.Errorf("streamflow -handlers = %q, want %q", got, want)
	}
	if got, want := abortrecover.Recovery.String(), "github.com/gin-gonic/gin.Recovery"; got != want {
		t.Errorf("abortrecover -recovery = %q, want %q", got, want)
	}
}

// TestCustomConfig checks the .custom-gcl.yml the README tells projects to
// copy: the golangci-lint version the plugin is built and tested with
// (testdata/golangci), this module, and a package of it that registers
// the plugin.
func TestCustomConfig(t *testing.T) {
	data, err := os.ReadFile("custom-gcl.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version     string `yaml:"version"`
		Name        string `yaml:"name"`
		Destination string `yaml:"destination"`
		Plugins     []struct {
			Module, Import, Path, Version string
		} `yaml:"plugins"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("custom-gcl.yml: %v", err)
	}
	wrapper, err := os.ReadFile(filepath.Join("..", "testdata", "golangci", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "github.com/golangci/golangci-lint/v2 " + cfg.Version + "\n"; !strings.Contains(string(wrapper), want) {
		t.Errorf("custom-gcl.yml builds golangci-lint %s, but the plugin is tested with the version testdata/golangci requires", cfg.Version)
	}
	if cfg.Name == "" || cfg.Destination == "" || len(cfg.Plugins) != 1 {
		t.Fatalf("custom-gcl.yml: want a name, a destination and one plugin: %+v", cfg)
	}
	p := cfg.Plugins[0]
	mod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(mod), "module "+p.Module+"\n") {
		t.Errorf("plugin module %q is not this module", p.Module)
	}
	rel, ok := strings.CutPrefix(p.Import, p.Module+"/")
	if !ok {
		t.Fatalf("plugin import %q is not a package of %s", p.Import, p.Module)
	}
	src, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel), "plugin.go"))
	if err != nil || !strings.Contains(string(src), `register.Plugin("streamvet"`) {
		t.Errorf("package %s does not register the streamvet plugin (%v)", p.Import, err)
	}
	if p.Path == "" || p.Version != "" {
		t.Errorf("the plugin entry should name a checkout by path until the module is published: %+v", p)
	}
}
