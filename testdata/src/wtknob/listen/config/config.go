// Package config builds listener settings from flags and from the
// listener's own text ("addr=:9999;wt=30s"): the program itself gives
// the write timeout no value but the default of a flag, which is zero.
package config

import (
	"flag"
	"strings"
	"time"
)

// Listen is one listener's settings.
type Listen struct {
	Addr         string
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

var defaults = struct {
	Listeners    string
	WriteTimeout time.Duration
}{
	Listeners: "addr=:9999",
}

// Load reads the flags and the listeners they describe.
func Load(args []string) ([]Listen, error) {
	var listeners string
	var readTimeout, writeTimeout time.Duration
	f := flag.NewFlagSet("proxy", flag.ContinueOnError)
	f.StringVar(&listeners, "proxy.addr", defaults.Listeners, "listeners")
	f.DurationVar(&readTimeout, "proxy.readtimeout", 0, "read timeout")
	f.DurationVar(&writeTimeout, "proxy.writetimeout", defaults.WriteTimeout, "write timeout")
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	var ls []Listen
	for _, spec := range strings.Split(listeners, ",") {
		l, err := parseListen(spec, readTimeout, writeTimeout)
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func parseListen(spec string, readTimeout, writeTimeout time.Duration) (Listen, error) {
	l := Listen{ReadTimeout: readTimeout, WriteTimeout: writeTimeout}
	for _, kv := range strings.Split(spec, ";") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "addr":
			l.Addr = v
		case "wt":
			d, err := time.ParseDuration(v)
			if err != nil {
				return Listen{}, err
			}
			l.WriteTimeout = d
		}
	}
	return l, nil
}
