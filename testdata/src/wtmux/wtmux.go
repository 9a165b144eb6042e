package wtmux

import (
	"encoding/json"
	"net/http"
	"time"
)

func health(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode("ok")
}

// ok: the default mux holds only short handlers here and in every
// dependency of this package.
func defaultMuxShort() {
	http.HandleFunc("/health", health)
	srv := &http.Server{Addr: ":8081", WriteTimeout: time.Minute}
	srv.ListenAndServe()
}
