// Package loadtar reads an image archive (POST /images/load, as docker
// save writes it) as it streams to the daemon, and lets a check decide on
// the images and tags it holds before the daemon receives the end of the
// archive.
//
// dockerd 20.10 unpacks the whole archive before it loads an image or
// moves a tag, so an archive cut before its end loads nothing. Every byte
// forwarded is one archive/tar has consumed; the small files that say
// what the archive loads (manifest.json, repositories, index.json and the
// JSON blobs they point to: manifests and image configs) are kept, and
// the check runs when the end of the archive is reached, before it is
// forwarded. A compressed archive (gzip, bzip2; dockerd detects them) is
// forwarded as the plain tar it holds; xz and zstd are refused.
package loadtar
