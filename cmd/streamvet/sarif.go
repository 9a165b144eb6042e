package main

// This file prints the findings as SARIF 2.1.0 (OASIS Static Analysis
// Results Interchange Format), which GitHub code scanning and other SARIF
// consumers read. Each check is a rule described by its documentation.

import (
	"encoding/json"
	"go/token"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	Invocations        []sarifInvocation           `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	ShortDescription     sarifText    `json:"shortDescription"`
	FullDescription      sarifText    `json:"fullDescription"`
	Help                 sarifText    `json:"help"`
	HelpURI              string       `json:"helpUri,omitempty"`
	DefaultConfiguration sarifDefault `json:"defaultConfiguration"`
}

type sarifDefault struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifResult struct {
	RuleID           string          `json:"ruleId"`
	RuleIndex        int             `json:"ruleIndex"`
	Level            string          `json:"level"`
	Message          sarifText       `json:"message"`
	Locations        []sarifLocation `json:"locations"`
	RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
	Fixes            []sarifFix      `json:"fixes,omitempty"`
}

type sarifLocation struct {
	ID               *int          `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifText    `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
	// For replacements: byte offsets, exact for Go source.
	ByteOffset *int `json:"byteOffset,omitempty"`
	ByteLength *int `json:"byteLength,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLoc   `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent *sarifText  `json:"insertedContent,omitempty"`
}

const srcRoot = "%SRCROOT%"

// printSARIF prints one SARIF log with one run. Locations inside the
// working directory are relative to %SRCROOT% (the working directory);
// columns count UTF-16 code units, SARIF's default.
func (p *printer) printSARIF(w io.Writer, findings []finding, loadErrs []loadError) error {
	driver := sarifDriver{
		Name:           "streamvet",
		InformationURI: "https://github.com/streamvet/streamvet",
	}
	if v := moduleVersion(); v != "" {
		driver.Version = v
	}
	index := make(map[*analysis.Analyzer]int)
	for i, a := range analyzer.Suite {
		index[a] = i
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   a.Name,
			Name:                 a.Name,
			ShortDescription:     sarifText{summary(a.Doc)},
			FullDescription:      sarifText{a.Doc},
			Help:                 sarifText{a.Doc},
			HelpURI:              a.URL,
			DefaultConfiguration: sarifDefault{"warning"},
		})
	}
	cols := newColumns()
	run := sarifRun{
		Tool:        sarifTool{driver},
		Invocations: []sarifInvocation{{ExecutionSuccessful: len(loadErrs) == 0}},
		Results:     []sarifResult{},
	}
	cwdURI := (&url.URL{Scheme: "file", Path: filepath.ToSlash(p.cwd) + "/"}).String()
	run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{srcRoot: {URI: cwdURI}}

	for _, e := range loadErrs {
		n := sarifNotification{Level: "error", Message: sarifText{e.msg}}
		if file, line, col, ok := splitPos(e.pos); ok {
			n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: p.artifact(file),
				Region:           &sarifRegion{StartLine: line, StartColumn: col},
			}}}
		}
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, n)
	}

	for _, f := range findings {
		fset := f.pkg.Fset
		i, ok := index[f.analyzer]
		if !ok {
			continue // not a check of the suite
		}
		r := sarifResult{
			RuleID:    f.analyzer.Name,
			RuleIndex: i,
			Level:     "warning",
			Message:   sarifText{f.diag.Message},
			Locations: []sarifLocation{p.location(fset, cols, f.diag.Pos, f.diag.End)},
		}
		for j, rel := range f.diag.Related {
			loc := p.location(fset, cols, rel.Pos, rel.End)
			id := j + 1
			loc.ID = &id
			loc.Message = &sarifText{rel.Message}
			r.RelatedLocations = append(r.RelatedLocations, loc)
		}
		for _, fix := range f.diag.SuggestedFixes {
			changes := make(map[string]*sarifArtifactChange)
			var order []string
			for _, e := range fix.TextEdits {
				tf := fset.File(e.Pos)
				if tf == nil {
					continue
				}
				name := tf.Name()
				c := changes[name]
				if c == nil {
					c = &sarifArtifactChange{ArtifactLocation: p.artifact(name)}
					changes[name] = c
					order = append(order, name)
				}
				off, n := tf.Offset(e.Pos), tf.Offset(e.End)-tf.Offset(e.Pos)
				rep := sarifReplacement{DeletedRegion: sarifRegion{ByteOffset: &off, ByteLength: &n}}
				if len(e.NewText) > 0 {
					rep.InsertedContent = &sarifText{string(e.NewText)}
				}
				c.Replacements = append(c.Replacements, rep)
			}
			sf := sarifFix{Description: sarifText{fix.Message}}
			for _, name := range order {
				sf.ArtifactChanges = append(sf.ArtifactChanges, *changes[name])
			}
			if len(sf.ArtifactChanges) > 0 {
				r.Fixes = append(r.Fixes, sf)
			}
		}
		run.Results = append(run.Results, r)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// artifact names a file relative to %SRCROOT% inside the working
// directory, else by its absolute file URI.
func (p *printer) artifact(name string) sarifArtifactLoc {
	if rel, err := filepath.Rel(p.cwd, name); err == nil && filepath.IsLocal(rel) {
		return sarifArtifactLoc{URI: (&url.URL{Path: filepath.ToSlash(rel)}).String(), URIBaseID: srcRoot}
	}
	return sarifArtifactLoc{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(name)}).String()}
}

func (p *printer) location(fset *token.FileSet, cols *columns, pos, end token.Pos) sarifLocation {
	start := fset.Position(pos)
	stop := start
	if end.IsValid() {
		stop = fset.Position(end)
	}
	return sarifLocation{PhysicalLocation: sarifPhysical{
		ArtifactLocation: p.artifact(start.Filename),
		Region: &sarifRegion{
			StartLine:   start.Line,
			StartColumn: cols.utf16(start),
			EndLine:     stop.Line,
			EndColumn:   cols.utf16(stop),
		},
	}}
}

// columns converts byte columns to UTF-16 columns, reading each file once.
type columns struct{ lines map[string][]string }

func newColumns() *columns { return &columns{lines: make(map[string][]string)} }

func (c *columns) utf16(pos token.Position) int {
	ls, ok := c.lines[pos.Filename]
	if !ok {
		data, _ := os.ReadFile(pos.Filename)
		ls = strings.Split(string(data), "\n")
		c.lines[pos.Filename] = ls
	}
	if pos.Line < 1 || pos.Line > len(ls) || pos.Column < 1 {
		return max(pos.Column, 1)
	}
	line := ls[pos.Line-1]
	prefix := line[:min(pos.Column-1, len(line))]
	if utf8.ValidString(prefix) {
		n := 0
		for _, r := range prefix {
			n += len(utf16.Encode([]rune{r}))
		}
		return n + 1
	}
	return pos.Column
}

// moduleVersion is the version of the main module this binary was built
// from: its module version when it was installed from the module proxy,
// else "devel" with the VCS revision when the build recorded one.
func moduleVersion() string {
	v, rev := buildVersion()
	if v != "(devel)" && v != "(unknown)" && v != "" {
		return v
	}
	if rev != "unknown" {
		return "devel+" + rev
	}
	return "devel"
}
