package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbook/run"
	"github.com/oncallkit/oncall/store"
)

const outputRunbook = "---\nid: acq\ntitle: A\n---\n## Diagnosis\n" +
	"```sh oncall:read name=probe\nprintf 'line one\\nline two\\n'; printf 'token %s\\n' \"$PANE_TOKEN\"; exit 3\n```\n" +
	"```sh oncall:read name=wait\necho ready; sleep 300\n```\n" +
	"```sh oncall:read name=slow timeout=1s\nsleep 300 & echo \"$!\"; wait\n```\n" +
	"```sh oncall:write name=restart\necho restart \"$PANE_TOKEN\"\n```\n"

// paneRun runs the named command of outputRunbook through the pane, as the
// program would: the stream's messages go to Update until the end, and
// react (when set) sees the pane after each message and may send keys.
func paneRun(t *testing.T, name string, react func(p outputPane) tea.Msg) (outputPane, *store.Store) {
	t.Helper()
	st, keys := DefaultStyles(true), DefaultKeyMap()
	rb, diags := runbook.Parse("acq.md", []byte(outputRunbook))
	if rb == nil {
		t.Fatal(diags)
	}
	step, _ := rb.Command(name)
	dir := t.TempDir()
	j, err := store.Open(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	env := append(os.Environ(), "PANE_TOKEN=tok-pane-424242")
	r, err := redact.New(redact.Config{Environ: env})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // catches a hang only
	defer cancel()
	job := run.Job{IncidentID: "PINC", Runbook: rb, Step: step, Host: "laptop", OutputDir: filepath.Join(dir, "output"),
		Spec: run.Spec{Env: env, Redactor: r, Grace: 200 * time.Millisecond}}
	stream, cmd := startCommand(ctx, 7, job, j)
	p := newOutputPane(&st, &keys, 7, step.Label(), step.Text, step.Mode).SetSize(80, 12)
	for p.Running() {
		msg := cmd()
		if ctx.Err() != nil {
			t.Fatal("the run never ended")
		}
		p, _ = p.Update(msg)
		if react != nil {
			if key := react(p); key != nil {
				var c tea.Cmd
				if p, c = p.Update(key); c != nil {
					if cm, ok := c().(cancelCommandMsg); ok && cm.stream == 7 {
						stream.Cancel()
					}
				}
			}
		}
		cmd = stream.wait()
	}
	return p, j
}

func TestOutputPaneRealCommand(t *testing.T) {
	p, j := paneRun(t, "probe", nil)
	view := ansi.Strip(p.View())
	for _, want := range []string{"✗ failed, exit 3 probe (read) after", "$ printf 'line one", "line one", "line two", "token [redacted]", "full output: "} {
		if !strings.Contains(view, want) {
			t.Errorf("pane lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "tok-pane-424242") {
		t.Errorf("the pane shows the token:\n%s", view)
	}
	events, err := j.Events("PINC")
	if err != nil {
		t.Fatal(err)
	}
	if runs := incident.CommandRuns(events, nil); len(runs) != 1 || runs[0].Status != incident.RunFailed || runs[0].Result.Fields[incident.FieldExitCode] != "3" {
		t.Errorf("journal %+v", events)
	}
}

func TestOutputPaneCancel(t *testing.T) {
	pressed := false
	p, _ := paneRun(t, "wait", func(p outputPane) tea.Msg {
		if !pressed && strings.Contains(ansi.Strip(p.View()), "ready") {
			pressed = true
			return keyPress("esc") // the Cancel binding
		}
		return nil
	})
	if !pressed || p.end.outcome.Run.Status != incident.RunCancelled || !strings.Contains(ansi.Strip(p.View()), "■ cancelled wait (read)") {
		t.Errorf("pressed %v, status %q:\n%s", pressed, p.end.outcome.Run.Status, ansi.Strip(p.View()))
	}
}

func TestOutputPaneTimeoutKillsChild(t *testing.T) {
	p, _ := paneRun(t, "slow", nil)
	if p.end.outcome.Run.Status != incident.RunTimeout || len(p.lines) != 1 {
		t.Fatalf("status %q lines %q", p.end.outcome.Run.Status, p.lines)
	}
	pid, _ := strconv.Atoi(p.lines[0])
	if pid == 0 {
		t.Fatalf("no pid in %q", p.lines)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if _, rest, _ := strings.Cut(string(stat), ") "); !strings.HasPrefix(rest, "Z") {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("child %d outlived the timeout", pid)
		}
	}
}

// goldenPane is a pane with fixed content: a long output, scrolled or
// not, running or ended.
func goldenPane(w, h int, done bool) outputPane {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	p := newOutputPane(&st, &keys, 1, "check-acquirer", "curl -sf \"$ACQ_URL/health\" \\\n  | jq .status", incident.ModeRead).SetSize(w, h)
	var lines []string
	for i := 1; i <= 60; i++ {
		lines = append(lines, "line "+strconv.Itoa(i)+strings.Repeat(" ·", i%7*12))
	}
	p, _ = p.Update(commandOutputMsg{stream: 1, lines: lines, dropped: 3})
	p, _ = p.Update(commandOutputMsg{stream: 2, lines: []string{"another run's line"}})
	if done {
		p, _ = p.Update(commandDoneMsg{stream: 1, outcome: run.Outcome{
			Run:    run.Result{Status: incident.RunFailed, ExitCode: 3, Duration: 1520 * time.Millisecond},
			Result: incident.Event{ID: "L1", Fields: map[string]string{incident.FieldOutputFile: "/home/alex/.local/state/oncall/output/PINC/20261129T030405-1a2b3c4d.log"}},
		}})
	}
	return p
}

func TestOutputPaneGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		w, h := size[0], size[1]
		name := strconv.Itoa(w) + "x" + strconv.Itoa(h)
		running := goldenPane(w, h, false)
		golden(t, "outputpane-running-"+name, ansi.Strip(running.View()))
		scrolled, _ := running.Update(keyPress("up"))
		scrolled, _ = scrolled.Update(keyPress("up"))
		golden(t, "outputpane-scrolled-"+name, ansi.Strip(scrolled.View()))
		golden(t, "outputpane-done-"+name, ansi.Strip(goldenPane(w, h, true).View()))
	}
}

func TestOutputPaneScrollKeepsLines(t *testing.T) {
	p := goldenPane(80, 10, false)
	p, _ = p.Update(keyPress("up"))
	before := ansi.Strip(p.View())
	p, _ = p.Update(commandOutputMsg{stream: 1, lines: []string{"new 1", "new 2"}})
	after := ansi.Strip(p.View())
	body := func(s string) string { l := strings.Split(s, "\n"); return strings.Join(l[2:len(l)-1], "\n") }
	if body(before) != body(after) || strings.Contains(after, "new 1") {
		t.Errorf("new output moved a scrolled-back view:\n%s\n---\n%s", before, after)
	}
	p, _ = p.Update(keyPress("G"))
	if !strings.Contains(ansi.Strip(p.View()), "new 2") {
		t.Errorf("the end key does not follow the output again:\n%s", ansi.Strip(p.View()))
	}
	// Ended, the pane no longer offers to cancel; running, it does.
	if hasKey(goldenPane(80, 10, true).KeyHelp(), "n/esc") || !hasKey(p.KeyHelp(), "n/esc") {
		t.Error("the cancel key is offered when it does not act, or not when it does")
	}
}

func TestOutputPaneBoundsLines(t *testing.T) {
	st, keys := DefaultStyles(true), DefaultKeyMap()
	p := newOutputPane(&st, &keys, 1, "x", "yes", incident.ModeRead).SetSize(80, 10)
	for i := 0; i < 3; i++ {
		p, _ = p.Update(commandOutputMsg{stream: 1, lines: make([]string, outputPaneLines)})
	}
	if len(p.lines) != outputPaneLines || p.dropped != 2*outputPaneLines {
		t.Errorf("kept %d lines, dropped %d", len(p.lines), p.dropped)
	}
}

func hasKey(bs []key.Binding, k string) bool {
	for _, b := range bs {
		if b.Help().Key == k {
			return true
		}
	}
	return false
}
