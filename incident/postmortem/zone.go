package postmortem

import (
	"os"
	"strings"
	"time"
)

// LocalZone is the machine's zone under its IANA name (from TZ, else the
// /etc/localtime link), so that a draft can say "Europe/Berlin" where
// time.Local would only say "Local". Without a name to find it is UTC when
// the machine has no zone configured, and time.Local otherwise.
func LocalZone() *time.Location {
	name, set := os.LookupEnv("TZ")
	name = strings.TrimPrefix(name, ":")
	if set && name == "" {
		return time.UTC // TZ="" means UTC
	}
	if name == "" {
		target, err := os.Readlink("/etc/localtime")
		if err != nil {
			if _, statErr := os.Stat("/etc/localtime"); os.IsNotExist(statErr) {
				return time.UTC // what Go's time.Local is then
			}
			return time.Local
		}
		if _, after, ok := strings.Cut(target, "zoneinfo/"); ok {
			name = after
		}
	}
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.Local
}

// zoneName names the working-hours zone in a draft: its IANA name, and for
// time.Local the machine's zone's name when LocalZone finds one.
func zoneName(loc *time.Location) (*time.Location, string) {
	if loc.String() != "Local" {
		return loc, loc.String()
	}
	if named := LocalZone(); named != time.Local {
		return named, named.String()
	}
	return loc, "the machine's local zone"
}
