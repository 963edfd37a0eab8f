package runbook

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/frontmatter"
)

// The front-matter keys, in the order the documentation lists them.
var (
	topKeys   = []string{"id", "title", "owners", "services", "match", "impact", "links", "last_reviewed", "review_every_days", "post_output"}
	matchKeys = []string{"title", "summary", "component", "class", "source", "urgency", "min_priority"}
)

var (
	// idRE is the id shape pre-mortems share, matched without a regexp.
	idRE       frontmatter.IDShape
	priorityRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?i:p|sev-?)?([0-9]{1,2})$`)
	})
)

// fmDecoder turns the front matter's YAML nodes into a Runbook. It reads
// nodes rather than unmarshalling into a struct so that every problem can
// be reported at its own line, and so that unknown keys are errors.
type fmDecoder struct {
	*parser
	*frontmatter.Decoder
}

func (p *parser) frontMatter(rb *Runbook, fm string, firstLine int) {
	d := &fmDecoder{parser: p, Decoder: frontmatter.NewDecoder(fm, firstLine, p.errorf)}
	d.Suggest = true
	root, ok := d.Root(fm)
	if !ok {
		return
	}
	reported := make(map[string]bool) // keys with a diagnostic already
	d.Keys(root, topKeys, "", func(key string, k, v *yaml.Node) {
		rb.lines[key] = d.Line(k)
		before := len(d.diags)
		defer func() { reported[key] = len(d.diags) > before }()
		switch key {
		case "id":
			rb.ID = d.Str(key, v)
			if rb.ID != "" && !idRE.MatchString(rb.ID) {
				d.errorf(d.Line(v), "id %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", rb.ID)
			}
		case "title":
			rb.Title = d.Str(key, v)
		case "owners":
			rb.Owners = d.Strs(key, v)
		case "services":
			rb.Services = d.Strs(key, v)
		case "match":
			rb.Match = d.criteria(v)
		case "impact":
			rb.Impact = d.Str(key, v)
		case "links":
			rb.Links = d.links(v)
		case "last_reviewed":
			rb.LastReviewed = d.date(key, v)
		case "review_every_days":
			rb.ReviewEveryDays = d.days(key, v)
		case "post_output":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
				d.errorf(d.Line(v), "post_output must be true or false")
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

func (d *fmDecoder) criteria(v *yaml.Node) Criteria {
	var c Criteria
	if frontmatter.IsNull(v) {
		return c
	}
	if v.Kind != yaml.MappingNode {
		d.errorf(d.Line(v), "match must be a map (title, summary, component, ...), not %s", frontmatter.Describe(v))
		return c
	}
	d.Keys(v, matchKeys, "match.", func(key string, _, v *yaml.Node) {
		name := "match." + key
		switch key {
		case "title":
			c.Title = d.regex(name, v)
		case "summary":
			c.Summary = d.regex(name, v)
		case "component":
			c.Component = d.Strs(name, v)
		case "class":
			c.Class = d.Strs(name, v)
		case "source":
			c.Source = d.Strs(name, v)
		case "urgency":
			switch u := strings.ToLower(d.Str(name, v)); u {
			case "":
			case string(incident.High), string(incident.Low):
				c.Urgency = incident.Urgency(u)
			default:
				d.errorf(d.Line(v), "%s %q must be high or low", name, v.Value)
			}
		case "min_priority":
			s := d.Str(name, v)
			if s == "" {
				return
			}
			n, ok := priorityNumber(s)
			if !ok {
				d.errorf(d.Line(v), "%s %q is not a priority like P2", name, s)
				return
			}
			c.MinPriority = n
		}
	})
	return c
}

// priorityNumber reads "P2", "p2", "SEV-2" or "2" as 2.
func priorityNumber(s string) (int, bool) {
	m := priorityRE().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil && n > 0
}

func (d *fmDecoder) regex(name string, v *yaml.Node) *regexp.Regexp {
	s := d.Str(name, v)
	if s == "" {
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		d.errorf(d.Line(v), "%s: invalid regex: %s", name, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil
	}
	return re
}

func (d *fmDecoder) links(v *yaml.Node) []Link {
	if frontmatter.IsNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		d.errorf(d.Line(v), "links must be a map of name to URL, not %s", frontmatter.Describe(v))
		return nil
	}
	var out []Link
	seen := make(map[string]int)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, u := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			d.errorf(d.Line(k), "links: names must be plain text, not %s", frontmatter.Describe(k))
			continue
		}
		if at, dup := seen[k.Value]; dup {
			d.errorf(d.Line(k), "duplicate link %q (first at line %d)", k.Value, at)
			continue
		}
		seen[k.Value] = d.Line(k)
		s := d.Str("link "+strconv.Quote(k.Value), u)
		if !isWebURL(s) {
			d.errorf(d.Line(u), "link %q: %q is not an http(s) URL", k.Value, s)
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
	s := d.Str(key, v)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t2, err2 := time.Parse(time.RFC3339, s); err2 == nil {
			y, m, dd := t2.UTC().Date()
			return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		}
		d.errorf(d.Line(v), "%s %q is not a date (YYYY-MM-DD)", key, s)
		return time.Time{}
	}
	return t
}

func (d *fmDecoder) days(key string, v *yaml.Node) int {
	s := d.Str(key, v)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 100*366 {
		d.errorf(d.Line(v), "%s must be a whole number of days above 0, not %q", key, s)
		return 0
	}
	return n
}
