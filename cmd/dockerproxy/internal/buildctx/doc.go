// Package buildctx reads a classic build's context (POST /build) as it
// streams to the daemon, finds the Dockerfile in it and refuses the build
// when the Dockerfile makes the daemon fetch a URL (ADD http://…): the
// daemon downloads ADD sources itself, from its own network namespace,
// whatever networkmode the build's RUN steps get, so a loopback-only or
// internal service would land in the image.
//
// The daemon must never see a byte the check has not seen. A compressed
// context (gzip, bzip2) is decompressed here and forwarded as the plain
// tar it holds; every byte forwarded is a byte archive/tar has consumed,
// so when the check refuses the Dockerfile, or reaches the end of the
// archive without one, the daemon has not yet received the end of the
// archive, and a truncated context builds nothing (dockerd reads the whole
// context before it builds). xz and zstd contexts, which the standard
// library cannot read, are refused.
package buildctx
