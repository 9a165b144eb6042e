package buildctx

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Check refuses a Dockerfile with an ADD (or ONBUILD ADD) whose source is
// a URL, or may become one: a source with a variable ($VAR is expanded
// from build args and the base image's environment) or, once quotes and
// escape characters are removed, with "://" or a git@ address.
//
// Lines are joined as the Dockerfile parser joins them, with both escape
// characters it accepts (the "# escape=" directive picks one), so that a
// directive read differently here cannot hide an instruction; every
// argument but the last (the destination) counts as a source, flags
// included, which only refuses more.
func Check(dockerfile []byte) error {
	text := strings.ReplaceAll(string(dockerfile), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	for _, esc := range []byte{'\\', '`'} {
		for _, l := range logicalLines(text, esc) {
			if err := checkInstruction(l, esc, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// logicalLines joins continuation lines (ending in esc) and drops comment
// and empty lines, which the parser skips inside a continuation too.
func logicalLines(text string, esc byte) []string {
	var out []string
	var cur strings.Builder
	open := false
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimLeft(line, " \t")
		if t == "" || t[0] == '#' {
			continue
		}
		right := strings.TrimRight(line, " \t")
		if strings.HasSuffix(right, string(esc)) {
			cur.WriteString(right[:len(right)-1])
			open = true
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
		open = false
	}
	if open {
		out = append(out, cur.String())
	}
	return out
}

func checkInstruction(line string, esc byte, depth int) error {
	line = strings.TrimSpace(line)
	var word, rest string
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		word, rest = line[:i], strings.TrimSpace(line[i:])
	} else {
		word, rest = line, ""
	}
	switch strings.ToUpper(word) {
	case "ONBUILD":
		if depth == 0 {
			return checkInstruction(rest, esc, 1)
		}
		return nil
	case "ADD":
	default:
		return nil
	}
	var args []string
	if strings.HasPrefix(rest, "[") && json.Unmarshal([]byte(rest), &args) == nil {
		// exec form
	} else {
		args = strings.Fields(rest)
	}
	for i, a := range args {
		if i == len(args)-1 && i > 0 {
			break // the destination
		}
		bare := strings.Map(func(r rune) rune {
			if r == '"' || r == '\'' || r == rune(esc) {
				return -1
			}
			return r
		}, a)
		lower := strings.ToLower(bare)
		switch {
		case strings.Contains(bare, "$"):
			return &Refused{fmt.Sprintf("ADD with a variable in its source (%q; it may expand to a URL the daemon fetches)", short(a))}
		case strings.Contains(bare, "://"), strings.HasPrefix(lower, "git@"):
			return &Refused{fmt.Sprintf("ADD from a URL (%q; the daemon fetches it from its own network)", short(a))}
		}
	}
	return nil
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
