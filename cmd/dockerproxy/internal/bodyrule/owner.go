package bodyrule

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
)

// Ownership: with Options.Owner set, a body may only name the client's
// own objects (and shared images), and every object it creates carries
// the client's label (package owner). Each object is resolved through
// the daemon as dockerd resolves the reference, and a reference that
// could resolve differently by the time dockerd acts (an ID prefix, which
// a new name would shadow) is pinned to the ID judged.

// NotFound is an object a request names that does not exist. The proxy
// answers 404 as dockerd would (the CLI then pulls a missing image),
// rather than forward the name for dockerd to resolve later, when another
// client may have created an object of that name.
type NotFound struct{ Kind, Ref string }

func (e *NotFound) Error() string {
	r := short(e.Ref)
	switch e.Kind {
	case KindContainer:
		return "No such container: " + r
	case KindImage:
		return "No such image: " + r
	case KindExec:
		return "No such exec instance: " + r
	case KindVolume:
		return "get " + r + ": no such volume"
	}
	return fmt.Sprintf("%s %s not found", strings.TrimSuffix(e.Kind, "s"), r)
}

// nouns name the kinds in messages.
var nouns = map[string]string{
	KindContainer: "container", KindImage: "image", KindNetwork: "network", KindVolume: "volume",
	KindExec: "exec instance", KindService: "service", KindSecret: "secret", KindConfig: "config", KindTask: "task",
}

func notYours(kind, ref, field string, c *owner.Client, labels map[string]string) error {
	what := fmt.Sprintf("%s %q (not yours: %s)", nouns[kind], short(ref), c.Whose(labels))
	if field != "" {
		what = field + " " + what
	}
	return &Denied{What: what}
}

// lookupFailed turns a lookup's error into the refusal or the 404.
func lookupFailed(kind, ref, field string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return &NotFound{Kind: kind, Ref: ref}
	}
	what := fmt.Sprintf("%s %q (%v)", nouns[kind], short(ref), err)
	if field != "" {
		what = field + " " + what
	}
	return &Denied{What: what}
}

func noDaemon(kind, ref, field string) error {
	what := fmt.Sprintf("%s %q (no daemon to look up its owner)", nouns[kind], short(ref))
	if field != "" {
		what = field + " " + what
	}
	return &Denied{What: what}
}

// OwnContainer returns the container ref names when o's client owns it.
func OwnContainer(ref, field string, o Options) (*ContainerInfo, error) {
	if o.Lookup == nil {
		return nil, noDaemon(KindContainer, ref, field)
	}
	c, err := o.Lookup.Container(ref)
	if err != nil {
		return nil, lookupFailed(KindContainer, ref, field, err)
	}
	if o.Owner != nil && !o.Owner.Owns(c.Labels) {
		return nil, notYours(KindContainer, ref, field, o.Owner, c.Labels)
	}
	return c, nil
}

// OwnExec returns the exec instance id names when o's client owns the
// container it runs in: an exec instance is its container's owner's,
// whoever created it.
func OwnExec(id string, o Options) (*ExecInfo, error) {
	if o.Lookup == nil {
		return nil, noDaemon(KindExec, id, "")
	}
	e, err := o.Lookup.Exec(id)
	if err != nil {
		return nil, lookupFailed(KindExec, id, "", err)
	}
	c, err := o.Lookup.Container(e.ContainerID)
	if errors.Is(err, ErrNotFound) {
		return nil, &NotFound{Kind: KindExec, Ref: id}
	}
	if err != nil {
		return nil, lookupFailed(KindExec, id, "", err)
	}
	if o.Owner != nil && !o.Owner.Owns(c.Labels) {
		return nil, &Denied{What: fmt.Sprintf("exec instance %q (not yours: it runs in a container that %s)", short(id), strings.TrimPrefix(o.Owner.Whose(c.Labels), "it "))}
	}
	return e, nil
}

// predefined networks are dockerd's own, which every container may use.
var predefined = map[string]bool{"bridge": true, "host": true, "none": true}

// PredefinedNetwork reports whether name is one of dockerd's own
// networks, or a NetworkMode that means one ("default").
func PredefinedNetwork(name string) bool { return predefined[name] || name == "default" }

// OwnNetwork returns the network ref names when o's client owns it or,
// with shared, when it is one of dockerd's own networks (bridge, none,
// host): containers may be connected to those, but not remove them.
func OwnNetwork(ref, field string, o Options, shared bool) (*NetworkInfo, error) {
	if o.Lookup == nil {
		return nil, noDaemon(KindNetwork, ref, field)
	}
	n, err := o.Lookup.Network(ref)
	if err != nil {
		return nil, lookupFailed(KindNetwork, ref, field, err)
	}
	if o.Owner == nil || o.Owner.Owns(n.Labels) || (shared && predefined[n.Name] && owner.Shared(n.Labels)) {
		return n, nil
	}
	return nil, notYours(KindNetwork, ref, field, o.Owner, n.Labels)
}

// OwnVolume returns the volume named name when o's client owns it; a
// missing volume is a *NotFound.
func OwnVolume(name, field string, o Options) (*VolumeInfo, error) {
	if o.Lookup == nil {
		return nil, noDaemon(KindVolume, name, field)
	}
	v, err := o.Lookup.Volume(name)
	if err != nil {
		return nil, lookupFailed(KindVolume, name, field, err)
	}
	if o.Owner != nil && !o.Owner.Owns(v.Labels) {
		return nil, notYours(KindVolume, name, field, o.Owner, v.Labels)
	}
	return v, nil
}

