package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/mdterm"
	"github.com/oncallkit/oncall/runbook"
)

// runbookPane shows the runbooks matched to the open incident: the best
// match first, its steps selectable (tick a checklist item, copy or run a
// command), or the whole document rendered. Ticks and runs come from the
// journal, so they survive a restart. A command belongs to the checklist
// item before it (runbook.Step.Of): ticking or running it marks that
// item, and the item shows how its commands' last runs went.
type runbookPane struct {
	matches []runbook.Match
	cur     int  // index into matches
	chosen  bool // the user picked cur; otherwise the best match shows
	step    int  // selected step of the current runbook
	doc     bool
	// rendered is the current runbook's document for the current width,
	// produced off the UI path by renderRunbook.
	rendered    string
	renderedKey string
	scroll      int
	ticked      map[string]bool    // step keys journaled as done
	runs        map[string]stepRun // command step key -> its latest run
	liveRun     string             // the run id of the command running now
	liveStep    string             // and its step key
	reading     bool               // the runbooks are not read yet: no match is not yet "none"

	st            *Styles
	keys          *KeyMap
	width, height int
}

// SetSize sets the cells the pane draws in.
func (p runbookPane) SetSize(w, h int) runbookPane {
	p.width, p.height = w, h
	return p
}

// KeyHelp lists the keys that act in the pane.
func (p runbookPane) KeyHelp() []key.Binding {
	k := p.keys
	return enabled(k.Up, k.Down, k.Tick, k.CopyURL, k.Document, k.NextRunbook, k.PrevRunbook)
}

// Update moves within the pane and takes rendered documents in; keys it
// has no use for are the detail screen's. Ticking and copying are
// actions, journaled by the root.
func (p runbookPane) Update(msg tea.Msg) (runbookPane, tea.Cmd) {
	switch msg := msg.(type) {
	case renderedMsg:
		if rb, ok := p.current(); ok && msg.key == renderKey(rb, p.width, p.st.dark) {
			p.rendered, p.renderedKey = msg.out, msg.key
		}
	case tea.KeyPressMsg:
		k := p.keys
		switch {
		case key.Matches(msg, k.Up):
			p.Move(-1)
		case key.Matches(msg, k.Down):
			p.Move(1)
		case key.Matches(msg, k.NextRunbook, k.PrevRunbook):
			d := 1
			if key.Matches(msg, k.PrevRunbook) {
				d = -1
			}
			p.Cycle(d)
			return p, p.ensureRendered()
		case key.Matches(msg, k.Document):
			p.doc = !p.doc
			p.scroll = 0
			return p, p.ensureRendered()
		}
	}
	return p, nil
}

// ensureRendered asks for the current runbook's document when the pane
// shows documents and it is not yet rendered for this width and
// background.
func (p runbookPane) ensureRendered() tea.Cmd {
	rb, ok := p.current()
	if !p.doc || !ok || p.renderedKey == renderKey(rb, p.width, p.st.dark) {
		return nil
	}
	return renderRunbook(rb, p.width, p.st.dark)
}

// current is the selected runbook, if the selected match is one (a match
// can also be a link found in an alert).
func (p runbookPane) current() (*runbook.Runbook, bool) {
	if p.cur < 0 || p.cur >= len(p.matches) || p.matches[p.cur].Runbook == nil {
		return nil, false
	}
	return p.matches[p.cur].Runbook, true
}

// SetMatches replaces the matches. The best match shows unless the user
// picked another, which stays while it still matches.
func (p *runbookPane) SetMatches(ms []runbook.Match) {
	var keep string
	if rb, ok := p.current(); ok && p.chosen {
		keep = rb.ID
	}
	prev, _ := p.current()
	p.matches = ms
	p.cur = 0
	for i, m := range ms {
		if m.Runbook != nil && m.Runbook.ID == keep {
			p.cur = i
		}
	}
	if now, _ := p.current(); now != prev {
		p.step, p.scroll = 0, 0
	}
	p.clamp()
}

// stepRun is how a command's latest run went, as the pane shows it.
type stepRun struct {
	status string // an incident.Run* status, or runRunning
	exit   string
}

// runRunning is the state of a command running now.
const runRunning = "running"

// SetTicks reads which steps are done, and how each command's latest run
// went, from the journal's events. A run whose result never came is
// interrupted, unless it is the one running now (SetLive).
func (p *runbookPane) SetTicks(local []incident.Event) {
	p.ticked = map[string]bool{}
	p.runs = map[string]stepRun{}
	for _, e := range local {
		if e.Kind == incident.KindRunbookStep && e.Fields[incident.FieldAction] != incident.StepCopied {
			p.ticked[e.Fields[incident.FieldStepKey]] = true
		}
	}
	live := func(id string) bool { return id != "" && id == p.liveRun }
	for _, r := range incident.CommandRuns(local, live) {
		f := r.Intent.Fields
		var exit string
		if r.Result != nil {
			f, exit = r.Result.Fields, r.Result.Fields[incident.FieldExitCode]
		}
		status := r.Status
		if status == "" {
			status = runRunning
		}
		if k := f[incident.FieldStepKey]; k != "" {
			p.runs[k] = stepRun{status: status, exit: exit}
		}
	}
	if p.liveStep != "" {
		p.runs[p.liveStep] = stepRun{status: runRunning}
	}
}

