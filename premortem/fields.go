package premortem

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The walkers of front-matter mappings and the readers of single values.
// Each reports what is wrong as a diagnostic at its line and returns the
// zero value, so parsing goes on and every problem of a file is reported
// at once.

// keys walks a mapping, reporting duplicate, unknown and non-text keys,
// and calls fn for each known key. prefix names the mapping in messages.
func (p *parser) keys(m *yaml.Node, known []string, prefix string, fn func(key string, k, v *yaml.Node)) {
	seen := make(map[string]int)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			p.errorf(p.line(k), "%skeys must be plain names, not %s", prefix, describe(k))
			continue
		}
		if at, dup := seen[k.Value]; dup {
			p.errorf(p.line(k), "duplicate key %q (first at line %d)", prefix+k.Value, at)
			continue
		}
		seen[k.Value] = p.line(k)
		if !contains(known, k.Value) {
			p.errorf(p.line(k), "unknown key %q (known keys: %s)", prefix+k.Value, strings.Join(known, ", "))
			continue
		}
		if v.Kind == yaml.AliasNode {
			p.errorf(p.line(v), "%s: anchors and aliases are not supported", prefix+k.Value)
			continue
		}
		fn(k.Value, k, v)
	}
}

// required reports each required key that is missing or empty, unless a
// diagnostic already covers it: at the key's line, or at the entry's.
func (p *parser) required(m *yaml.Node, prefix string, keys []string, empty func(key string) bool) {
	for _, key := range keys {
		if !empty(key) {
			continue
		}
		line, found := p.line(m), false
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
				line, found = p.line(m.Content[i]), true
				break
			}
		}
		covered := false
		for _, d := range p.diags {
			if d.Severity == Error && d.Line == line && strings.Contains(d.Message, prefix+key) {
				covered = true
			}
		}
		if covered {
			continue
		}
		if found {
			p.errorf(line, "%s%s is empty", prefix, key)
		} else {
			p.errorf(line, "%smissing %s", prefix, key)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// describe names a node's kind for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if len(n.Value) > 40 {
			return strconv.Quote(n.Value[:40] + "...")
		}
		return strconv.Quote(n.Value)
	default:
		return "nothing"
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// str reads a scalar as text; null is the empty string.
func (p *parser) str(name string, v *yaml.Node) string {
	if isNull(v) {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		p.errorf(p.line(v), "%s must be text, not %s", name, describe(v))
		return ""
	}
	return strings.TrimSpace(v.Value)
}

// strs reads a list of texts; a single text is a list of one.
func (p *parser) strs(name string, v *yaml.Node) []string {
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		if s := strings.TrimSpace(v.Value); s != "" {
			return []string{s}
		}
		return nil
	case v.Kind != yaml.SequenceNode:
		p.errorf(p.line(v), "%s must be a list, not %s", name, describe(v))
		return nil
	}
	var out []string
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode || isNull(e) || strings.TrimSpace(e.Value) == "" {
			p.errorf(p.line(e), "%s: each entry must be non-empty text, not %s", name, describe(e))
			continue
		}
		out = append(out, strings.TrimSpace(e.Value))
	}
	return out
}

func (p *parser) id(name string, v *yaml.Node) string {
	s := p.str(name, v)
	if s == "" {
		if !isNull(v) && v.Kind == yaml.ScalarNode {
			p.errorf(p.line(v), "%s is empty", name)
		}
		return ""
	}
	if !idRE.MatchString(s) {
		p.errorf(p.line(v), "%s %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name, s)
		return ""
	}
	return s
}

func (p *parser) oneOf(name string, v *yaml.Node, allowed []string) string {
	s := p.str(name, v)
	if s == "" {
		return ""
	}
	if !contains(allowed, s) {
		p.errorf(p.line(v), "%s %q is not one of %s", name, s, strings.Join(allowed, ", "))
		return ""
	}
	return s
}

// rating reads a whole number from lo to hi.
func (p *parser) rating(name string, v *yaml.Node, lo, hi int) int {
	s := p.str(name, v)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		p.errorf(p.line(v), "%s must be a whole number from %d to %d, not %q", name, lo, hi, s)
		return 0
	}
	return n
}

func (p *parser) date(name string, v *yaml.Node) time.Time {
	s := p.str(name, v)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.errorf(p.line(v), "%s %q is not a date (YYYY-MM-DD)", name, s)
		return time.Time{}
	}
	return t
}

func (p *parser) days(name string, v *yaml.Node) *DayRange {
	s := p.str(name, v)
	if s == "" {
		return nil
	}
	m := daysRE.FindStringSubmatch(s)
	if m == nil {
		p.errorf(p.line(v), "%s %q must be a day of the month or a range of days like \"10-20\"", name, s)
		return nil
	}
	from, _ := strconv.Atoi(m[1])
	to := from
	if m[2] != "" {
		to, _ = strconv.Atoi(m[2])
	}
	if from < 1 || from > 31 || to < 1 || to > 31 {
		p.errorf(p.line(v), "%s %q: days of the month run from 1 to 31", name, s)
		return nil
	}
	return &DayRange{From: from, To: to}
}
