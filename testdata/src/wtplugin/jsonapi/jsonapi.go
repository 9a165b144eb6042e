// Package jsonapi registers JSON routes only: nothing for the server's
// timeouts to cut.
package jsonapi

import (
	"encoding/json"
	"net/http"

	"wtplugin/web"
)

type Launcher struct{}

var _ web.Sublauncher = Launcher{}

func (Launcher) SetupSubrouters(router *http.ServeMux) error {
	router.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]bool{"ok": true})
	})
	return nil
}
