package httpsym

import (
	"fmt"
	"go/types"
	"slices"
	"strings"
	"sync"
)

// FuncList is a flag.Value naming functions and methods by import path:
// "example.com/pkg.Func", "example.com/pkg.Type.Method" or
// "example.com/pkg.(*Type).Method", comma-separated. Settings such as
// extra streaming constructors reach the checks through it.
type FuncList struct {
	mu    sync.RWMutex
	names []string
	set   map[string]bool
}

func (l *FuncList) String() string {
	if l == nil {
		return ""
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return strings.Join(l.names, ",")
}

// Set replaces the list.
func (l *FuncList) Set(s string) error {
	var names []string
	set := make(map[string]bool)
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		key, err := funcKey(name)
		if err != nil {
			return err
		}
		names = append(names, name)
		set[key] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names, l.set = names, set
	return nil
}

// Has reports whether fn is on the list.
func (l *FuncList) Has(fn *types.Func) bool {
	if l == nil || fn == nil || fn.Pkg() == nil {
		return false
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if len(l.set) == 0 {
		return false
	}
	key := fn.Pkg().Path() + "." + fn.Name()
	if recv := fn.Signature().Recv(); recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		n, ok := types.Unalias(t).(*types.Named)
		if !ok {
			return false
		}
		key = fn.Pkg().Path() + "." + n.Obj().Name() + "." + fn.Name()
	}
	return l.set[key]
}

// funcKey normalizes a qualified name: "(*T).M", "(T).M" and "T.M" are
// one method.
func funcKey(name string) (string, error) {
	bad := fmt.Errorf("%q is not a function named by import path, such as example.com/pkg.Func or example.com/pkg.(*Type).Method", name)
	slash := strings.LastIndex(name, "/")
	dot := strings.Index(name[slash+1:], ".")
	if dot < 0 {
		return "", bad
	}
	path, rest := name[:slash+1+dot], name[slash+1+dot+1:]
	if strings.HasPrefix(rest, "(") {
		typ, method, ok := strings.Cut(strings.TrimPrefix(rest[1:], "*"), ").")
		if !ok {
			return "", bad
		}
		rest = typ + "." + method
	}
	parts := strings.Split(rest, ".")
	if path == "" || len(parts) > 2 || slices.Contains(parts, "") {
		return "", bad
	}
	return path + "." + rest, nil
}
