package main

// This file applies fixes and prints them as a diff. Unlike the driver in
// golang.org/x/tools (whose -diff headers read "file (old)" and which
// gofmts each fixed file whole), the diff has a/ and b/ headers that
// git apply and patch -p1 accept, and touches only the lines a fix
// changes: the fixed file is gofmt'd, then every change that gofmt alone
// would make to the original is left out.

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/streamvet/streamvet/analyzer/directive"
)

// edit replaces the bytes [start, end) of a file.
type edit struct {
	start, end int
	text       string
}

// applyFixes applies the first fix of each finding, or prints the diff.
// A fix that overlaps one already taken is left out (running again
// applies it); identical edits, as a package and its test variant
// produce, count once.
func applyFixes(findings []finding, diff bool, stdout io.Writer) error {
	files := make(map[string][]edit)
	var skipped int
	for _, f := range findings {
		if len(f.diag.SuggestedFixes) == 0 {
			continue
		}
		fix := f.diag.SuggestedFixes[0]
		add := make(map[string][]edit)
		ok := true
		for _, e := range fix.TextEdits {
			tf := f.pkg.Fset.File(e.Pos)
			if tf == nil {
				ok = false
				break
			}
			name := tf.Name()
			if !*directive.IncludeGenerated && generated(f, name) {
				ok = false
				break
			}
			add[name] = append(add[name], edit{tf.Offset(e.Pos), tf.Offset(e.End), string(e.NewText)})
		}
		for name, edits := range add {
			if !ok {
				break
			}
			merged, good := merge(files[name], edits)
			if !good {
				ok = false
				break
			}
			add[name] = merged
		}
		if !ok {
			skipped++
			continue
		}
		for name, merged := range add {
			files[name] = merged
		}
	}

	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	out := newPrinter()
	for _, name := range names {
		old, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		fixed, err := fixFile(old, files[name])
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		if diff {
			rel := out.path(name)
			if filepath.IsAbs(rel) {
				rel = strings.TrimPrefix(filepath.ToSlash(rel), "/")
			}
			io.WriteString(stdout, unified("a/"+rel, "b/"+rel, old, fixed))
			continue
		}
		info, err := os.Stat(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(name, fixed, info.Mode().Perm()); err != nil {
			return err
		}
	}
	if skipped > 0 {
		return fmt.Errorf("%d fixes overlapped others or edited generated files and were not applied; run again to apply the rest", skipped)
	}
	return nil
}

// generated reports whether the file named name, of the finding's
// package, is generated.
func generated(f finding, name string) bool {
	if len(f.pkg.Syntax) == 0 {
		return generatedFile(name) // analyzed by go vet: read its header
	}
	for _, file := range f.pkg.Syntax {
		if f.pkg.Fset.File(file.FileStart).Name() == name {
			return directive.IsGenerated(file)
		}
	}
	return false
}

// merge adds edits to a sorted list of non-overlapping edits. It fails
// when an edit overlaps one in the list, unless they are the same edit.
func merge(list, edits []edit) ([]edit, bool) {
	out := slices.Clone(list)
	for _, e := range edits {
		if slices.Contains(out, e) {
			continue
		}
		for _, o := range out {
			if e.start < o.end && o.start < e.end || e.start == o.start && e.end == o.end ||
				e.start == e.end && e.start == o.start { // two insertions at one point
				return nil, false
			}
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b edit) int { return a.start - b.start })
	return out, true
}

// fixFile applies sorted edits to src, gofmts the result, and reverts
// each change that gofmt alone would make to src, so that only the lines
// a fix touches change.
func fixFile(src []byte, edits []edit) ([]byte, error) {
	var b bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last || e.end > len(src) {
			return nil, fmt.Errorf("edit [%d,%d) out of order or range", e.start, e.end)
		}
		b.Write(src[last:e.start])
		b.WriteString(e.text)
		last = e.end
	}
	b.Write(src[last:])
	fixed := b.Bytes()
	formatted, err := format.Source(fixed)
	if err != nil {
		return fixed, nil // keep the fix as it is; the compiler will say what is wrong
	}
	gofmtOnly, err := format.Source(src)
	if err != nil || bytes.Equal(gofmtOnly, src) {
		return formatted, nil
	}
	oldLines, newLines, fmtLines := lines(src), lines(formatted), lines(gofmtOnly)
	style := make(map[string]bool)
	for _, c := range diffLines(oldLines, fmtLines) {
		style[c.key(oldLines, fmtLines)] = true
	}
	var out []string
	i := 0
	for _, c := range diffLines(oldLines, newLines) {
		out = append(out, oldLines[i:c.oldStart]...)
		if style[c.key(oldLines, newLines)] {
			out = append(out, oldLines[c.oldStart:c.oldEnd]...) // gofmt's, not the fix's
		} else {
			out = append(out, newLines[c.newStart:c.newEnd]...)
		}
		i = c.oldEnd
	}
	out = append(out, oldLines[i:]...)
	return []byte(strings.Join(out, "")), nil
}

