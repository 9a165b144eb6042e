// Package router is an application framework's router: routes are kept
// in groups as actions taking an event, and BuildMux turns them into an
// http.ServeMux whose handlers make the event and run the action.
package router

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
)

// Event is what an action gets: the response and the request.
type Event struct {
	Response http.ResponseWriter
	Request  *http.Request
}

// Stream copies reader into the response.
func (e *Event) Stream(status int, contentType string, reader io.Reader) error {
	e.Response.Header().Set("Content-Type", contentType)
	e.Response.WriteHeader(status)
	_, err := io.Copy(e.Response, reader)
	return err
}

// FileFS serves a file of fsys.
func (e *Event) FileFS(fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ff, ok := f.(io.ReadSeeker)
	if !ok {
		return errors.New("not seekable")
	}
	http.ServeContent(e.Response, e.Request, fi.Name(), fi.ModTime(), ff)
	return nil
}

// Route is one registered action.
type Route[T any] struct {
	Method string
	Path   string
	Action func(e T) error
}

// RouterGroup holds routes and subgroups under a prefix.
type RouterGroup[T any] struct {
	Prefix   string
	children []any
}

// Group adds a subgroup.
func (group *RouterGroup[T]) Group(prefix string) *RouterGroup[T] {
	g := &RouterGroup[T]{Prefix: prefix}
	group.children = append(group.children, g)
	return g
}

// Route adds an action.
func (group *RouterGroup[T]) Route(method, path string, action func(e T) error) *Route[T] {
	r := &Route[T]{Method: method, Path: path, Action: action}
	group.children = append(group.children, r)
	return r
}

// GET adds an action for GET.
func (group *RouterGroup[T]) GET(path string, action func(e T) error) *Route[T] {
	return group.Route(http.MethodGet, path, action)
}

// Router is the root group and how events are made.
type Router[T any] struct {
	*RouterGroup[T]
	eventFactory func(w http.ResponseWriter, r *http.Request) T
}

// NewRouter returns an empty router.
func NewRouter[T any](factory func(w http.ResponseWriter, r *http.Request) T) *Router[T] {
	return &Router[T]{RouterGroup: &RouterGroup[T]{}, eventFactory: factory}
}

// BuildMux returns the handler that serves the registered routes.
func (r *Router[T]) BuildMux() (http.Handler, error) {
	mux := http.NewServeMux()
	r.loadMux(mux, r.RouterGroup, "")
	return mux, nil
}

func (r *Router[T]) loadMux(mux *http.ServeMux, group *RouterGroup[T], prefix string) {
	for _, child := range group.children {
		switch v := child.(type) {
		case *RouterGroup[T]:
			r.loadMux(mux, v, prefix+group.Prefix)
		case *Route[T]:
			mux.HandleFunc(v.Method+" "+prefix+group.Prefix+v.Path, func(w http.ResponseWriter, req *http.Request) {
				event := r.eventFactory(w, req)
				if err := v.Action(event); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
				}
			})
		}
	}
}