// SetLive names the run in progress (runID "" when none runs) and its
// step, so it shows as running rather than interrupted.
func (p *runbookPane) SetLive(runID string, step runbook.Step) {
	p.liveRun, p.liveStep = runID, ""
	if runID != "" {
		p.liveStep = step.Key
		if p.runs == nil {
			p.runs = map[string]stepRun{}
		}
		p.runs[step.Key] = stepRun{status: runRunning}
	}
}

// ToTick is the step the tick key marks when s is selected: the checklist
// item a command belongs to, or the step itself.
func (p runbookPane) ToTick(rb *runbook.Runbook, s runbook.Step) runbook.Step {
	if s.Kind == runbook.Command && s.Of != "" {
		if item, ok := rb.StepByKey(s.Of); ok {
			return item
		}
	}
	return s
}

// done reports whether step s of rb is ticked: journaled as done, checked
// in the file, or (a journal written before ticks went to the item) one
// of its commands ticked.
func (p *runbookPane) done(rb *runbook.Runbook, s runbook.Step) bool {
	if p.ticked[s.Key] || s.Checked {
		return true
	}
	if s.Kind != runbook.Check {
		return false
	}
	for _, c := range rb.Steps {
		if c.Of == s.Key && p.ticked[c.Key] {
			return true
		}
	}
	return false
}

// itemRun is the state a checklist item shows for its commands' latest
// runs when it is not ticked: running first, then failed, interrupted and
// cancelled; zero when none of them ran or all went well.
func (p *runbookPane) itemRun(rb *runbook.Runbook, item runbook.Step) stepRun {
	rank := map[string]int{runRunning: 5, incident.RunFailed: 4, incident.RunTimeout: 4, incident.RunInterrupted: 3, incident.RunCancelled: 2}
	var worst stepRun
	for _, c := range rb.Steps {
		if c.Of != item.Key {
			continue
		}
		if r := p.runs[c.Key]; rank[r.status] > rank[worst.status] {
			worst = r
		}
	}
	return worst
}

// runWords say how a run went, for a step's line.
func runWords(r stepRun) string {
	switch r.status {
	case runRunning:
		return "running…"
	case incident.RunFailed:
		return "failed, exit " + r.exit
	case incident.RunTimeout:
		return "timed out"
	case incident.RunInterrupted:
		return "interrupted: no result was journaled"
	case incident.RunCancelled:
		return "cancelled"
	}
	return ""
}

// runBox is a command's mark for its latest run.
func runBox(r stepRun) string {
	switch r.status {
	case incident.RunOK:
		return "$✓ "
	case runRunning:
		return "$… "
	case incident.RunFailed, incident.RunTimeout:
		return "$✗ "
	case incident.RunInterrupted:
		return "$? "
	case incident.RunCancelled:
		return "$- "
	}
	return " $ "
}

// Cycle moves to the next (or previous) match.
func (p *runbookPane) Cycle(d int) {
	if len(p.matches) == 0 {
		return
	}
	p.cur = (p.cur + d + len(p.matches)) % len(p.matches)
	p.step, p.scroll = 0, 0
	p.chosen = true
}

func (p *runbookPane) Move(d int) {
	if p.doc {
		p.scroll = max(p.scroll+d, 0)
		return
	}
	p.step += d
	p.clamp()
}

func (p *runbookPane) clamp() {
	rb, ok := p.current()
	if !ok {
		p.step = 0
		return
	}
	p.step = min(max(p.step, 0), max(len(rb.Steps)-1, 0))
}

// Selected is the selected step.
func (p runbookPane) Selected() (*runbook.Runbook, runbook.Step, bool) {
	rb, ok := p.current()
	if !ok || p.doc || p.step >= len(rb.Steps) {
		return nil, runbook.Step{}, false
	}
	return rb, rb.Steps[p.step], true
}

// renderedMsg carries a runbook document rendered for a width.
type renderedMsg struct {
	key string
	out string
}

func renderKey(rb *runbook.Runbook, width int, dark bool) string {
	return fmt.Sprintf("%s/%d/%v", rb.ID, width, dark)
}

// renderRunbook renders the runbook's Markdown for the pane's width and
// background (mdterm keeps every line to the width and strips controls
// from the text); it is pure computation but not free on a long runbook,
// so it runs as a command rather than inside Update or View.
func renderRunbook(rb *runbook.Runbook, width int, dark bool) tea.Cmd {
	key := renderKey(rb, width, dark)
	body := rb.Body
	return func() tea.Msg {
		out := mdterm.Render(body, width, dark)
		if out == "" {
			// The pane reads an empty rendering as one still to come.
			out = "The runbook has no text after its front matter."
		}
		return renderedMsg{key: key, out: out}
	}
}

