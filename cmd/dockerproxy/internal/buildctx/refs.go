package buildctx

import (
	"fmt"
	"strings"
)

// Images returns the images a Dockerfile builds from: every FROM that
// names no earlier stage (and is not scratch), and every COPY --from that
// names neither a stage nor a stage's index, with the variables of FROM
// expanded as the builder expands them (ARG before the first FROM, with
// args, the build's buildargs, over their defaults). Lines are read with
// both escape characters, as Check reads them, so the list holds every
// image either reading names. A FROM or --from whose variables cannot be
// expanded here is an error: it could name any image.
func Images(dockerfile []byte, args map[string]string) ([]string, error) {
	text := strings.TrimPrefix(strings.ReplaceAll(string(dockerfile), "\r\n", "\n"), "\ufeff")
	seen := map[string]bool{}
	var out []string
	for _, esc := range []byte{'\\', '`'} {
		global := map[string]string{}
		stages := map[string]bool{}
		inStage := false
		for _, l := range logicalLines(text, esc) {
			word, rest := split(strings.TrimSpace(l))
			var ref, stage string
			switch strings.ToUpper(word) {
			case "ARG":
				if inStage {
					continue
				}
				for _, a := range strings.Fields(rest) {
					name, def, hasDef := strings.Cut(unquote(a), "=")
					if v, ok := args[name]; ok {
						global[name] = v
					} else if hasDef {
						global[name] = def
					} else {
						global[name] = ""
					}
				}
				continue
			case "FROM":
				inStage = true
				f := strings.Fields(rest)
				for len(f) > 0 && strings.HasPrefix(f[0], "--") {
					f = f[1:]
				}
				if len(f) == 0 {
					continue
				}
				if len(f) >= 3 && strings.EqualFold(f[1], "AS") {
					stage = strings.ToLower(f[2]) // named for the lines after this one
				}
				ref = f[0]
			case "COPY":
				for _, a := range strings.Fields(rest) {
					if v, ok := strings.CutPrefix(a, "--from="); ok {
						ref = v
					}
				}
				if ref == "" || strings.Trim(ref, "0123456789") == "" {
					continue
				}
				if strings.Contains(ref, "$") {
					return nil, fmt.Errorf("COPY --from=%s (a variable the proxy cannot expand: it could name any image)", short(ref))
				}
			default:
				continue
			}
			img, err := expand(unquote(ref), global)
			if err != nil {
				return nil, fmt.Errorf("%s %s (%v: it could name any image)", strings.ToUpper(word), short(ref), err)
			}
			if img != "" && !strings.EqualFold(img, "scratch") && !stages[strings.ToLower(img)] && !seen[img] {
				seen[img] = true
				out = append(out, img)
			}
			if stage != "" {
				stages[stage] = true
			}
		}
	}
	return out, nil
}

func split(line string) (word, rest string) {
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		return line[:i], strings.TrimSpace(line[i:])
	}
	return line, ""
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// expand replaces $NAME, ${NAME}, ${NAME:-word} and ${NAME:+word} with
// vars; any other use of $ is an error.
func expand(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			b.WriteByte(s[i])
			continue
		}
		rest := s[i+1:]
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return "", fmt.Errorf("an unclosed variable")
			}
			expr := rest[1:end]
			name, mod, word := expr, "", ""
			if j := strings.Index(expr, ":"); j >= 0 {
				name, mod = expr[:j], expr[j:]
				if len(mod) < 2 || (mod[1] != '-' && mod[1] != '+') {
					return "", fmt.Errorf("a variable form the proxy does not expand")
				}
				word, mod = mod[2:], mod[:2]
			}
			if !isName(name) || strings.Contains(word, "$") {
				return "", fmt.Errorf("a variable form the proxy does not expand")
			}
			v := vars[name]
			switch mod {
			case ":-":
				if v == "" {
					v = word
				}
			case ":+":
				if v != "" {
					v = word
				}
			}
			b.WriteString(v)
			i += end + 1
			continue
		}
		n := 0
		for n < len(rest) && (rest[n] == '_' || 'a' <= rest[n]|0x20 && rest[n]|0x20 <= 'z' || n > 0 && '0' <= rest[n] && rest[n] <= '9') {
			n++
		}
		if n == 0 {
			return "", fmt.Errorf("a lone $")
		}
		b.WriteString(vars[rest[:n]])
		i += n
	}
	return b.String(), nil
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || 'a' <= c|0x20 && c|0x20 <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// CheckLabel refuses a Dockerfile whose LABEL (or ONBUILD LABEL) could
// set key: one that names it (once quotes and escape characters are
// removed), or whose keys hold a variable. The builder gives each build
// step's container the labels of the image so far, so a LABEL before a
// RUN would hand that container to whoever key names.
func CheckLabel(dockerfile []byte, key string) error {
	text := strings.TrimPrefix(strings.ReplaceAll(string(dockerfile), "\r\n", "\n"), "\ufeff")
	for _, esc := range []byte{'\\', '`'} {
		for _, l := range logicalLines(text, esc) {
			word, rest := split(strings.TrimSpace(l))
			if strings.EqualFold(word, "ONBUILD") {
				word, rest = split(rest)
			}
			if !strings.EqualFold(word, "LABEL") {
				continue
			}
			bare := strings.Map(func(r rune) rune {
				if r == '"' || r == '\'' || r == rune(esc) {
					return -1
				}
				return r
			}, rest)
			if strings.Contains(bare, key) {
				return &Refused{fmt.Sprintf("LABEL %s (the proxy sets it)", key)}
			}
			f := strings.Fields(bare)
			if len(f) > 0 && !strings.Contains(f[0], "=") {
				f = f[:1] // LABEL key value
			}
			for _, kv := range f {
				if k, _, _ := strings.Cut(kv, "="); strings.Contains(k, "$") {
					return &Refused{fmt.Sprintf("LABEL with a variable in a key (%q; it could be %s)", short(kv), key)}
				}
			}
		}
	}
	return nil
}
