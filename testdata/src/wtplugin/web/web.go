package web // want package:"sets 2 numeric fields"

// The server serves the routes its plugins register: it hands its router
// to each one through an interface method, and the plugins live in
// packages that import this one.

import (
	"flag"
	"net/http"
	"time"
)

// Sublauncher adds routes to the web server.
type Sublauncher interface {
	SetupSubrouters(router *http.ServeMux) error // want SetupSubrouters:"routes on arg0 served with ReadTimeout l.config.readTimeout WriteTimeout l.config.writeTimeout"
}

type config struct {
	writeTimeout time.Duration
	readTimeout  time.Duration
}

type Launcher struct {
	config       config
	sublaunchers []Sublauncher
}

func NewLauncher(fs *flag.FlagSet, subs ...Sublauncher) *Launcher {
	l := &Launcher{sublaunchers: subs}
	fs.DurationVar(&l.config.writeTimeout, "write-timeout", 15*time.Second, "server write timeout")
	fs.DurationVar(&l.config.readTimeout, "read-timeout", 15*time.Second, "server read timeout")
	return l
}

func (l *Launcher) Run() error {
	router := http.NewServeMux()
	for _, s := range l.sublaunchers {
		if err := s.SetupSubrouters(router); err != nil {
			return err
		}
	}
	return l.buildServer(router).ListenAndServe()
}

func (l *Launcher) buildServer(handler http.Handler) *http.Server { // want buildServer:"serves arg0 with ReadTimeout l.config.readTimeout, WriteTimeout l.config.writeTimeout"
	return &http.Server{
		Addr:         ":8080",
		WriteTimeout: l.config.writeTimeout,
		ReadTimeout:  l.config.readTimeout,
		Handler:      handler,
	}
}
