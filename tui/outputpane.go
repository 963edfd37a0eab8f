package tui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook/run"
)

// outputPaneLines bounds the lines the output pane keeps: the tail of a
// long output, enough to read back a screen or two; the output file beside
// the journal has all of it.
const outputPaneLines = 2000

// outputPane shows one runbook command's output while it runs and after it
// ended: a status line (running, or how it ended), the command, the output
// (following the end unless scrolled back), and key hints. Lines arrive
// already masked and sanitised by the runner; the pane never sees raw
// output.
type outputPane struct {
	stream  int // the run this pane shows; messages of other runs drop
	label   string
	command string
	mode    string
	lines   []string
	dropped int // lines no longer kept (the output file has them)
	done    bool
	end     commandDoneMsg
	// back is how many lines the view is scrolled up from the end; 0
	// follows new output.
	back int

	st            *Styles
	keys          *KeyMap
	width, height int
}

// newOutputPane is the pane for run stream, before any output.
func newOutputPane(st *Styles, keys *KeyMap, stream int, label, command, mode string) outputPane {
	return outputPane{stream: stream, label: incident.Clean(label), command: command, mode: mode, st: st, keys: keys}
}

// commandOutputMsg carries lines a run printed since the last one.
type commandOutputMsg struct {
	stream int
	lines  []string
	// dropped counts lines the stream could not hold while the pane was
	// not reading (they are in the output file).
	dropped int
}

// commandDoneMsg says how a run ended.
type commandDoneMsg struct {
	stream  int
	outcome run.Outcome
	err     error
}

// cancelCommandMsg asks the root to cancel a run (it holds the stream).
type cancelCommandMsg struct{ stream int }

// SetSize sets the cells the pane draws in.
func (p outputPane) SetSize(w, h int) outputPane {
	p.width, p.height = w, h
	return p
}

// Running reports whether the command has not ended yet.
func (p outputPane) Running() bool { return !p.done }

// KeyHelp lists the keys that act in the pane now.
func (p outputPane) KeyHelp() []key.Binding {
	k := p.keys
	bs := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	if p.done {
		return enabled(bs...) // closing the pane is its parent's key
	}
	return enabled(append(bs, k.Cancel)...)
}

// Update takes the run's output and end in, and scrolls; the cancel key
// asks for the run to be cancelled while it runs.
func (p outputPane) Update(msg tea.Msg) (outputPane, tea.Cmd) {
	switch msg := msg.(type) {
	case commandOutputMsg:
		if msg.stream != p.stream || p.done {
			return p, nil
		}
		p.lines = append(p.lines, msg.lines...)
		p.dropped += msg.dropped
		if n := len(p.lines) - outputPaneLines; n > 0 {
			p.lines = append(p.lines[:0:0], p.lines[n:]...)
			p.dropped += n
		}
		if p.back > 0 {
			p.back += len(msg.lines) // keep the same lines on screen
		}
		p.clamp()
	case commandDoneMsg:
		if msg.stream == p.stream {
			p.done, p.end = true, msg
		}
	case tea.KeyPressMsg:
		k := p.keys
		switch {
		case key.Matches(msg, k.Up):
			p.back++
		case key.Matches(msg, k.Down):
			p.back--
		case key.Matches(msg, k.PageUp):
			p.back += p.outputRows()
		case key.Matches(msg, k.PageDown):
			p.back -= p.outputRows()
		case key.Matches(msg, k.Bottom):
			p.back = 0
		case key.Matches(msg, k.Top):
			p.back = len(p.lines)
		case !p.done && key.Matches(msg, k.Cancel):
			stream := p.stream
			return p, func() tea.Msg { return cancelCommandMsg{stream: stream} }
		}
		p.clamp()
	}
	return p, nil
}

func (p *outputPane) clamp() {
	p.back = max(0, min(p.back, len(p.lines)-p.outputRows()))
}

// outputRows is how many output lines fit: the size less the status,
// command and hint lines.
func (p outputPane) outputRows() int { return max(p.height-3, 0) }

// View draws the pane.
func (p outputPane) View() string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	st := p.st
	out := make([]string, 0, p.height)
	out = append(out, p.statusLine())
	if p.height > 1 {
		out = append(out, st.Faint.Render(fit("$ "+incident.Clean(firstLineOf(p.command)), p.width)))
	}
	rows := p.outputRows()
	end := len(p.lines) - p.back
	start := max(end-rows, 0)
	shown := p.lines[start:end]
	if len(shown) == 0 && rows > 0 {
		if p.done {
			shown = []string{st.Faint.Render("(no output)")}
		} else {
			shown = []string{st.Faint.Render("waiting for output…")}
		}
	}
	for _, l := range shown {
		out = append(out, fit(l, p.width))
	}
	for len(out) < p.height-1 {
		out = append(out, "")
	}
	if p.height > 2 {
		out = append(out, p.hints())
	}
	return strings.Join(out[:min(len(out), p.height)], "\n")
}

