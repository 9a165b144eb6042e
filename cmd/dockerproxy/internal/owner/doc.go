// Package owner records which client created a Docker object and reads it
// back: the object carries the client's identity in the label [Key], which
// the proxy sets on every create and which a client cannot set or change.
//
// A client with an identity (a named token, or its certificate's name)
// owns the objects labelled with its name. A client without one (plain
// HTTP on loopback, a token without a name) owns the objects without the
// label: those made before ownership, directly on the daemon, or by
// dockerd itself. An admin client acts on every object.
//
// The package also rewrites the filters parameter of list and prune
// requests (so that dockerd counts and pages only the client's objects),
// and filters the answers of those endpoints that have no label filter.
package owner
