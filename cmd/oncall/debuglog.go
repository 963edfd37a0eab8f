package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/oncallkit/oncall/internal/xdg"
)

// Debug logging (--debug) goes to a file in the XDG state directory, never
// to the terminal: the interactive view owns the screen. What is logged is
// chosen so that the token cannot appear: request lines and statuses, never
// headers, and where settings came from, never their secret values.

// debugLogPath is $XDG_STATE_HOME/oncall/debug.log.
func debugLogPath() (string, error) {
	dir := xdg.StateHome()
	if dir == "" {
		return "", errors.New("cannot find a state directory for the debug log: set XDG_STATE_HOME or HOME")
	}
	return filepath.Join(dir, "oncall", "debug.log"), nil
}

// openDebugLog opens the debug log for appending (directory 0700, file
// 0600) and returns a logger writing to it.
func openDebugLog() (*slog.Logger, io.Closer, error) {
	path, err := debugLogPath()
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("debug log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("debug log: %w", err)
	}
	// A log made before this rule, or by hand, may be wider open.
	_ = f.Chmod(0o600)
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug})), f, nil
}

// logTransport logs each request's method, path and outcome.
type logTransport struct {
	base http.RoundTripper
	log  *slog.Logger
}

func (t logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	attrs := []any{"method", req.Method, "host", req.URL.Host, "path", req.URL.Path, "took", time.Since(start).Round(time.Millisecond)}
	if err != nil {
		t.log.Debug("http", append(attrs, "err", err.Error())...)
		return resp, err
	}
	attrs = append(attrs, "status", resp.StatusCode)
	if v := resp.Header.Get("ratelimit-remaining"); v != "" {
		attrs = append(attrs, "ratelimit_remaining", v)
	}
	t.log.Debug("http", attrs...)
	return resp, nil
}

// httpClient is the client PagerDuty calls go through: nil (the adapter's
// own) unless debugging, when requests are logged.
func (g *globalOptions) httpClient() *http.Client {
	if g.logCloser == nil {
		return nil
	}
	return &http.Client{Timeout: 20 * time.Second, Transport: logTransport{base: http.DefaultTransport, log: g.log}}
}
