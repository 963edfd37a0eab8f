package runbook

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/didyoumean"
)

// The front-matter keys, in the order the documentation lists them.
var (
	topKeys   = []string{"id", "title", "owners", "services", "match", "impact", "links", "last_reviewed", "review_every_days", "post_output"}
	matchKeys = []string{"title", "summary", "component", "class", "source", "urgency", "min_priority"}
)

var (
	idRE       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	priorityRE = regexp.MustCompile(`^(?i:p|sev-?)?([0-9]{1,2})$`)
)

// parserProblems are the messages of the YAML library's parser (as
// opposed to its scanner) errors, whose line numbers it reports 0-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// fmDecoder turns the front matter's YAML nodes into a Runbook. It reads
// nodes rather than unmarshalling into a struct so that every problem can
// be reported at its own line, and so that unknown keys are errors.
type fmDecoder struct {
	*parser
	first int // file line of the front matter's first line
	last  int // file line of its last line
}

// line converts a line within the front matter to a file line.
func (d *fmDecoder) line(n *yaml.Node) int {
	return d.clamp(d.first + n.Line - 1)
}

func (d *fmDecoder) clamp(l int) int {
	return max(1, min(l, d.last))
}

func (p *parser) frontMatter(rb *Runbook, fm string, firstLine int) {
	d := &fmDecoder{parser: p, first: firstLine, last: max(firstLine+strings.Count(fm, "\n")-1, 1)}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
		msg, line := err.Error(), 0
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			if parserProblems[m[2]] {
				n++ // the library reports parser errors with 0-based lines
			}
			line, msg = firstLine+n-1, m[2]
		} else {
			// No line: the library omits line 0 (0-based) from parser errors.
			line = firstLine
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		d.errorf(d.clamp(line), "front matter: %s", msg)
		return
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(d.line(root), "front matter must be keys and values (id: ..., title: ...), not %s", describe(root))
		return
	}
	reported := make(map[string]bool) // keys with a diagnostic already
	d.keys(root, topKeys, "", func(key string, k, v *yaml.Node) {
		rb.lines[key] = d.line(k)
		before := len(d.diags)
		defer func() { reported[key] = len(d.diags) > before }()
		switch key {
		case "id":
			rb.ID = d.str(key, v)
			if rb.ID != "" && !idRE.MatchString(rb.ID) {
				d.errorf(d.line(v), "id %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", rb.ID)
			}
		case "title":
			rb.Title = d.str(key, v)
		case "owners":
			rb.Owners = d.strs(key, v)
		case "services":
			rb.Services = d.strs(key, v)
		case "match":
			rb.Match = d.criteria(v)
		case "impact":
			rb.Impact = d.str(key, v)
		case "links":
			rb.Links = d.links(v)
		case "last_reviewed":
			rb.LastReviewed = d.date(key, v)
		case "review_every_days":
			rb.ReviewEveryDays = d.days(key, v)
		case "post_output":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				d.errorf(d.line(v), "post_output must be true or false")
				break
			}
			post := strings.EqualFold(v.Value, "true")
			rb.PostOutput = &post
		}
	})
	fmStart := max(firstLine-1, 1) // the opening "---"
	if rb.ID == "" && !reported["id"] {
		d.errorf(or(rb.lines["id"], fmStart), "missing id")
	}
	if rb.Title == "" && !reported["title"] {
		d.errorf(or(rb.lines["title"], fmStart), "missing title")
	}
}

func or(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// keys walks a mapping, reporting duplicate, unknown and non-string keys,
// and calls fn for each known key. prefix names the mapping in messages.
func (d *fmDecoder) keys(m *yaml.Node, known []string, prefix string, fn func(key string, k, v *yaml.Node)) {
	seen := make(map[string]int)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.errorf(d.line(k), "%skeys must be plain names, not %s", prefix, describe(k))
			continue
		}
		name := k.Value
		if at, dup := seen[name]; dup {
			d.errorf(d.line(k), "duplicate key %q (first at line %d)", prefix+name, at)
			continue
		}
		seen[name] = d.line(k)
		if !contains(known, name) {
			if s := didyoumean.Closest(name, known); s != "" {
				d.errorf(d.line(k), "unknown key %q (did you mean %q?)", prefix+name, prefix+s)
			} else {
				d.errorf(d.line(k), "unknown key %q (known keys: %s)", prefix+name, strings.Join(known, ", "))
			}
			continue
		}
		fn(name, k, v)
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
		return "an alias (anchors and aliases are not supported)"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	default:
		return "nothing"
	}
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// str reads a scalar as text; null is the empty string.
func (d *fmDecoder) str(key string, v *yaml.Node) string {
	if isNull(v) {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		d.errorf(d.line(v), "%s must be text, not %s", key, describe(v))
		return ""
	}
	return strings.TrimSpace(v.Value)
}

