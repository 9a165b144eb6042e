// Package plugin is the golangci-lint v2 module plugin of streamvet.
//
// A custom golangci-lint binary that imports this package (see
// `golangci-lint custom` and .custom-gcl.yml) offers a linter named
// streamvet that runs the checks of analyzer.Suite. Its settings in
// .golangci.yml:
//
//	linters:
//	  enable: [streamvet]
//	  settings:
//	    custom:
//	      streamvet:
//	        type: module
//	        description: net/http streaming bugs
//	        settings:
//	          disable: [ctxdetach]          # or enable: [writetimeout], to run only those
//	          streaming-handlers:            # constructors whose handler streams
//	            - example.com/sse.NewBroker
//	            - example.com/sse.(*Broker).Stream
//	          recovery-middleware:           # middleware that swallows http.ErrAbortHandler
//	            - github.com/gin-gonic/gin.Recovery
//
// Unknown settings and unknown analyzer names are errors, so that a typo
// does not silently leave a check off.
package plugin

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"regexp"
	"slices"
	"strings"

	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer"
)

func init() {
	register.Plugin("streamvet", New)
}

// Settings are the plugin's settings, decoded from .golangci.yml.
type Settings struct {
	// Enable, when not empty, runs only the named analyzers.
	Enable []string `json:"enable"`
	// Disable runs every analyzer but the named ones.
	Disable []string `json:"disable"`
	// StreamingHandlers names functions and methods, qualified by import
	// path, that return a streaming handler or are one: "pkg/path.Func",
	// "pkg/path.Type.Method" or "pkg/path.(*Type).Method".
	StreamingHandlers []string `json:"streaming-handlers"`
	// RecoveryMiddleware names recovery middleware, qualified in the same
	// way, that swallows http.ErrAbortHandler.
	RecoveryMiddleware []string `json:"recovery-middleware"`
}

// Analyzer flags through which settings reach the checks: the first
// analyzer of the suite (or one it requires) that declares the flag gets
// the names, comma-separated.
const (
	HandlersFlag = "handlers" // gets StreamingHandlers
	RecoveryFlag = "recovery" // gets RecoveryMiddleware
)

// Plugin is the streamvet linter of golangci-lint.
type Plugin struct {
	analyzers []*analysis.Analyzer
}

var _ register.LinterPlugin = (*Plugin)(nil)

// New decodes and checks the settings; golangci-lint calls it once per run.
func New(settings any) (register.LinterPlugin, error) {
	s, err := decode(settings)
	if err != nil {
		return nil, err
	}
	list, err := configure(s, analyzer.Suite)
	if err != nil {
		return nil, err
	}
	return &Plugin{analyzers: list}, nil
}

// BuildAnalyzers returns the checks of analyzer.Suite that the settings
// leave enabled.
func (p *Plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return p.analyzers, nil
}

// GetLoadMode asks for type information: the checks match symbols by type
// and read facts from dependencies.
func (p *Plugin) GetLoadMode() string {
	return register.LoadModeTypesInfo
}

var settingNames = []string{"enable", "disable", "streaming-handlers", "recovery-middleware"}

// unknownField matches encoding/json's error for a key that no field takes.
var unknownField = regexp.MustCompile(`unknown field "([^"]*)"`)

func decode(raw any) (Settings, error) {
	s, err := register.DecodeSettings[Settings](raw)
	if err == nil {
		return s, nil
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return Settings{}, fmt.Errorf("streamvet: unknown setting %q (known settings: %s)", m[1], strings.Join(settingNames, ", "))
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		return Settings{}, fmt.Errorf("streamvet: setting %s: want a list of names, not a %s", te.Field, te.Value)
	}
	return Settings{}, fmt.Errorf("streamvet: %v (want a mapping of settings to lists of names; known settings: %s)", err, strings.Join(settingNames, ", "))
}