// OwnObject returns the swarm object of kind ref names when o's client
// owns it.
func OwnObject(kind, ref, field string, o Options) (*ObjectInfo, error) {
	if o.Lookup == nil {
		return nil, noDaemon(kind, ref, field)
	}
	x, err := o.Lookup.Object(kind, ref)
	if err != nil {
		return nil, lookupFailed(kind, ref, field, err)
	}
	if o.Owner != nil && !o.Owner.Owns(x.Labels) {
		return nil, notYours(kind, ref, field, o.Owner, x.Labels)
	}
	return x, nil
}

// ImageAccess is what a request does with an image.
type ImageAccess int

const (
	// ImageRead runs, inspects, saves, pushes or builds from it: allowed
	// on the client's images and on shared ones (pulled, or made directly
	// on the daemon), never on another client's, whose contents are its
	// own (and whose tag may have been put where another client would
	// run it: the name squatting this refuses).
	ImageRead ImageAccess = iota
	// ImageWrite removes or tags it: the client's images only. A shared
	// image's tags move only by a pull (which takes what the registry
	// holds under that name) or by an admin, so that no client can put
	// its own content under a name another runs.
	ImageWrite
)

// OwnImage returns the image ref names when o's client may access it so.
func OwnImage(ref, field string, o Options, access ImageAccess) (*ImageInfo, error) {
	if o.Lookup == nil {
		return nil, noDaemon(KindImage, ref, field)
	}
	img, err := o.Lookup.Image(ref)
	if err != nil {
		return nil, lookupFailed(KindImage, ref, field, err)
	}
	c := o.Owner
	if c == nil || c.Owns(img.Labels) || (access == ImageRead && owner.Shared(img.Labels)) {
		return img, nil
	}
	if access == ImageWrite && owner.Shared(img.Labels) {
		return nil, &Denied{What: fmt.Sprintf("%simage %q (shared: pulled or made on the daemon; only a pull or an admin changes it)", fieldPrefix(field), short(ref))}
	}
	return nil, notYours(KindImage, ref, field, c, img.Labels)
}

func fieldPrefix(field string) string {
	if field == "" {
		return ""
	}
	return field + " "
}

// ByID reports whether ref reaches img by its ID or an ID prefix, which
// a tag of that name created later would shadow: such a reference is
// pinned to the full ID.
func (img *ImageInfo) ByID(ref string) bool {
	hex := strings.TrimPrefix(ref, "sha256:")
	if hex == "" || strings.Trim(hex, "0123456789abcdef") != "" || !strings.HasPrefix(img.ID, "sha256:"+hex) {
		return false
	}
	t, ok := FamiliarTag(ref)
	return !ok || !slices.Contains(img.RepoTags, t)
}

// FamiliarTag returns ref as the tag dockerd would create or move for it,
// in the short form image inspect lists in RepoTags ("busybox:latest" for
// docker.io/library/busybox); false for a digest reference, which moves
// no tag.
func FamiliarTag(ref string) (string, bool) {
	if ref == "" || strings.Contains(ref, "@") {
		return "", false
	}
	name, tag := ref, "latest"
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		name, tag = ref[:i], ref[i+1:]
	}
	for _, d := range []string{"docker.io/", "index.docker.io/"} {
		if strings.HasPrefix(name, d) {
			name = name[len(d):]
			if !strings.Contains(name, "/") {
				name = "library/" + name
			}
			break
		}
	}
	if rest, ok := strings.CutPrefix(name, "library/"); ok && !strings.Contains(rest, "/") {
		name = rest
	}
	return name + ":" + tag, true
}

// FreeTag refuses a request that would create or move the tag ref when
// the tag names an image o's client does not own; with pull, a tag of a
// shared image may move too (a pull takes what the registry holds under
// that name).
func FreeTag(ref, field string, o Options, pull bool) error {
	c := o.Owner
	if c == nil || c.Admin {
		return nil
	}
	tag, ok := FamiliarTag(ref)
	if !ok {
		return nil
	}
	if o.Lookup == nil {
		return noDaemon(KindImage, tag, field)
	}
	img, err := o.Lookup.Image(tag)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return lookupFailed(KindImage, tag, field, err)
	}
	if !slices.Contains(img.RepoTags, tag) {
		return nil // resolved as an ID prefix: no such tag
	}
	switch {
	case c.Owns(img.Labels), pull && owner.Shared(img.Labels):
		return nil
	case owner.Shared(img.Labels):
		return &Denied{What: fmt.Sprintf("%stag %q over a shared image (pulled or made on the daemon; only a pull or an admin moves it)", fieldPrefix(field), short(tag))}
	}
	return &Denied{What: fmt.Sprintf("%stag %q (not yours: it names an image that %s)", fieldPrefix(field), short(tag), strings.TrimPrefix(c.Whose(img.Labels), "it "))}
}

// labelEdit returns the edit that gives labels (at path) the owner's
// label, or the refusal of a label naming another owner.
func labelEdit(labels map[string]string, path []string, o Options) ([]edit, error) {
	if o.Owner == nil {
		return nil, nil
	}
	out, err := o.Owner.Labelled(labels)
	if err != nil {
		return nil, &Denied{What: strings.Join(path, ".") + " " + err.Error()}
	}
	if equalLabels(out, labels) {
		return nil, nil
	}
	return []edit{{path: path, value: out}}, nil
}

func equalLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
