// Package directive defines an Analyzer that reports //streamvet:ignore
// directives that are malformed or silence nothing.
//
// # Analyzer directive
//
// directive: report //streamvet:ignore directives that are malformed or silence nothing
//
// A finding is silenced on purpose with a comment on its line or the line
// above it:
//
//	//streamvet:ignore the admin server answers short requests only
//
// The reason is required: it is what the next reader needs, and a
// directive without one silences nothing. This check reports a directive
// without a reason, an unknown //streamvet: directive (a typo would
// otherwise silence nothing without a word), one written with a space
// after the slashes (// streamvet:ignore is a plain comment to Go and to
// this tool; the fix removes the space), and, as staticcheck does for
// its lint directives, an ignore directive that no longer matches any
// finding of the other checks: the code it excused has changed, and the
// directive would hide the next finding on that line.
//
// It requires every other check of the suite, so that it sees all their
// findings on the package. Test files are skipped, as no check reports
// findings in them; generated files are skipped unless the command's
// -generated flag is set.
package directive