// configure checks the settings against suite, passes the named
// functions to the analyzers that take them, and returns the analyzers to
// run, in suite order.
func configure(s Settings, suite []*analysis.Analyzer) ([]*analysis.Analyzer, error) {
	byName := make(map[string]*analysis.Analyzer)
	var names []string
	for _, a := range suite {
		byName[a.Name] = a
		names = append(names, a.Name)
	}
	for _, list := range []struct {
		key   string
		names []string
	}{{"enable", s.Enable}, {"disable", s.Disable}} {
		for _, name := range list.names {
			if byName[name] == nil {
				return nil, fmt.Errorf("streamvet: setting %s: unknown analyzer %q (analyzers: %s)", list.key, name, strings.Join(names, ", "))
			}
			if list.key == "disable" && slices.Contains(s.Enable, name) {
				return nil, fmt.Errorf("streamvet: analyzer %q is both enabled and disabled", name)
			}
		}
	}
	for _, list := range []struct {
		key, flag string
		names     []string
	}{
		{"streaming-handlers", HandlersFlag, s.StreamingHandlers},
		{"recovery-middleware", RecoveryFlag, s.RecoveryMiddleware},
	} {
		if len(list.names) == 0 {
			continue
		}
		for _, name := range list.names {
			if err := checkFuncName(name); err != nil {
				return nil, fmt.Errorf("streamvet: setting %s: %v", list.key, err)
			}
		}
		f := findFlag(suite, list.flag)
		if f == nil {
			return nil, fmt.Errorf("streamvet: setting %s is valid, but no analyzer of this streamvet version takes it yet (none has a -%s flag); remove it or upgrade streamvet", list.key, list.flag)
		}
		if err := f.Value.Set(strings.Join(list.names, ",")); err != nil {
			return nil, fmt.Errorf("streamvet: setting %s: %v", list.key, err)
		}
	}

	var keep []*analysis.Analyzer
	for _, a := range suite {
		if len(s.Enable) > 0 && !slices.Contains(s.Enable, a.Name) {
			continue
		}
		if slices.Contains(s.Disable, a.Name) {
			continue
		}
		keep = append(keep, a)
	}
	return keep, nil
}

// findFlag returns the first flag called name declared by an analyzer of
// suite or one it requires.
func findFlag(suite []*analysis.Analyzer, name string) *flag.Flag {
	seen := make(map[*analysis.Analyzer]bool)
	var visit func(list []*analysis.Analyzer) *flag.Flag
	visit = func(list []*analysis.Analyzer) *flag.Flag {
		for _, a := range list {
			if seen[a] {
				continue
			}
			seen[a] = true
			if f := a.Flags.Lookup(name); f != nil {
				return f
			}
			if f := visit(a.Requires); f != nil {
				return f
			}
		}
		return nil
	}
	return visit(suite)
}

// checkFuncName checks that name is a function or method qualified by
// its import path: "path/to/pkg.Func", "path/to/pkg.Type.Method" or
// "path/to/pkg.(*Type).Method".
func checkFuncName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%q: %s; want an import path and a function, such as example.com/pkg.Func, example.com/pkg.Type.Method or example.com/pkg.(*Type).Method", name, why)
	}
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return bad("no function name")
	}
	path, sym := name[:slash+1+dot], name[slash+1+dot+1:]
	if path == "" || strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") || strings.Contains(path, "//") {
		return bad("bad import path")
	}
	for _, r := range path {
		if r <= ' ' || strings.ContainsRune(`"'\:;,()*`, r) {
			return bad("bad import path")
		}
	}
	var recv, fn string
	switch {
	case strings.HasPrefix(sym, "("):
		end := strings.Index(sym, ").")
		if end < 0 {
			return bad("bad receiver")
		}
		recv, fn = strings.TrimPrefix(sym[1:end], "*"), sym[end+2:]
	case strings.Contains(sym, "."):
		recv, fn, _ = strings.Cut(sym, ".")
	default:
		fn = sym
	}
	if recv != "" && !token.IsIdentifier(recv) || strings.HasPrefix(sym, "(") && recv == "" {
		return bad("bad receiver type")
	}
	if !token.IsIdentifier(fn) {
		return bad("bad function name")
	}
	return nil
}
