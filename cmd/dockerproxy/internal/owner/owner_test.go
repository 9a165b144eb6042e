package owner_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
)

func TestAddFilter(t *testing.T) {
	want := owner.Key + "=ci-a"
	for _, c := range []struct {
		raw  string
		want map[string][]string
	}{
		{"", map[string][]string{"label": {want}}},
		{`{"label":{"a=b":true},"status":{"exited":true}}`, map[string][]string{"label": {"a=b", want}, "status": {"exited"}}},
		// The older list form, and a false value, which dockerd counts.
		{`{"label":["a=b"],"name":["web"]}`, map[string][]string{"label": {"a=b", want}, "name": {"web"}}},
		{`{"label":{"a=b":false}}`, map[string][]string{"label": {"a=b", want}}},
		// The client asking for another's label gets nothing, not theirs.
		{`{"label":{"` + owner.Key + `=ci-b":true}}`, map[string][]string{"label": {want, owner.Key + "=ci-b"}}},
	} {
		got, err := owner.AddFilter(c.raw, "label", want)
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		f, err := owner.ParseFilters(got)
		if err != nil {
			t.Fatal(err)
		}
		g := map[string][]string{}
		for k := range f {
			g[k] = owner.Values(f, k)
		}
		for k := range c.want {
			sortStrings(c.want[k])
		}
		if !reflect.DeepEqual(g, c.want) {
			t.Errorf("%s: %s, want %v", c.raw, got, c.want)
		}
		// The object form, which every API version reads.
		var obj map[string]map[string]bool
		if err := json.Unmarshal([]byte(got), &obj); err != nil {
			t.Errorf("%s: not in the object form: %s", c.raw, got)
		}
	}
	for _, bad := range []string{"x", `{"label":"a"}`, `["label"]`, `{"label":{"a":"yes"}}`} {
		if _, err := owner.AddFilter(bad, "label", want); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

func TestLabelled(t *testing.T) {
	a := &owner.Client{Name: "ci-a"}
	got, err := a.Labelled(map[string]string{"x": "1"})
	if err != nil || got[owner.Key] != "ci-a" || got["x"] != "1" {
		t.Errorf("labelled: %v %v", got, err)
	}
	if _, err := a.Labelled(map[string]string{owner.Key: "ci-b"}); err == nil {
		t.Error("a label naming another client accepted")
	}
	if got, err := a.Labelled(map[string]string{owner.Key: "ci-a"}); err != nil || got[owner.Key] != "ci-a" {
		t.Errorf("its own label: %v %v", got, err)
	}
	anon := &owner.Client{}
	if got, err := anon.Labelled(map[string]string{owner.Key: ""}); err != nil || len(got) != 0 {
		t.Errorf("a client without identity: %v %v", got, err)
	}
	if _, err := anon.Labelled(map[string]string{owner.Key: "ci-a"}); err == nil {
		t.Error("a client without identity labelled an object as another's")
	}
	admin := &owner.Client{Name: "ops", Admin: true}
	if got, _ := admin.Labelled(map[string]string{owner.Key: "ci-a"}); got[owner.Key] != "ci-a" {
		t.Errorf("an admin creating for ci-a: %v", got)
	}
	if got, _ := admin.Labelled(nil); got[owner.Key] != "ops" {
		t.Errorf("an admin's own: %v", got)
	}
	if !admin.Owns(map[string]string{owner.Key: "ci-a"}) || a.Owns(map[string]string{owner.Key: "ci-b"}) || a.Owns(nil) || !anon.Owns(nil) {
		t.Error("Owns")
	}
	if c := (&owner.Client{Name: `a"b$c\`}).Change(); c != `LABEL `+owner.Key+`="a\"b\$c\\"` {
		t.Errorf("Change: %s", c)
	}
	if !strings.HasSuffix(anon.Change(), `=""`) {
		t.Errorf("Change without identity: %s", anon.Change())
	}
}
