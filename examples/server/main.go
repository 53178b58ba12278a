// Command server is the depend demo: FastAPI's dependency caching examples,
// and more, as a net/http server. Run it from the repository root:
//
//	go run ./examples/server
//
// and try the curl lines in the README. Flags, or the environment variables
// DEMO_ADDR and DEMO_DB, set the address and the database; by default the
// database is a new file in a temporary directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", env("DEMO_ADDR", "localhost:8080"), "listen address (env DEMO_ADDR)")
	db := flag.String("db", os.Getenv("DEMO_DB"), `SQLite database file, or ":memory:" (env DEMO_DB); default: a new file in a temp dir`)
	timing := flag.Bool("server-timing", true, "send a Server-Timing header with the providers' durations (see GET /timing)")
	debug := flag.Bool("debug", false, "log every provider call and cache hit")
	flag.Parse()
	if *graphFlag {
		return writeGraph(os.Stdout)
	}

	if *db == "" {
		dir, err := os.MkdirTemp("", "depend-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*db = filepath.Join(dir, "notes.db")
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime}))
	app, err := NewApp(Options{DB: *db, Log: log, Tokens: map[string]string{"secret-alice": "alice"}, ServerTiming: *timing})
	if err != nil {
		return err
	}
	defer app.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: *addr, Handler: app, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		log.Info("shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("listening", "url", "http://"+*addr, "db", *db)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func env(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// dropTime keeps the log short enough to read the request ids at a glance.
func dropTime(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey && len(groups) == 0 {
		return slog.Attr{}
	}
	return a
}
