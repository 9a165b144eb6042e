package owner

import (
	"encoding/json"
	"errors"
	"sort"
)

// ErrBadFilters is a filters parameter dockerd would not parse either.
var ErrBadFilters = errors.New("invalid filters: want a JSON object of lists or of {value: true} objects")

// AddFilter returns the filters parameter raw with value added to field's
// values. dockerd reads filters as JSON in two forms,
// {"label":{"a=b":true}} and the older {"label":["a=b"]}; both are
// accepted here and the result is in the first form, which every API
// version dockerd serves reads. Values of one field combine as dockerd
// combines them for that field (for label: every one must match), so an
// added label narrows what the client asked for and never widens it.
func AddFilter(raw, field, value string) (string, error) {
	f, err := ParseFilters(raw)
	if err != nil {
		return "", err
	}
	if f[field] == nil {
		f[field] = map[string]bool{}
	}
	f[field][value] = true
	b, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// ParseFilters reads a filters parameter as dockerd's filters.FromJSON
// does: the object form first, the list form as a fallback. As in
// dockerd, a value's boolean does not matter: {"a":false} filters on a.
func ParseFilters(raw string) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	if raw == "" {
		return out, nil
	}
	var objects map[string]map[string]bool
	if err := json.Unmarshal([]byte(raw), &objects); err == nil {
		for k, vs := range objects {
			out[k] = map[string]bool{}
			for v := range vs {
				out[k][v] = true
			}
		}
		return out, nil
	}
	var lists map[string][]string
	if err := json.Unmarshal([]byte(raw), &lists); err != nil {
		return nil, ErrBadFilters
	}
	for k, vs := range lists {
		out[k] = map[string]bool{}
		for _, v := range vs {
			out[k][v] = true
		}
	}
	return out, nil
}

// Values returns the values of field in filters, sorted.
func Values(f map[string]map[string]bool, field string) []string {
	var out []string
	for v := range f[field] {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
