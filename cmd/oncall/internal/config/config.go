// Package config reads oncall's configuration file: one YAML document at
// $XDG_CONFIG_HOME/oncall/config.yaml (or --config, or ONCALL_CONFIG).
//
// Invariants:
//   - Every problem is reported with the file and line it is on, and the
//     first problem stops the load: a half-read configuration is never
//     used.
//   - Unknown keys are errors, never ignored: a misspelt key would
//     otherwise silently keep its default. A key given twice in one
//     mapping is an error naming both lines, not "the last one wins".
//   - Only a regular file of at most MaxFileSize bytes is read: a pipe or
//     a device named by --config is refused, never waited on or read
//     without end.
//   - Key bindings are checked by package keymap, which owns them: action
//     names are its names, key names are the ones Bubble Tea reports, and
//     no key may do two things on the same screen; a clash names the
//     lines of both bindings.
//
// This package only parses and validates; which value wins over flags and
// the environment is decided by the command (flags > env > file > default).
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/regularfile"
	"github.com/oncallkit/oncall/internal/xdg"
)

// EnvPath names the environment variable that points at the file.
const EnvPath = "ONCALL_CONFIG"

// MaxFileSize bounds the configuration file; a real one is a few hundred
// bytes.
const MaxFileSize = 1 << 20

// Defaults of the values the file may set.
const (
	DefaultRefreshInterval = 15 * time.Second
	MinRefreshInterval     = 5 * time.Second
	// DefaultStatusUpdateEvery is how often an incident commander owes a
	// status update on a high-urgency incident.
	DefaultStatusUpdateEvery = 20 * time.Minute
	DefaultPostmortemsDir    = "postmortems"
	DefaultTheme             = "auto"
	DefaultSLOWindow         = 28 * 24 * time.Hour
	DefaultTokenEnv          = "PAGERDUTY_TOKEN"
)

// Keys lists every key the file may hold, in the order the README documents
// them.
var Keys = []string{
	"api_url", "token_file", "token_env", "token_type", "from_email", "refresh_interval",
	"status_update_every", "runbooks_dir", "postmortems_dir", "premortems_dir", "read_only", "slos", "keys", "theme",
	"runbook_workdir", "redact_env", "redact", "post_output", "zone", "work_hours", "sleep_hours",
}

// TokenTypes are the values token_type accepts: "token", a REST API key
// (sent as "Authorization: Token token=..."), and "oauth", an OAuth access
// token (sent as "Authorization: Bearer ..."). PagerDuty cannot tell the
// two apart from the text alone, so the kind is said, not guessed.
var TokenTypes = []string{"token", "oauth"}

// Hours is a daily span of hours, [Start, End) after midnight; an End
// before Start wraps past midnight (22:00-07:00).
type Hours struct {
	Start, End time.Duration
}

// String is HH:MM-HH:MM.
func (h Hours) String() string { return hhmm(h.Start) + "-" + hhmm(h.End) }

