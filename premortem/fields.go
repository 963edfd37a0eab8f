package premortem

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/frontmatter"
)

// The walkers of front-matter mappings and the readers of single values.
// Each reports what is wrong as a diagnostic at its line and returns the
// zero value, so parsing goes on and every problem of a file is reported
// at once.

// keys walks a mapping as frontmatter.Decoder.Keys does, and also refuses
// a value that is an alias, naming its key.
func (p *parser) keys(m *yaml.Node, known []string, prefix string, fn func(key string, k, v *yaml.Node)) {
	p.Keys(m, known, prefix, func(key string, k, v *yaml.Node) {
		if v.Kind == yaml.AliasNode {
			p.errorf(p.Line(v), "%s: anchors and aliases are not supported", prefix+key)
			return
		}
		fn(key, k, v)
	})
}

// required reports each required key that is missing or empty, unless a
// diagnostic already covers it: at the key's line, or at the entry's.
func (p *parser) required(m *yaml.Node, prefix string, keys []string, empty func(key string) bool) {
	for _, key := range keys {
		if !empty(key) {
			continue
		}
		line, found := p.Line(m), false
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
				line, found = p.Line(m.Content[i]), true
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

// describe names a node for messages as frontmatter.Describe does, but
// cuts long values short and names an alias without the runbook's note.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.AliasNode:
		return "an alias"
	case n.Kind == yaml.ScalarNode && len(n.Value) > 40:
		return strconv.Quote(n.Value[:40] + "...")
	}
	return frontmatter.Describe(n)
}

func (p *parser) id(name string, v *yaml.Node) string {
	s := p.Str(name, v)
	if s == "" {
		if !frontmatter.IsNull(v) && v.Kind == yaml.ScalarNode {
			p.errorf(p.Line(v), "%s is empty", name)
		}
		return ""
	}
	if !idRE.MatchString(s) {
		p.errorf(p.Line(v), "%s %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name, s)
		return ""
	}
	return s
}

func (p *parser) oneOf(name string, v *yaml.Node, allowed []string) string {
	s := p.Str(name, v)
	if s == "" {
		return ""
	}
	if !slices.Contains(allowed, s) {
		p.errorf(p.Line(v), "%s %q is not one of %s", name, s, strings.Join(allowed, ", "))
		return ""
	}
	return s
}

// rating reads a whole number from lo to hi.
func (p *parser) rating(name string, v *yaml.Node, lo, hi int) int {
	s := p.Str(name, v)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		p.errorf(p.Line(v), "%s must be a whole number from %d to %d, not %q", name, lo, hi, s)
		return 0
	}
	return n
}

func (p *parser) date(name string, v *yaml.Node) time.Time {
	s := p.Str(name, v)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		p.errorf(p.Line(v), "%s %q is not a date (YYYY-MM-DD)", name, s)
		return time.Time{}
	}
	return t
}

func (p *parser) days(name string, v *yaml.Node) *DayRange {
	s := p.Str(name, v)
	if s == "" {
		return nil
	}
	m := daysRE().FindStringSubmatch(s)
	if m == nil {
		p.errorf(p.Line(v), "%s %q must be a day of the month or a range of days like \"10-20\"", name, s)
		return nil
	}
	from, _ := strconv.Atoi(m[1])
	to := from
	if m[2] != "" {
		to, _ = strconv.Atoi(m[2])
	}
	if from < 1 || from > 31 || to < 1 || to > 31 {
		p.errorf(p.Line(v), "%s %q: days of the month run from 1 to 31", name, s)
		return nil
	}
	return &DayRange{From: from, To: to}
}
