package config

import "net"

// SetLookupIP replaces the resolver of listen addresses until the returned
// function is called.
func SetLookupIP(f func(host string) ([]net.IP, error)) (restore func()) {
	old := lookupIP
	lookupIP = f
	return func() { lookupIP = old }
}
