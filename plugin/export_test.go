package plugin

// Configure lets the tests run the settings against a suite of their own.
var Configure = configure
