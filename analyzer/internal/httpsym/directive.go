package httpsym

// This file reads //streamvet: directives and records which ignore
// directives silenced a finding, for the directive check to report those
// that silence nothing.

import (
	"go/ast"
	"go/token"
	"maps"
	"strings"
	"sync"
)

// IncludeGenerated makes Report keep findings in generated files. The
// command sets it from its -generated flag before any analysis runs.
var IncludeGenerated bool

// DirectivePrefix starts every streamvet directive comment.
const DirectivePrefix = "//streamvet:"

// Directive is one //streamvet:VERB [REST] comment.
type Directive struct {
	Pos  token.Pos
	Line int
	Verb string // "ignore", or what follows the prefix up to a space
	Rest string // the reason of an ignore directive, trimmed
	// Spaced is the length of the white space after "//" in a comment
	// that would be an ignore directive without it ("// streamvet:ignore
	// reason"): Go directives have none, and such a comment silences
	// nothing.
	Spaced int
}

// Directives lists the streamvet directives of a file.
func Directives(fset *token.FileSet, f *ast.File) []Directive {
	var list []Directive
	for _, group := range f.Comments {
		for _, c := range group.List {
			text, ok := strings.CutPrefix(c.Text, DirectivePrefix)
			spaced := 0
			if !ok {
				// "// streamvet:ignore" is a comment that means to be a
				// directive; "// streamvet: ..." in prose is not.
				after, isLine := strings.CutPrefix(c.Text, "//")
				trimmed := strings.TrimLeft(after, " \t")
				if !isLine || len(trimmed) == len(after) || !strings.HasPrefix(trimmed, DirectivePrefix[2:]+"ignore") {
					continue
				}
				spaced = len(after) - len(trimmed)
				text = trimmed[len(DirectivePrefix)-2:]
			}
			verb, rest, _ := strings.Cut(text, " ")
			list = append(list, Directive{Pos: c.Slash, Line: fset.Position(c.Slash).Line, Verb: verb, Rest: strings.TrimSpace(rest), Spaced: spaced})
		}
	}
	return list
}

// Valid reports whether d is an ignore directive with a reason.
func (d Directive) Valid() bool { return d.Spaced == 0 && d.Verb == "ignore" && d.Rest != "" }

// used maps each *ast.File to the lines of its ignore directives that
// silenced a finding. The analyzers of one package run in one process,
// those of the directive check after all the others (it requires them).
var used sync.Map // *ast.File -> *lineSet

type lineSet struct {
	mu    sync.Mutex
	lines map[int]bool
}

// ignored reports whether a valid ignore directive on the line of pos or
// the line above silences a finding there, and records its use.
func ignored(fset *token.FileSet, f *ast.File, pos token.Pos) bool {
	line := fset.Position(pos).Line
	for _, d := range Directives(fset, f) {
		if d.Valid() && (d.Line == line || d.Line == line-1) {
			v, _ := used.LoadOrStore(f, &lineSet{lines: make(map[int]bool)})
			s := v.(*lineSet)
			s.mu.Lock()
			s.lines[d.Line] = true
			s.mu.Unlock()
			return true
		}
	}
	return false
}

// UsedDirectives returns the lines of f's ignore directives that silenced
// a finding so far. They are kept: go/packages shares the syntax of a file
// between a package and its test variant, whose checks run in either order.
func UsedDirectives(f *ast.File) map[int]bool {
	v, ok := used.Load(f)
	if !ok {
		return nil
	}
	s := v.(*lineSet)
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.lines)
}

// Generated reports whether a file is generated and findings in it are
// not reported.
func Generated(f *ast.File) bool { return !IncludeGenerated && ast.IsGenerated(f) }