// strs reads a list of texts; a single text is a list of one.
func (d *fmDecoder) strs(key string, v *yaml.Node) []string {
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.ScalarNode:
		if s := strings.TrimSpace(v.Value); s != "" {
			return []string{s}
		}
		return nil
	case v.Kind != yaml.SequenceNode:
		d.errorf(d.line(v), "%s must be a list, not %s", key, describe(v))
		return nil
	}
	var out []string
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode || isNull(e) || strings.TrimSpace(e.Value) == "" {
			d.errorf(d.line(e), "%s: each entry must be non-empty text, not %s", key, describe(e))
			continue
		}
		out = append(out, strings.TrimSpace(e.Value))
	}
	return out
}

func (d *fmDecoder) criteria(v *yaml.Node) Criteria {
	var c Criteria
	if isNull(v) {
		return c
	}
	if v.Kind != yaml.MappingNode {
		d.errorf(d.line(v), "match must be a map (title, summary, component, ...), not %s", describe(v))
		return c
	}
	d.keys(v, matchKeys, "match.", func(key string, _, v *yaml.Node) {
		name := "match." + key
		switch key {
		case "title":
			c.Title = d.regex(name, v)
		case "summary":
			c.Summary = d.regex(name, v)
		case "component":
			c.Component = d.strs(name, v)
		case "class":
			c.Class = d.strs(name, v)
		case "source":
			c.Source = d.strs(name, v)
		case "urgency":
			switch u := strings.ToLower(d.str(name, v)); u {
			case "":
			case string(incident.High), string(incident.Low):
				c.Urgency = incident.Urgency(u)
			default:
				d.errorf(d.line(v), "%s %q must be high or low", name, v.Value)
			}
		case "min_priority":
			s := d.str(name, v)
			if s == "" {
				return
			}
			n, ok := priorityNumber(s)
			if !ok {
				d.errorf(d.line(v), "%s %q is not a priority like P2", name, s)
				return
			}
			c.MinPriority = n
		}
	})
	return c
}

// priorityNumber reads "P2", "p2", "SEV-2" or "2" as 2.
func priorityNumber(s string) (int, bool) {
	m := priorityRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil && n > 0
}

func (d *fmDecoder) regex(name string, v *yaml.Node) *regexp.Regexp {
	s := d.str(name, v)
	if s == "" {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		d.errorf(d.line(v), "%s: invalid regex: %s", name, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil
	}
	return re
}

func (d *fmDecoder) links(v *yaml.Node) []Link {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		d.errorf(d.line(v), "links must be a map of name to URL, not %s", describe(v))
		return nil
	}
	var out []Link
	seen := make(map[string]int)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, u := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.errorf(d.line(k), "links: names must be plain text, not %s", describe(k))
			continue
		}
		if at, dup := seen[k.Value]; dup {
			d.errorf(d.line(k), "duplicate link %q (first at line %d)", k.Value, at)
			continue
		}
		seen[k.Value] = d.line(k)
		s := d.str("link "+strconv.Quote(k.Value), u)
		if !isWebURL(s) {
			d.errorf(d.line(u), "link %q: %q is not an http(s) URL", k.Value, s)
			continue
		}
		out = append(out, Link{Name: k.Value, URL: s})
	}
	return out
}

// isWebURL accepts absolute http and https URLs with a host.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (d *fmDecoder) date(key string, v *yaml.Node) time.Time {
	s := d.str(key, v)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t2, err2 := time.Parse(time.RFC3339, s); err2 == nil {
			y, m, dd := t2.UTC().Date()
			return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		}
		d.errorf(d.line(v), "%s %q is not a date (YYYY-MM-DD)", key, s)
		return time.Time{}
	}
	return t
}

func (d *fmDecoder) days(key string, v *yaml.Node) int {
	s := d.str(key, v)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 100*366 {
		d.errorf(d.line(v), "%s must be a whole number of days above 0, not %q", key, s)
		return 0
	}
	return n
}
