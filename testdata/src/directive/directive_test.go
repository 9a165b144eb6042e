package directive

// Findings in test files are not reported, so a directive here matches
// none: don't flag it.

//streamvet:ignore tests set short timeouts on purpose
var _ = 0
