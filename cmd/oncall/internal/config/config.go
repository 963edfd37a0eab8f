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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adrg/xdg"
	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/regularfile"
	"github.com/oncallkit/oncall/tui/keymap"
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

var hoursPattern = regexp.MustCompile(`^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$`)

// ParseHours reads HH:MM-HH:MM (the end may be 24:00). wrap allows a span
// that crosses midnight (sleep hours); without it the day must end after
// it starts (working hours). The error says what is wrong, without the
// name of the setting, which the caller adds.
func ParseHours(s string, wrap bool) (Hours, error) {
	m := hoursPattern.FindStringSubmatch(strings.TrimSpace(s))
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
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		dir = xdg.ConfigHome
	}
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

type parser struct {
	file     string
	c        *Config
	keyLines map[string]int // "action\x00key" -> line, for duplicate reports
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	return &Error{File: p.file, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) key(k, v *yaml.Node) error {
	name := k.Value
	if k.Kind != yaml.ScalarNode || !slices.Contains(Keys, name) {
		return p.errf(k, "unknown key %q%s (known keys: %s)", name, suggest(name, Keys), strings.Join(Keys, ", "))
	}
	if isNull(v) {
		return nil // "key:" with nothing keeps the default
	}
	c := p.c
	var err error
	switch name {
	case "api_url":
		if c.APIURL, err = p.str(name, v); err == nil && !strings.HasPrefix(c.APIURL, "https://") && !strings.HasPrefix(c.APIURL, "http://") {
			err = p.errf(v, "api_url %q must start with https:// (or http:// for a local simulator)", c.APIURL)
		}
	case "token_file":
		c.TokenFile, err = p.str(name, v)
		c.TokenFile = ExpandHome(c.TokenFile)
	case "token_env":
		if c.TokenEnv, err = p.str(name, v); err == nil && !validEnvName(c.TokenEnv) {
			err = p.errf(v, "token_env %q is not an environment variable name (letters, digits, _)", c.TokenEnv)
		}
	case "token_type":
		var t string
		if t, err = p.str(name, v); err == nil && !slices.Contains(TokenTypes, strings.ToLower(t)) {
			err = p.errf(v, "token_type %q is not one of %s (oauth for an OAuth access token, token for a REST API key)", t, strings.Join(TokenTypes, ", "))
		}
		c.TokenType = strings.ToLower(t)
	case "from_email":
		if c.FromEmail, err = p.str(name, v); err == nil && !strings.Contains(c.FromEmail, "@") {
			err = p.errf(v, "from_email %q is not an email address", c.FromEmail)
		}
	case "refresh_interval":
		var s string
		if s, err = p.str(name, v); err != nil {
			break
		}
		d, perr := time.ParseDuration(s)
		switch {
		case perr != nil:
			err = p.errf(v, "refresh_interval %q is not a duration (for example 15s or 1m)", s)
		case d < MinRefreshInterval:
			err = p.errf(v, "refresh_interval %s is below the minimum of %s (PagerDuty rate-limits each token)", d, MinRefreshInterval)
		default:
			c.RefreshInterval = d
		}
	case "status_update_every":
		var s string
		if s, err = p.str(name, v); err != nil {
			break
		}
		d, perr := time.ParseDuration(s)
		switch {
		case perr != nil:
			err = p.errf(v, "status_update_every %q is not a duration (for example 20m or 30m)", s)
		case d < time.Minute || d > 24*time.Hour:
			err = p.errf(v, "status_update_every %s is outside 1m to 24h", d)
		default:
			c.StatusUpdateEvery = d
		}
	case "runbooks_dir":
		c.RunbooksDir, err = p.str(name, v)
		c.RunbooksDir = ExpandHome(c.RunbooksDir)
	case "postmortems_dir":
		c.PostmortemsDir, err = p.str(name, v)
		c.PostmortemsDir = ExpandHome(c.PostmortemsDir)
	case "premortems_dir":
		c.PremortemsDir, err = p.str(name, v)
		c.PremortemsDir = ExpandHome(c.PremortemsDir)
	case "read_only":
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
			err = p.errf(v, "read_only must be true or false")
		} else {
			c.ReadOnly, _ = strconv.ParseBool(strings.ToLower(v.Value))
		}
	case "theme":
		if c.Theme, err = p.str(name, v); err == nil && !slices.Contains(Themes, c.Theme) {
			err = p.errf(v, "theme %q is not one of %s", c.Theme, strings.Join(Themes, ", "))
		}
	case "runbook_workdir":
		c.RunbookWorkdir, err = p.str(name, v)
		c.RunbookWorkdir = ExpandHome(c.RunbookWorkdir)
	case "redact_env":
		c.RedactEnv, err = p.list(name, v, func(n *yaml.Node) error {
			if !validEnvName(n.Value) {
				return p.errf(n, "redact_env: %q is not an environment variable name (letters, digits, _)", n.Value)
			}
			return nil
		})
	case "redact":
		c.Redact, err = p.list(name, v, func(n *yaml.Node) error {
			re, rerr := regexp.Compile(n.Value)
			switch {
			case rerr != nil:
				return p.errf(n, "redact: %q is not a regular expression: %v", n.Value, rerr)
			case re.MatchString(""):
				return p.errf(n, "redact: %q matches empty text; a pattern must match the secret itself", n.Value)
			}
			return nil
		})
	case "post_output":
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
			err = p.errf(v, "post_output must be true or false")
		} else {
			c.PostOutput, _ = strconv.ParseBool(strings.ToLower(v.Value))
		}
	case "zone":
		if c.Zone, err = p.str(name, v); err == nil {
			loc, lerr := time.LoadLocation(c.Zone)
			if lerr != nil || strings.EqualFold(c.Zone, "local") {
				err = p.errf(v, "zone %q is not a time zone (use an IANA name such as Europe/Paris, or UTC)", c.Zone)
			}
			c.Location = loc
		}
	case "work_hours", "sleep_hours":
		var s string
		if s, err = p.str(name, v); err != nil {
			break
		}
		h, herr := ParseHours(s, name == "sleep_hours")
		if herr != nil {
			err = p.errf(v, "%s %q: %v", name, s, herr)
		} else if name == "work_hours" {
			c.WorkHours = h
		} else {
			c.SleepHours = h
		}
	case "slos":
		c.SLOs, err = p.slos(v)
	case "keys":
		c.Keys, err = p.keys(v)
	}
	if err != nil {
		return err
	}
	c.set[name] = true
	return nil
}

