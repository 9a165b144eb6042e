package fix

// quiet is on the request path: shadow calls it. Its file imports nothing.
func quiet(job func()) {
	defer func() {
		// want +1 `recover in the function deferred by quiet swallows`
		if v := recover(); v != nil {
			println(v)
		}
	}()
	job()
}
