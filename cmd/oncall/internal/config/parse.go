package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/didyoumean"
	"github.com/oncallkit/oncall/tui/keymap"
)

// parser turns the YAML document's nodes into a Config, one key at a
// time, and reports a problem at the node it is on.
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
		c.TokenFile, err = p.path(name, v)
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
		c.RefreshInterval, err = p.duration(name, v, "15s or 1m", func(d time.Duration) string {
			if d < MinRefreshInterval {
				return fmt.Sprintf("is below the minimum of %s (PagerDuty rate-limits each token)", MinRefreshInterval)
			}
			return ""
		})
	case "status_update_every":
		c.StatusUpdateEvery, err = p.duration(name, v, "20m or 30m", func(d time.Duration) string {
			if d < time.Minute || d > 24*time.Hour {
				return "is outside 1m to 24h"
			}
			return ""
		})
	case "runbooks_dir":
		c.RunbooksDir, err = p.path(name, v)
	case "postmortems_dir":
		c.PostmortemsDir, err = p.path(name, v)
	case "premortems_dir":
		c.PremortemsDir, err = p.path(name, v)
	case "read_only":
		c.ReadOnly, err = p.boolean(name, v)
	case "theme":
		if c.Theme, err = p.str(name, v); err == nil && !slices.Contains(Themes, c.Theme) {
			err = p.errf(v, "theme %q is not one of %s", c.Theme, strings.Join(Themes, ", "))
		}
	case "runbook_workdir":
		c.RunbookWorkdir, err = p.path(name, v)
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
		c.PostOutput, err = p.boolean(name, v)
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

// duration reads a Go duration; bound returns what is wrong with one
// that parses ("is outside 1m to 24h"), or "" when it is acceptable.
func (p *parser) duration(name string, v *yaml.Node, example string, bound func(time.Duration) string) (time.Duration, error) {
	s, err := p.str(name, v)
	if err != nil {
		return 0, err
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, p.errf(v, "%s %q is not a duration (for example %s)", name, s, example)
	}
	if msg := bound(d); msg != "" {
		return 0, p.errf(v, "%s %s %s", name, d, msg)
	}
	return d, nil
}

// boolean reads a YAML boolean; "yes", 1 or a quoted "true" are refused
// rather than guessed at.
func (p *parser) boolean(name string, v *yaml.Node) (bool, error) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false, p.errf(v, "%s must be true or false", name)
	}
	b, _ := strconv.ParseBool(strings.ToLower(v.Value))
	return b, nil
}

// path reads a file or directory path, with a leading ~/ expanded.
func (p *parser) path(name string, v *yaml.Node) (string, error) {
	s, err := p.str(name, v)
	return ExpandHome(s), err
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

// suggest offers the known name closest to a misspelt one, as the tail
// of a message.
func suggest(got string, known []string) string {
	if best := didyoumean.Closest(got, known); best != "" {
		return fmt.Sprintf(", did you mean %q?", best)
	}
	return ""
}
