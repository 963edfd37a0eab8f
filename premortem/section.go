package premortem

import (
	"strings"

	"github.com/oncallkit/oncall/incident"

	"github.com/oncallkit/oncall/incident/postmortem"
)

// Section is the draft as a section of the postmortem (its hook for parts
// of the program it does not know): the Markdown and HTML bodies without
// the heading, and the JSON object under the key "premortem". Every
// draft carries it, foreseen or not, so that a postmortem always asks
// whether a workshop saw the failure coming.
func (d Draft) Section() postmortem.Section {
	return postmortem.Section{
		Title:    Title,
		Markdown: d.markdownBody(),
		HTML:     strings.TrimPrefix(d.htmlBody(), "\n"),
		Key:      "premortem",
		Value:    d,
	}
}

// Sections are the sections every postmortem draft adds through the
// hook: the commands run from runbooks during the incident, when any
// were, and what a pre-mortem foresaw (set may be nil: then nothing was
// foreseen, and the section offers a stub). The matching reads in.Alerts,
// so call it after postmortem.Gather; loc is the team's zone for the
// calendar windows, as elsewhere.
func Sections(set *Set, in postmortem.Input) []postmortem.Section {
	var out []postmortem.Section
	if s, ok := postmortem.CommandsRun(in.Timeline); ok {
		out = append(out, s)
	}
	loc := in.Location
	matches := set.Match(in.Incident, in.Alerts, loc)
	// Ticks are taken from the whole timeline: this journal's, and those
	// other responders' journals mirrored through PagerDuty.
	return append(out, NewDraft(in.Incident, matches, []incident.Event(in.Timeline), loc, in.Now).Section())
}