func hhmm(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// The default hours: working hours Monday to Friday, sleep hours every day.
var (
	DefaultWorkHours  = Hours{9 * time.Hour, 18 * time.Hour}
	DefaultSleepHours = Hours{22 * time.Hour, 7 * time.Hour}
)

// hoursPattern is compiled on first use: package init runs for every command.
var hoursPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$`)
})

// ParseHours reads HH:MM-HH:MM (the end may be 24:00). wrap allows a span
// that crosses midnight (sleep hours); without it the day must end after
// it starts (working hours). The error says what is wrong, without the
// name of the setting, which the caller adds.
func ParseHours(s string, wrap bool) (Hours, error) {
	m := hoursPattern().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Hours{}, errors.New("want HH:MM-HH:MM, such as 09:00-18:00")
	}
	n := func(i int) time.Duration { v, _ := strconv.Atoi(m[i]); return time.Duration(v) }
	h := Hours{Start: n(1)*time.Hour + n(2)*time.Minute, End: n(3)*time.Hour + n(4)*time.Minute}
	switch {
	case h.End > 24*time.Hour:
		return Hours{}, errors.New("the span runs past 24:00")
	case h.Start == h.End:
		return Hours{}, errors.New("the span is empty")
	case !wrap && h.End < h.Start:
		return Hours{}, errors.New("the day must end after it starts")
	}
	return h, nil
}

// Themes are the values theme accepts.
var Themes = []string{"auto", "dark", "light"}

// SLO is a service's reliability target:
//
//	slos:
//	  checkout-api: {target: 99.9, window: 28d}
//
// Target is the percentage of good time (0 < target < 100); Window is the
// period the error budget is counted over (a Go duration or a number of
// days such as 28d; 28 days when left out).
type SLO struct {
	Target float64
	Window time.Duration
}

// Config is the file's content with defaults filled in.
type Config struct {
	// Path is the file read; empty when there was none.
	Path string

	APIURL    string // empty: the command's default
	TokenFile string // ~ expanded
	// TokenEnv names the environment variable holding the token
	// (PAGERDUTY_TOKEN when not set).
	TokenEnv string
	// TokenType is one of TokenTypes; empty when the file does not say
	// (a REST API key).
	TokenType       string
	FromEmail       string
	RefreshInterval time.Duration
	// StatusUpdateEvery drives the "status update due in N min" clock.
	StatusUpdateEvery time.Duration
	RunbooksDir       string // empty: the command's default
	PostmortemsDir    string
	PremortemsDir     string // empty: the command's default
	ReadOnly          bool
	SLOs              map[string]SLO
	// Keys maps a key map action (one of keymap.Names) to the keys that
	// replace its default ones.
	Keys  map[string][]string
	Theme string
	// Runbook commands (oncall runbook run): the directory they run in
	// (empty: the runbook's own), more variables whose values are masked
	// in their output, patterns (RE2) masked, and whether their results
	// are posted to PagerDuty (a runbook's post_output: false also stops it).
	RunbookWorkdir string
	RedactEnv      []string
	Redact         []string
	PostOutput     bool
	// Zone is the team's time zone (an IANA name) in which working and
	// sleep hours, days and due dates are read: the review's hour buckets
	// and the drafts' working hours. Location is it loaded; both empty
	// (nil) when the file does not say, and the machine's zone applies.
	Zone     string
	Location *time.Location
	// WorkHours are working hours, Monday to Friday; SleepHours are sleep
	// hours, every day, and may cross midnight.
	WorkHours, SleepHours Hours

	set map[string]bool
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{
		TokenEnv:          DefaultTokenEnv,
		RefreshInterval:   DefaultRefreshInterval,
		StatusUpdateEvery: DefaultStatusUpdateEvery,
		PostmortemsDir:    DefaultPostmortemsDir,
		Theme:             DefaultTheme,
		PostOutput:        true,
		WorkHours:         DefaultWorkHours,
		SleepHours:        DefaultSleepHours,
		set:               map[string]bool{},
	}
}

// IsSet says whether the file set key (one of Keys).
func (c *Config) IsSet(key string) bool { return c != nil && c.set[key] }

// Error is a problem in the file, with its place.
type Error struct {
	File string
	Line int // 0 when the problem has no line (the file cannot be read)
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config %s, line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("config %s: %s", e.File, e.Msg)
}

// DefaultPath is $XDG_CONFIG_HOME/oncall/config.yaml.
func DefaultPath() (string, error) {
	dir := xdg.ConfigHome()
	if dir == "" {
		return "", errors.New("cannot find a configuration directory: set XDG_CONFIG_HOME or HOME")
	}
	return filepath.Join(dir, "oncall", "config.yaml"), nil
}

// Locate picks the file: flag, then ONCALL_CONFIG, then DefaultPath.
// explicit is true when a flag or the environment named it, in which case
// it must exist.
func Locate(flag string) (path string, explicit bool, err error) {
	if flag != "" {
		return ExpandHome(flag), true, nil
	}
	if env := os.Getenv(EnvPath); env != "" {
		return ExpandHome(env), true, nil
	}
	p, err := DefaultPath()
	return p, false, err
}

// Load reads the file at path. A missing file gives the defaults, unless
// mustExist.
func Load(path string, mustExist bool) (*Config, error) {
	data, err := regularfile.Read(path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		return Default(), nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{File: path, Msg: "no such file (run oncall init to write one)"}
	}
	if err != nil {
		return nil, &Error{File: path, Msg: bare(err).Error()}
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse reads a configuration from data; name is used in errors.
func Parse(name string, data []byte) (*Config, error) {
	c := Default()
	c.Path = name
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return c, nil // empty file
	}
	top := doc.Content[0]
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return c, nil // only comments
	}
	if top.Kind != yaml.MappingNode {
		return nil, &Error{File: name, Line: top.Line, Msg: "the file must be a mapping of keys to values (key: value)"}
	}
	if err := duplicates(name, top, ""); err != nil {
		return nil, err
	}
	p := parser{file: name, c: c}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if err := p.key(k, v); err != nil {
			return nil, err
		}
	}
	if err := checkKeys(name, c.Keys, p.keyLines); err != nil {
		return nil, err
	}
	return c, nil
}

// ExpandHome turns a leading ~/ into the home directory.
func ExpandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