// statusLine says what the command is doing or how it ended, and where
// the full output is.
func (p outputPane) statusLine() string {
	st := p.st
	name := p.label
	if p.mode != "" {
		name += " (" + p.mode + ")"
	}
	if !p.done {
		return fit(st.Info.Render("● running ")+name, p.width)
	}
	if p.end.err != nil && p.end.outcome.Result.ID == "" {
		return fit(st.Error.Render("✗ not run: ")+incident.Clean(p.end.err.Error()), p.width)
	}
	r := p.end.outcome.Run
	var s string
	switch r.Status {
	case incident.RunOK:
		s = st.Resolved.Render("✓ ok")
	case incident.RunFailed:
		s = st.Error.Render(fmt.Sprintf("✗ failed, exit %d", r.ExitCode))
	case incident.RunTimeout:
		s = st.Error.Render("✗ timed out")
	case incident.RunCancelled:
		s = st.Acked.Render("■ cancelled")
	default:
		s = st.Error.Render("✗ " + r.Status)
	}
	s += " " + name + " after " + r.Duration.Round(10*time.Millisecond).String()
	if f := p.end.outcome.Result.Fields[incident.FieldOutputFile]; f != "" {
		s += st.Faint.Render(" · full output: " + incident.Clean(f))
	}
	if p.end.err != nil {
		s += st.Error.Render(" · " + incident.Clean(p.end.err.Error()))
	}
	return fit(s, p.width)
}

// hints is the bottom line: where the view is, and the keys.
func (p outputPane) hints() string {
	var parts []string
	if p.dropped > 0 {
		parts = append(parts, fmt.Sprintf("%d earlier lines in the output file", p.dropped))
	}
	if p.back > 0 {
		parts = append(parts, fmt.Sprintf("%d lines below", p.back))
	}
	for _, b := range p.KeyHelp() {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return p.st.Faint.Render(fit(strings.Join(parts, " · "), p.width))
}

func firstLineOf(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	if strings.TrimSpace(rest) != "" {
		return first + " …"
	}
	return first
}

// commandStream carries one run's output from the runner's goroutine to
// the pane without ever blocking the runner: lines wait in a bounded
// buffer (the oldest dropped, and counted, when the pane falls behind),
// and a waiting tea.Cmd takes them all at once.
type commandStream struct {
	id     int
	cancel context.CancelFunc

	mu      sync.Mutex
	pending []string
	dropped int
	wake    chan struct{} // cap 1: "there is something to take"
	done    chan commandDoneMsg
}

// streamBuffer bounds the lines waiting for the pane.
const streamBuffer = 4096

// startCommand starts job in its own goroutine, journaling to j, and
// returns the stream and the first command to wait on it. Each message the
// pane gets from waitCommand must be followed by waitCommand again until
// the commandDoneMsg.
func startCommand(ctx context.Context, id int, job run.Job, j run.Journal) (*commandStream, tea.Cmd) {
	ctx, cancel := context.WithCancel(ctx)
	s := &commandStream{id: id, cancel: cancel, wake: make(chan struct{}, 1), done: make(chan commandDoneMsg, 1)}
	job.Spec.OnLine = s.add
	go func() {
		out, err := job.Run(ctx, j)
		cancel()
		s.done <- commandDoneMsg{stream: id, outcome: out, err: err}
	}()
	return s, s.wait()
}

func (s *commandStream) add(line string) {
	s.mu.Lock()
	s.pending = append(s.pending, line)
	if n := len(s.pending) - streamBuffer; n > 0 {
		s.pending = append(s.pending[:0:0], s.pending[n:]...)
		s.dropped += n
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *commandStream) take() commandOutputMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := commandOutputMsg{stream: s.id, lines: s.pending, dropped: s.dropped}
	s.pending, s.dropped = nil, 0
	return msg
}

// wait is the command that delivers the next output, or the end once all
// output has been delivered.
func (s *commandStream) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-s.wake:
			return s.take()
		case d := <-s.done:
			// The runner is finished: deliver what is left first.
			if msg := s.take(); len(msg.lines) > 0 || msg.dropped > 0 {
				s.done <- d
				return msg
			}
			return d
		}
	}
}

// Cancel stops the run: SIGINT to its group, SIGKILL after the grace.
func (s *commandStream) Cancel() { s.cancel() }