// list reads a list of non-empty scalars (or one scalar), each checked.
func (p *parser) list(name string, v *yaml.Node, check func(*yaml.Node) error) ([]string, error) {
	items := []*yaml.Node{v}
	switch v.Kind {
	case yaml.ScalarNode:
	case yaml.SequenceNode:
		items = v.Content
	default:
		return nil, p.errf(v, "%s must be a list, such as [A, B]", name)
	}
	var out []string
	for _, it := range items {
		if it.Kind != yaml.ScalarNode || strings.TrimSpace(it.Value) == "" {
			return nil, p.errf(it, "%s: each item is a single non-empty value", name)
		}
		if err := check(it); err != nil {
			return nil, err
		}
		out = append(out, it.Value)
	}
	return out, nil
}

// str reads a non-empty scalar.
func (p *parser) str(name string, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v, "%s must be a single value, not a list or mapping", name)
	}
	s := strings.TrimSpace(v.Value)
	if s == "" {
		return "", p.errf(v, "%s is empty; remove the line to use the default", name)
	}
	return s, nil
}

func (p *parser) slos(v *yaml.Node) (map[string]SLO, error) {
	if v.Kind != yaml.MappingNode {
		return nil, p.errf(v, "slos must map service names to {target: 99.9, window: 28d}")
	}
	out := map[string]SLO{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		svc, body := v.Content[i], v.Content[i+1]
		if body.Kind != yaml.MappingNode {
			return nil, p.errf(body, "slos.%s must be {target: 99.9, window: 28d}", svc.Value)
		}
		slo := SLO{Window: DefaultSLOWindow}
		hasTarget := false
		for j := 0; j+1 < len(body.Content); j += 2 {
			k, val := body.Content[j], body.Content[j+1]
			switch k.Value {
			case "target":
				t, err := strconv.ParseFloat(val.Value, 64)
				if val.Kind != yaml.ScalarNode || err != nil || t <= 0 || t >= 100 {
					return nil, p.errf(val, "slos.%s.target must be a percentage between 0 and 100, such as 99.9", svc.Value)
				}
				slo.Target, hasTarget = t, true
			case "window":
				w, err := parseWindow(val.Value)
				if val.Kind != yaml.ScalarNode || err != nil {
					return nil, p.errf(val, "slos.%s.window %q is not a period such as 28d or 720h", svc.Value, val.Value)
				}
				slo.Window = w
			default:
				return nil, p.errf(k, "unknown key %q in slos.%s (known keys: target, window)", k.Value, svc.Value)
			}
		}
		if !hasTarget {
			return nil, p.errf(svc, "slos.%s has no target", svc.Value)
		}
		out[svc.Value] = slo
	}
	return out, nil
}

