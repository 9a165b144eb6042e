package buildctx_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/buildctx"
)

func TestImages(t *testing.T) {
	for _, c := range []struct {
		dockerfile string
		args       map[string]string
		want       []string
		err        string
	}{
		{"FROM busybox:local\nRUN true\n", nil, []string{"busybox:local"}, ""},
		{"FROM --platform=linux/amd64 golang:1 AS build\nRUN x\nFROM build\nCOPY --from=build /a /b\nCOPY --from=0 /a /b\nCOPY --from=other:2 /a /b\n", nil, []string{"golang:1", "other:2"}, ""},
		{"FROM scratch\n", nil, nil, ""},
		{"ARG BASE=alpine:3\nFROM $BASE\n", nil, []string{"alpine:3"}, ""},
		{"ARG BASE=alpine:3\nFROM ${BASE}\n", map[string]string{"BASE": "evil:1"}, []string{"evil:1"}, ""},
		{"ARG V\nFROM img:${V:-latest}\n", nil, []string{"img:latest"}, ""},
		{"FROM img:${V/x/y}\n", nil, nil, "does not expand"},
		{"FROM x\nCOPY --from=$IMG /a /b\n", nil, nil, "variable"},
		// A line the other escape character continues: both readings.
		{"FROM a `\n  AS s\nFROM s\n", nil, []string{"a", "s"}, ""},
		// A stage name is not an image; one used before it is named is.
		{"FROM later\nFROM base AS later\n", nil, []string{"later", "base"}, ""},
	} {
		got, err := buildctx.Images([]byte(c.dockerfile), c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, %v, want an error with %q", c.dockerfile, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %q, %v, want %q", c.dockerfile, got, err, c.want)
		}
	}
}

func TestCheckLabel(t *testing.T) {
	const key = "io.example.owner"
	for _, c := range []struct {
		dockerfile string
		ok         bool
	}{
		{"FROM x\nLABEL a=b c=\"d e\"\n", true},
		{"FROM x\nLABEL io.example.owner=bob\n", false},
		{"FROM x\nLABEL \"io.example.owner\"=bob\n", false},
		{"FROM x\nLABEL io.example.ow\\\nner=bob\n", false},
		{"FROM x\nLABEL io.example.ow\\ner=bob\n", false},
		{"FROM x\nLABEL io.example.owner bob\n", false},
		{"FROM x\nARG K\nLABEL $K=bob\n", false},
		{"FROM x\nLABEL ${K} bob\n", false},
		{"FROM x\nONBUILD LABEL io.example.owner=bob\n", false},
		{"FROM x\nLABEL version=$V\n", true},
	} {
		err := buildctx.CheckLabel([]byte(c.dockerfile), key)
		var refused *buildctx.Refused
		if (err == nil) != c.ok || (err != nil && !errors.As(err, &refused)) {
			t.Errorf("%q: %v, want ok %v", c.dockerfile, err, c.ok)
		}
	}
}
