package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnifiedApplies checks the hunk headers of unified on texts with
// several hunks, hunks whose contexts merge, changes at both ends and a
// missing final newline: git apply must turn old into new with each.
func TestUnifiedApplies(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("git is not in PATH (apt-get install git): %v", err)
	}
	numbered := func(n int) []string {
		var l []string
		for i := 1; i <= n; i++ {
			l = append(l, "line "+strings.Repeat("x", i%3)+string(rune('a'+i%26))+"\n")
		}
		return l
	}
	base := numbered(40)
	edit := func(f func(l []string) []string) string {
		return strings.Join(f(append([]string(nil), base...)), "")
	}
	cases := map[string]string{
		"far apart": edit(func(l []string) []string {
			l[2] = "changed\n"
			l = append(l[:20], append([]string{"inserted 1\n", "inserted 2\n"}, l[20:]...)...)
			return append(l[:35], l[37:]...)
		}),
		"contexts merge": edit(func(l []string) []string {
			l[10], l[15] = "ten\n", "fifteen\n"
			return l
		}),
		"first line":     edit(func(l []string) []string { return append([]string{"new first\n"}, l[1:]...) }),
		"insert at top":  edit(func(l []string) []string { return append([]string{"top\n"}, l...) }),
		"delete the end": edit(func(l []string) []string { return l[:30] }),
		"no final newline": edit(func(l []string) []string {
			l[39] = "last, no newline"
			return l
		}),
		// The shape of the reported bug: a removal above, an insertion below.
		"remove then grow": edit(func(l []string) []string {
			l = append(l[:5], l[12:]...)
			return append(l[:20], append([]string{"a\n", "b\n", "c\n"}, l[20:]...)...)
		}),
	}
	old := strings.Join(base, "")
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "f.txt")
			if err := os.WriteFile(file, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
			patch := unified("a/f.txt", "b/f.txt", []byte(old), []byte(want))
			cmd := exec.Command(git, "apply", "-")
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(patch)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("git apply: %v\n%s\n%s", err, out, patch)
			}
			got, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("applied patch gives\n%s\nwant\n%s\npatch:\n%s", got, want, patch)
			}
		})
	}
	if unified("a/f", "b/f", []byte(old), []byte(old)) != "" {
		t.Error("equal texts give a diff")
	}
}

// TestFixFileKeepsFormatting: gofmt's own changes to the original stay
// out of a fix; the changes the fix needs (alignment) stay in.
func TestFixFileKeepsFormatting(t *testing.T) {
	src := "package p\n\nvar  a  =  1\n\nvar s = struct{ A, BB int }{\n\tA:  1,\n\tBB: 2,\n}\n"
	start := strings.Index(src, "\tBB: 2,\n")
	got, err := fixFile([]byte(src), []edit{{start, start + len("\tBB: 2,\n"), ""}})
	if err != nil {
		t.Fatal(err)
	}
	want := "package p\n\nvar  a  =  1\n\nvar s = struct{ A, BB int }{\n\tA: 1,\n}\n"
	if string(got) != want {
		t.Errorf("fixFile gave\n%s\nwant\n%s", got, want)
	}
}