// lines splits text into lines that keep their "\n".
func lines(b []byte) []string {
	return slices.Collect(strings.Lines(string(b)))
}

// change replaces old lines [oldStart, oldEnd) with new lines
// [newStart, newEnd).
type change struct {
	oldStart, oldEnd, newStart, newEnd int
}

func (c change) key(a, b []string) string {
	return fmt.Sprintf("%d\x00%s\x00%s", c.oldStart, strings.Join(a[c.oldStart:c.oldEnd], ""), strings.Join(b[c.newStart:c.newEnd], ""))
}

// diffLines returns the changes that turn a into b, by the greedy
// algorithm of E. Myers, "An O(ND) Difference Algorithm and Its
// Variations" (1986), with the common prefix and suffix taken first.
func diffLines(a, b []string) []change {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	n, m := len(ma), len(mb)
	max := n + m
	if max == 0 {
		return nil
	}
	// v[k] is the furthest x on diagonal k; trace keeps each round's v.
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	for d := 0; d <= max; d++ {
		trace = append(trace, slices.Clone(v))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1] // down: insert from b
			} else {
				x = v[off+k-1] + 1 // right: delete from a
			}
			y := x - k
			for x < n && y < m && ma[x] == mb[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, off, n, m, pre)
			}
		}
	}
	return nil // unreachable
}

// backtrack walks the Myers trace back from (n, m) and groups the deleted
// and inserted lines into changes, shifted by the common prefix.
func backtrack(trace [][]int, off, n, m, pre int) []change {
	type op struct{ x, y int } // an edit step from (x, y)
	var dels, ins []op
	x, y := n, m
	for d := len(trace) - 1; d > 0; d-- {
		v := trace[d]
		k := x - y
		var prevK int
		if k == -d || k != d && v[off+k-1] < v[off+k+1] {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
		}
		if x == prevX {
			ins = append(ins, op{x, prevY}) // b[prevY] inserted before a[x]
		} else {
			dels = append(dels, op{prevX, y}) // a[prevX] deleted
		}
		x, y = prevX, prevY
	}
	// Mark each line of a deleted and each line of b inserted, then group.
	delA := make([]bool, n)
	for _, o := range dels {
		delA[o.x] = true
	}
	insB := make([]bool, m)
	for _, o := range ins {
		insB[o.y] = true
	}
	var out []change
	i, j := 0, 0
	for i < n || j < m {
		if i < n && !delA[i] && j < m && !insB[j] {
			i, j = i+1, j+1
			continue
		}
		c := change{oldStart: i, newStart: j}
		for i < n && delA[i] {
			i++
		}
		for j < m && insB[j] {
			j++
		}
		c.oldEnd, c.newEnd = i, j
		out = append(out, change{c.oldStart + pre, c.oldEnd + pre, c.newStart + pre, c.newEnd + pre})
	}
	return out
}

// unified returns the unified diff of two texts with three lines of
// context, or "" when they are equal.
func unified(oldName, newName string, oldText, newText []byte) string {
	a, b := lines(oldText), lines(newText)
	changes := diffLines(a, b)
	if len(changes) == 0 {
		return ""
	}
	const context = 3
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	for i := 0; i < len(changes); {
		// A hunk takes the changes whose contexts touch or overlap.
		j := i + 1
		for j < len(changes) && changes[j].oldStart-changes[j-1].oldEnd <= 2*context {
			j++
		}
		first, last := changes[i], changes[j-1]
		oldStart := max(first.oldStart-context, 0)
		oldEnd := min(last.oldEnd+context, len(a))
		newStart := first.newStart - (first.oldStart - oldStart)
		newEnd := last.newEnd + (oldEnd - last.oldEnd)
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(oldStart, oldEnd), hunkRange(newStart, newEnd))
		k := oldStart
		for _, c := range changes[i:j] {
			for ; k < c.oldStart; k++ {
				writeLine(&out, " ", a[k])
			}
			for _, l := range a[c.oldStart:c.oldEnd] {
				writeLine(&out, "-", l)
			}
			for _, l := range b[c.newStart:c.newEnd] {
				writeLine(&out, "+", l)
			}
			k = c.oldEnd
		}
		for ; k < oldEnd; k++ {
			writeLine(&out, " ", a[k])
		}
		i = j
	}
	return out.String()
}

// hunkRange formats the 0-based line range [start, end) as "start,count"
// with 1-based lines; an empty range names the line before it.
func hunkRange(start, end int) string {
	switch n := end - start; n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	default:
		return fmt.Sprintf("%d,%d", start+1, n)
	}
}

func writeLine(out *strings.Builder, prefix, line string) {
	out.WriteString(prefix)
	out.WriteString(line)
	if !strings.HasSuffix(line, "\n") {
		out.WriteString("\n\\ No newline at end of file\n")
	}
}
