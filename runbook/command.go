package runbook

import (
	"strconv"
	"strings"
	"time"

	"github.com/oncallkit/oncall/internal/frontmatter"
)

// A command block says how oncall may run it in its info string, after
// the language:
//
//	```sh oncall:read timeout=30s name=check-acquirer
//
// oncall:read marks a diagnostic that changes nothing, oncall:write one
// that changes something. A block without a mode counts as write: the
// cautious reading, since running it asks for a typed confirmation. The
// attributes after the mode are optional: timeout (a Go duration, at most
// MaxTimeout) and name (letters, digits, '.', '_', '-'; unique in the
// runbook). Words of the info string before the mode belong to other tools
// and are left alone; words after it are oncall's, so an unknown one is an
// error rather than a silently ignored typo.

const modePrefix = "oncall:"

// nameRE is the shape of a step's name=: an id, as a runbook's own.
var nameRE frontmatter.IDShape

// commandInfo reads the mode and attributes of a command block's info
// string into s, reporting problems on the fence's line.
func (p *parser) commandInfo(s *Step, info string) {
	words := strings.Fields(info)
	at := -1
	for i, w := range words {
		if strings.HasPrefix(strings.ToLower(w), modePrefix) {
			at = i
			break
		}
	}
	if at < 0 {
		return
	}
	switch mode := words[at][len(modePrefix):]; mode {
	case ModeRead, ModeWrite:
		s.Mode, s.Marked = mode, true
	default:
		p.errorf(s.Line, "unknown command mode %q: use oncall:read (changes nothing) or oncall:write", words[at])
		return
	}
	for _, w := range words[at+1:] {
		key, value, ok := strings.Cut(w, "=")
		switch {
		case !ok:
			p.errorf(s.Line, "%q after %s: attributes are key=value (timeout=30s, name=check-db)", w, words[at])
		case key == "timeout":
			d, err := time.ParseDuration(value)
			switch {
			case err != nil:
				p.errorf(s.Line, "timeout %q is not a duration (for example 30s or 5m)", value)
			case d < time.Second || d > MaxTimeout:
				p.errorf(s.Line, "timeout %s is outside 1s to %s", d, MaxTimeout)
			default:
				s.Timeout = d
			}
		case key == "name":
			if !nameRE.MatchString(value) {
				p.errorf(s.Line, "name %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", value)
				break
			}
			s.Name = value
		default:
			p.errorf(s.Line, "unknown command attribute %q: timeout= or name=", key)
		}
	}
}

// uniqueNames refuses two commands of one name: a name picks one step.
func (p *parser) uniqueNames(steps []Step) {
	first := make(map[string]int)
	for _, s := range steps {
		if s.Name == "" {
			continue
		}
		if line, dup := first[s.Name]; dup {
			p.errorf(s.Line, "command name %q is already used on line %d", s.Name, line)
			continue
		}
		first[s.Name] = s.Line
	}
}

// lintCommands warns about commands that would run with more confirmation
// than they need, or none of the safety they could have.
func (r *Runbook) lintCommands(warn func(line int, format string, args ...any)) {
	for _, s := range r.Steps {
		if s.Kind != Command || s.Marked || !s.Runnable() {
			continue
		}
		if strings.Contains(strings.ToLower(s.Section), "diagnos") {
			warn(s.Line, "command in %q has no oncall: mode and counts as write; mark it ```%s oncall:read if it changes nothing", s.Section, or2(s.Lang, "sh"))
		}
	}
}

func or2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Command finds a runnable command step by what a person typed: its
// name= attribute, its key, the key's hexadecimal part, or its number
// (1-based) among the runbook's runnable commands.
func (r *Runbook) Command(which string) (Step, bool) {
	which = strings.TrimSpace(which)
	if which == "" {
		return Step{}, false
	}
	n := 0
	for _, s := range r.Steps {
		if !s.Runnable() {
			continue
		}
		n++
		if s.Name == which || s.Key == which || strings.TrimPrefix(s.Key, r.ID+"/") == which || strconv.Itoa(n) == which {
			return s, true
		}
	}
	return Step{}, false
}