// View draws the pane in its size.
func (p runbookPane) View() string {
	st, k, width, height := p.st, p.keys, p.width, p.height
	var out []string
	if len(p.matches) == 0 && p.reading {
		return strings.Join([]string{st.Header.Render(fit("Runbook", width)), st.Faint.Render(fit("Reading runbooks…", width))}, "\n")
	}
	if len(p.matches) == 0 {
		return strings.Join([]string{
			st.Header.Render(fit("Runbook", width)),
			st.Faint.Render(fit("No runbook matches this incident. Runbooks written before the failure save minutes during it:", width)),
			st.Faint.Render(fit("add one to the runbooks directory.", width)),
		}, "\n")
	}
	m := p.matches[p.cur]
	title := m.Title()
	head := fmt.Sprintf("Runbook %d/%d: %s", p.cur+1, len(p.matches), incident.Clean(title))
	if len(p.matches) > 1 {
		head += "  (" + k.PrevRunbook.Help().Key + " " + k.NextRunbook.Help().Key + " other matches)"
	}
	out = append(out, st.Header.Render(fit(head, width)))
	why := "matched on " + incident.Clean(strings.Join(m.Why, ", "))
	if m.Runbook == nil {
		why = "linked from an alert: " + incident.Clean(m.URL)
	}
	out = append(out, st.Faint.Render(fit(why, width)))
	if p.reading {
		out = append(out, st.Faint.Render(fit("Reading runbooks… more may match.", width)))
	}
	rb, ok := p.current()
	if !ok {
		out = append(out, fit("Open it in a browser; "+k.CopyURL.Help().Key+" copies the link.", width))
		return strings.Join(out, "\n")
	}
	if rb.Impact != "" {
		out = append(out, fit("Expected impact: "+incident.Clean(rb.Impact), width))
	}
	rows := max(height-len(out)-1, 1)
	if p.doc {
		out = append(out, st.Faint.Render(fit("document · "+hint(k.Document, "for steps")+" · "+k.Down.Help().Key+" "+k.Up.Help().Key+" scroll", width)))
		lines := strings.Split(p.rendered, "\n")
		if p.rendered == "" {
			lines = []string{"rendering…"}
		}
		start := min(p.scroll, max(len(lines)-rows, 0))
		for _, l := range lines[start:min(start+rows, len(lines))] {
			out = append(out, fit(l, width))
		}
		return strings.Join(out, "\n")
	}
	out = append(out, st.Faint.Render(fit("steps · "+hint(k.Tick, "ticks")+" · "+hint(k.Run, "runs a command")+" · "+hint(k.CopyURL, "copies it")+" · "+hint(k.Document, "shows the document"), width)))
	lines, selLine := p.stepLines(rb, st, width)
	start := 0
	if selLine >= rows {
		start = selLine - rows + 1
	}
	out = append(out, lines[start:min(start+rows, len(lines))]...)
	return strings.Join(out, "\n")
}

// stepLines lays the steps out under their section titles, and says which
// line the selected step starts on.
func (p *runbookPane) stepLines(rb *runbook.Runbook, st *Styles, width int) ([]string, int) {
	var lines []string
	sel := 0
	section := "\x00"
	for i, s := range rb.Steps {
		if s.Section != section {
			section = s.Section
			if section != "" {
				lines = append(lines, st.Title.Render(fit(incident.Clean(section), width)))
			}
		}
		box, done := "[ ]", p.done(rb, s)
		var run stepRun
		var text []string
		if s.Kind == runbook.Command {
			run = p.runs[s.Key]
			box = runBox(run)
			if box == " $ " && p.ticked[s.Key] {
				box = "$✓ "
			}
			for _, l := range strings.Split(s.Text, "\n") {
				text = append(text, incident.Clean(l))
			}
		} else {
			item := incident.Clean(s.Text)
			if !done {
				run = p.itemRun(rb, s)
			}
			switch run.status {
			case runRunning:
				box = "[…]"
			case incident.RunFailed, incident.RunTimeout:
				box = "[✗]"
			case incident.RunInterrupted:
				box = "[?]"
			}
			if w := runWords(run); w != "" {
				item += " (" + w + ")"
			}
			if done {
				box = "[x]"
			}
			text = wrap(item, max(width-6, 10))
		}
		if i == p.step {
			sel = len(lines)
		}
		for j, t := range text {
			prefix := "      "
			if j == 0 {
				prefix = "  " + box + " "
			}
			line := fit(prefix+t, width)
			switch {
			case i == p.step:
				line = st.Selected.Render(line)
			case run.status == incident.RunFailed || run.status == incident.RunTimeout:
				line = st.Error.Render(line)
			case run.status == incident.RunInterrupted:
				line = st.Acked.Render(line)
			case s.Kind == runbook.Command:
				line = st.Info.Render(line)
			case done:
				line = st.Faint.Render(line)
			}
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		lines = append(lines, st.Faint.Render(fit("This runbook has no steps; "+p.keys.Document.Help().Key+" shows the document.", width)))
	}
	return lines, sel
}
