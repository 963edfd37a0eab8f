package premortem

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/oncallkit/oncall/internal/frontmatter"
	"github.com/oncallkit/oncall/runbook"
)

// The front-matter keys, in the order the documentation lists them.
var (
	topKeys            = []string{"id", "title", "held_on", "participants", "review_every_days", "failures"}
	failureKeys        = []string{"id", "service", "failure", "period", "days_of_month", "impact", "likelihood", "warning_signs", "match", "countermeasures"}
	countermeasureKeys = []string{"phase", "action", "status", "owner", "cost", "runbook", "remind_at"}
)

var (
	// idRE is the id shape runbooks share, matched without a regexp.
	idRE frontmatter.IDShape
	// daysRE reads days_of_month; compiled on first use, not at init.
	daysRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*([0-9]{1,2})\s*(?:-\s*([0-9]{1,2})\s*)?$`)
	})
)

// Parse parses one pre-mortem file. name is used in diagnostics and as
// the Premortem's File. The Premortem is nil when the diagnostics contain
// an Error. Checks that need other files (duplicate failure ids, runbook
// ids) and the clock (overdue reviews and reminders) belong to Load and
// Lint.
func Parse(name string, data []byte) (*Premortem, []Diagnostic) {
	p := &parser{file: name}
	if len(data) > MaxSize {
		p.errorf(1, "file is %d bytes; a pre-mortem may be at most %d bytes", len(data), MaxSize)
		return nil, p.diags
	}
	text := frontmatter.Normalize(data)
	p.checkText(text)

	pm := &Premortem{File: name, lines: make(map[string]int)}
	fm, fmLine, body, bodyLine, ok := frontmatter.Split(text)
	switch {
	case !ok && fmLine > 0:
		p.errorf(1, "front matter has no closing \"---\" line")
		return nil, p.diags
	case !ok:
		p.errorf(1, "no front matter: a pre-mortem starts with a \"---\" line, then YAML keys (id, title, failures, ...), then another \"---\" line")
		return nil, p.diags
	}
	pm.Body, pm.BodyLine = body, bodyLine
	p.frontMatter(pm, fm, fmLine)
	if HasErrors(p.diags) {
		return nil, p.diags
	}
	return pm, p.diags
}

type parser struct {
	*frontmatter.Decoder // set by frontMatter
	file                 string
	diags                []Diagnostic
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{File: p.file, Line: line, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(line int, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{File: p.file, Line: line, Severity: Warning, Message: fmt.Sprintf(format, args...)})
}

// checkText reports the first line with bytes that do not belong in text a
// responder reads: invalid UTF-8, control characters other than tab, and
// bidirectional overrides. A line with invalid UTF-8 is reported as such
// whatever comes first on it.
func (p *parser) checkText(text string) {
	first, count := frontmatter.CheckText(text)
	if count == 0 {
		return
	}
	if l := strings.Split(text, "\n")[first.Line-1]; !utf8.ValidString(l) {
		p.errorf(first.Line, "invalid UTF-8; a pre-mortem must be plain text")
		return
	}
	p.errorf(first.Line, "control character %U; a pre-mortem must be plain text", first.Rune)
}

func (p *parser) frontMatter(pm *Premortem, fm string, firstLine int) {
	p.Decoder = frontmatter.NewDecoder(fm, firstLine, p.errorf)
	p.Describe = describe
	root, ok := p.Root(fm)
	if !ok {
		return
	}
	p.keys(root, topKeys, "", func(key string, k, v *yaml.Node) {
		pm.lines[key] = p.Line(k)
		switch key {
		case "id":
			pm.ID = p.id(key, v)
		case "title":
			pm.Title = p.Str(key, v)
		case "held_on":
			pm.HeldOn = p.date(key, v)
		case "participants":
			pm.Participants = p.Strs(key, v)
		case "review_every_days":
			pm.ReviewEveryDays = p.rating(key, v, 1, 100*366)
		case "failures":
			pm.Failures = p.failures(pm, v)
		}
	})
	start := max(firstLine-1, 1)
	p.required(root, "", []string{"id", "title"}, func(key string) bool {
		return key == "id" && pm.ID == "" || key == "title" && pm.Title == ""
	})
	for i, d := range p.diags {
		if d.Message == "missing id" || d.Message == "missing title" {
			p.diags[i].Line = start // the opening "---": the file has no such key
		}
	}
	if pm.lines["failures"] == 0 {
		p.warnf(start, "no failures: list the failures the workshop assumed under failures:")
	}
}

func (p *parser) failures(pm *Premortem, v *yaml.Node) []*Failure {
	if frontmatter.IsNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(p.Line(v), "failures must be a list, not %s", describe(v))
		return nil
	}
	var out []*Failure
	seen := make(map[string]int)
	for i, e := range v.Content {
		prefix := fmt.Sprintf("failures[%d].", i)
		if e.Kind != yaml.MappingNode {
			p.errorf(p.Line(e), "%s: each failure must be keys and values (id: ..., service: ...), not %s", strings.TrimSuffix(prefix, "."), describe(e))
			continue
		}
		f := &Failure{Premortem: pm, Line: p.Line(e)}
		var matchKey, matchVal *yaml.Node
		before := len(p.diags)
		p.keys(e, failureKeys, prefix, func(key string, k, v *yaml.Node) {
			name := prefix + key
			switch key {
			case "id":
				f.ID, f.Line = p.id(name, v), p.Line(k)
			case "service":
				f.Service = p.Str(name, v)
			case "failure":
				f.Failure = p.Str(name, v)
			case "period":
				f.Period = p.Str(name, v)
			case "days_of_month":
				f.Days = p.days(name, v)
			case "impact":
				f.Impact = p.rating(name, v, 1, 5)
			case "likelihood":
				f.Likelihood = p.rating(name, v, 1, 5)
			case "warning_signs":
				f.WarningSigns = p.Strs(name, v)
			case "match":
				matchKey, matchVal = k, v
			case "countermeasures":
				f.Countermeasures = p.countermeasures(name, v)
			}
		})
		p.required(e, prefix, []string{"id", "service", "failure", "impact"}, func(key string) bool {
			switch key {
			case "id":
				return f.ID == ""
			case "service":
				return f.Service == ""
			case "failure":
				return f.Failure == ""
			default:
				return f.Impact == 0
			}
		})
		if f.ID != "" {
			if at, dup := seen[f.ID]; dup {
				p.errorf(f.Line, "duplicate failure id %q (first at line %d)", f.ID, at)
			} else {
				seen[f.ID] = f.Line
			}
		}
		if len(p.diags) > before && HasErrors(p.diags[before:]) {
			continue
		}
		f.rb = p.matchRules(f, matchKey, matchVal)
		if f.rb == nil {
			continue
		}
		keys := make(map[string]int)
		for i := range f.Countermeasures {
			f.Countermeasures[i].Key = countermeasureKey(f.ID, f.Countermeasures[i], keys)
		}
		out = append(out, f)
	}
	return out
}

// matchRules turns the failure's service and match into a runbook of the
// failure's id, parsed by package runbook, so that a failure matches by
// exactly a runbook's rules. The synthetic file puts each match key on its
// own line, so that the runbook parser's diagnostics map back to the lines
// of this file.
func (p *parser) matchRules(f *Failure, key, val *yaml.Node) *runbook.Runbook {
	var b strings.Builder
	lineOf := []int{0, f.Line, f.Line, f.Line, f.Line} // synthetic line -> file line
	fmt.Fprintf(&b, "---\nid: %s\ntitle: %s\nservices: [%s]\n", f.ID, f.ID, flow(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: f.Service}))
	if val != nil && !frontmatter.IsNull(val) {
		if bad := aliased(val); bad != nil {
			p.errorf(p.Line(bad), "match: anchors and aliases are not supported")
			return nil
		}
		if val.Kind == yaml.MappingNode {
			b.WriteString("match:\n")
			lineOf = append(lineOf, p.Line(key))
			for i := 0; i+1 < len(val.Content); i += 2 {
				fmt.Fprintf(&b, "  %s: %s\n", flow(val.Content[i]), flow(val.Content[i+1]))
				lineOf = append(lineOf, p.Line(val.Content[i+1]))
			}
		} else {
			fmt.Fprintf(&b, "match: %s\n", flow(val))
			lineOf = append(lineOf, p.Line(val))
		}
	}
	b.WriteString("---\n")
	rb, diags := runbook.Parse(p.file, []byte(b.String()))
	for _, d := range diags {
		if d.Line >= 0 && d.Line < len(lineOf) && lineOf[d.Line] > 0 {
			d.Line = lineOf[d.Line]
		} else {
			d.Line = f.Line
		}
		d.Message = "failure " + strconv.Quote(f.ID) + ": " + d.Message
		if d.Severity == Error {
			p.diags = append(p.diags, d)
		}
	}
	return rb
}

// flow writes a node on one line in YAML flow style, strings double-quoted.
func flow(n *yaml.Node) string {
	c := flowCopy(n)
	out, err := yaml.Marshal(c)
	if err != nil {
		return `""`
	}
	s := strings.TrimSpace(string(out))
	if strings.Contains(s, "\n") {
		// Never expected of flow style; keep the synthetic file's lines
		// aligned anyway by refusing the value as text.
		return strconv.Quote(strings.ReplaceAll(s, "\n", " "))
	}
	return s
}

func flowCopy(n *yaml.Node) *yaml.Node {
	c := &yaml.Node{Kind: n.Kind, Tag: n.Tag, Value: n.Value, Style: yaml.FlowStyle}
	if n.Kind == yaml.ScalarNode {
		c.Style = 0
		if n.Tag == "!!str" || n.Tag == "" {
			c.Tag, c.Style = "!!str", yaml.DoubleQuotedStyle
		}
	}
	for _, e := range n.Content {
		c.Content = append(c.Content, flowCopy(e))
	}
	return c
}

// aliased returns the first alias node within n.
func aliased(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return n
	}
	for _, e := range n.Content {
		if a := aliased(e); a != nil {
			return a
		}
	}
	return nil
}

func (p *parser) countermeasures(name string, v *yaml.Node) []Countermeasure {
	if frontmatter.IsNull(v) {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(p.Line(v), "%s must be a list, not %s", name, describe(v))
		return nil
	}
	var out []Countermeasure
	for i, e := range v.Content {
		prefix := fmt.Sprintf("%s[%d].", name, i)
		if e.Kind != yaml.MappingNode {
			p.errorf(p.Line(e), "%s: each countermeasure must be keys and values (phase: ..., action: ...), not %s", strings.TrimSuffix(prefix, "."), describe(e))
			continue
		}
		c := Countermeasure{Line: p.Line(e)}
		p.keys(e, countermeasureKeys, prefix, func(key string, k, v *yaml.Node) {
			name := prefix + key
			switch key {
			case "phase":
				c.Phase = Phase(p.oneOf(name, v, phaseNames()))
			case "action":
				c.Action = p.Str(name, v)
			case "status":
				c.Status = Status(p.oneOf(name, v, statusNames()))
			case "owner":
				c.Owner = p.Str(name, v)
			case "cost":
				c.Cost = p.oneOf(name, v, Costs)
			case "runbook":
				c.Runbook, c.runbookLine = p.id(name, v), p.Line(k)
			case "remind_at":
				c.RemindAt, c.remindLine = p.date(name, v), p.Line(k)
			}
		})
		p.required(e, prefix, []string{"phase", "action", "status"}, func(key string) bool {
			switch key {
			case "phase":
				return c.Phase == ""
			case "action":
				return c.Action == ""
			default:
				return c.Status == ""
			}
		})
		out = append(out, c)
	}
	return out
}

func phaseNames() []string {
	out := make([]string, len(Phases))
	for i, ph := range Phases {
		out[i] = string(ph)
	}
	return out
}

func statusNames() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}
