package owner

import (
	"fmt"
	"strings"
)

// Key is the label that names an object's owner. It is in the project's
// reverse-DNS namespace (streamvet.github.io), as Docker asks of labels
// set by tools.
const Key = "io.github.streamvet.dockerproxy.owner"

// Client is the client a request is decided for.
type Client struct {
	// Name is the client's identity; "" for a client without one.
	Name string
	// Admin acts on every object and sees every object in lists and
	// events. What it creates is labelled with its name, unless it sets
	// the label itself (to create an object for another client).
	Admin bool
}

// Of returns the owner the labels record; "" when none.
func Of(labels map[string]string) string { return labels[Key] }

// Owns reports whether c owns an object with labels.
func (c *Client) Owns(labels map[string]string) bool {
	return c.Admin || Of(labels) == c.Name
}

// Shared reports whether an object with labels is no client's: made
// before ownership, directly on the daemon, or pulled (images).
func Shared(labels map[string]string) bool { return Of(labels) == "" }

// String names c in messages.
func (c *Client) String() string {
	if c.Name == "" {
		return "a client without identity"
	}
	return fmt.Sprintf("client %q", c.Name)
}

// Whose says, for a message, who owns an object with labels that c does
// not own, without naming the other client.
func (c *Client) Whose(labels map[string]string) string {
	if Of(labels) == "" {
		return "it has no owner: made directly on the daemon, before ownership, or by a client without identity"
	}
	return "it belongs to another client"
}

// Labelled returns labels with c's name under Key (a new map), or an
// error when labels already name another owner: the label is the proxy's
// to set. An admin may set it; a client without identity gets no label.
func (c *Client) Labelled(labels map[string]string) (map[string]string, error) {
	v, set := labels[Key]
	if set && v != c.Name && !c.Admin {
		return nil, fmt.Errorf("label %s=%q (the proxy sets it to the creating client)", Key, short(v))
	}
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	if set && c.Admin {
		return out, nil // an admin creating an object for another client
	}
	if c.Name == "" {
		delete(out, Key)
		return out, nil
	}
	out[Key] = c.Name
	return out, nil
}

// Change is the Dockerfile instruction that sets c's label, for the
// changes parameter of commit and import: the last change wins over the
// container's labels, the body's and the client's changes. A client
// without identity gets the label with an empty value, which names no
// owner. The value is quoted, with the characters a LABEL value
// interprets ($ expands variables) escaped.
func (c *Client) Change() string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`)
	return "LABEL " + Key + `="` + r.Replace(c.Name) + `"`
}

func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