// parseWindow reads "28d" or a Go duration.
func parseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, errors.New("bad days")
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("bad duration")
	}
	return d, nil
}

func (p *parser) keys(v *yaml.Node) (map[string][]string, error) {
	if v.Kind != yaml.MappingNode {
		return nil, p.errf(v, "keys must map actions to lists of keys, such as quit: [q, ctrl+c]")
	}
	names := keymap.Names()
	p.keyLines = map[string]int{}
	out := map[string][]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		a, list := v.Content[i], v.Content[i+1]
		if !slices.Contains(names, a.Value) {
			return nil, p.errf(a, "unknown action %q in keys%s (actions: %s)", a.Value, suggest(a.Value, names), strings.Join(names, ", "))
		}
		var items []*yaml.Node
		switch list.Kind {
		case yaml.ScalarNode:
			items = []*yaml.Node{list}
		case yaml.SequenceNode:
			items = list.Content
		default:
			return nil, p.errf(list, "keys.%s must be a list of keys, such as [q, ctrl+c]", a.Value)
		}
		if len(items) == 0 {
			return nil, p.errf(list, "keys.%s is empty: an action needs at least one key", a.Value)
		}
		var ks []string
		for _, it := range items {
			if it.Kind != yaml.ScalarNode {
				return nil, p.errf(it, "keys.%s: each key is a single value such as q or ctrl+r", a.Value)
			}
			if err := keymap.ValidKey(it.Value); err != nil {
				return nil, p.errf(it, "keys.%s: %v", a.Value, err)
			}
			if slices.Contains(ks, it.Value) {
				return nil, p.errf(it, "keys.%s lists %q twice", a.Value, it.Value)
			}
			ks = append(ks, it.Value)
			p.keyLines[a.Value+"\x00"+it.Value] = it.Line
		}
		out[a.Value] = ks
	}
	return out, nil
}

// checkKeys refuses a key bound to two actions of one screen, at the line
// that completed the clash. The keymap package judges; this only places
// the judgement in the file.
func checkKeys(file string, keys map[string][]string, lines map[string]int) error {
	err := keymap.Check(keys, func(action, key string) int { return lines[action+"\x00"+key] })
	var c *keymap.Clash
	if errors.As(err, &c) {
		return &Error{File: file, Line: c.Line(), Msg: c.Error()}
	}
	if err != nil {
		// Parse checked names and keys node by node, with their lines.
		return &Error{File: file, Msg: "keys: " + err.Error()}
	}
	return nil
}

// duplicates refuses a key given twice in any mapping of the document.
// YAML says keys are unique, but the node API accepts repeats; letting the
// later one win would silently drop what the first line says.
func duplicates(name string, n *yaml.Node, path string) error {
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode {
				full := k.Value
				if path != "" {
					full = path + "." + k.Value
				}
				if first, dup := seen[k.Value]; dup {
					return &Error{File: name, Line: k.Line, Msg: fmt.Sprintf("%s is set twice, on lines %d and %d; keep one", full, first, k.Line)}
				}
				seen[k.Value] = k.Line
				if err := duplicates(name, v, full); err != nil {
					return err
				}
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if err := duplicates(name, c, path); err != nil {
				return err
			}
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func validEnvName(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// syntaxError turns yaml's "yaml: line 3: ..." into an Error with a line.
func syntaxError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(n); err == nil {
				line, msg = l, after
			}
		}
	}
	return &Error{File: name, Line: line, Msg: "not valid YAML: " + msg}
}

// suggest offers the known name closest to a misspelt one.
func suggest(got string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(got, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// distance is the Levenshtein distance, for suggestions.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
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
