// Package behaviour holds no code: its tests run the anti-patterns that
// the streamvet checks report, and their fixed forms, against real
// loopback servers, and assert what a real client receives and what the
// servers log. They are the evidence behind the checks' messages.
package behaviour
