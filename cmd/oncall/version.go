package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped at release time:
//
//	go build -ldflags "-X main.version=1.2.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/oncall
//
// Left alone, the version is "dev" (or the module version go install
// recorded) and the commit is the one the Go toolchain stamped, if any.
var (
	version = "dev"
	commit  = ""
)

// versionString is what oncall --version prints after "oncall ".
func versionString() string {
	v, c, modified, goVersion := version, commit, false, runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && c == "":
				c = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				modified = true
			}
		}
	}
	if c == "" {
		c = "unknown"
	} else if len(c) > 12 {
		c = c[:12]
	}
	if modified && commit == "" {
		c += ", modified"
	}
	return fmt.Sprintf("%s (commit %s, %s %s/%s)", v, c, goVersion, runtime.GOOS, runtime.GOARCH)
}
