// Package run runs a runbook's commands in place: in a shell, in their own
// process group, bounded in time, with their output masked for secrets and
// sanitised before anyone sees it, and journaled around the run.
//
// Invariants:
//   - The intent (an incident.KindCommand event) is in the journal before
//     the process starts, and the result (incident.KindCommandResult)
//     after it ends, whatever the outcome. A run whose process died with
//     oncall has an intent and no result, and reads as interrupted
//     (incident.CommandRuns).
//   - No byte of output reaches a reader, the output file or the journal
//     before it has gone through the redactor and incident.Clean, one line
//     at a time.
//   - Memory is bounded whatever the command prints: the first and last
//     lines are kept for the excerpts; the rest goes to the output file.
//   - A command's process group does not outlive it: on timeout or cancel
//     the group gets SIGINT, then SIGKILL after the grace period; when the
//     shell exits, whatever it left running in its group is killed.
package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
)

// Defaults of a Spec.
const (
	DefaultGrace     = 5 * time.Second
	DefaultHeadLines = 10
	DefaultTailLines = 10
	// excerptLine bounds one line kept for an excerpt, in characters.
	excerptLine = 300
	// drainWait bounds the wait for output after the group is killed:
	// only a process that left the group (setsid) can still hold the
	// pipe, and its output is not the command's.
	drainWait = 2 * time.Second
)

// ErrStart is returned when the command could not be started at all (no
// shell, no such directory): nothing ran.
var ErrStart = errors.New("the command could not start")

// Spec is one command to run.
type Spec struct {
	Command string
	Dir     string   // working directory; "" is the current one
	Env     []string // the environment; nil means os.Environ()
	// Shell runs the command with -c; "" means $SHELL from Env, else sh.
	Shell   string
	Timeout time.Duration // 0: no limit other than cancellation
	// Grace is how long the group has, after SIGINT, before SIGKILL.
	Grace    time.Duration
	Redactor *redact.Redactor // nil masks nothing
	// OutputPath, when set, receives the whole masked, sanitised output;
	// it is created (with its directory) mode 0600 and must not exist.
	OutputPath string
	// OnLine receives each line of output as it comes, masked and
	// sanitised. It is called from one goroutine, in order.
	OnLine               func(line string)
	HeadLines, TailLines int
}

// Result is how a run ended.
type Result struct {
	Status   string // incident.RunOK, RunFailed, RunTimeout or RunCancelled
	ExitCode int    // the shell's status; 128+n when killed by signal n
	Duration time.Duration
	Head     []string // the first lines of output
	Tail     []string // the last lines, after Head's
	Lines    int      // how many lines there were in all
}

// Omitted is how many lines are in neither Head nor Tail.
func (r Result) Omitted() int { return r.Lines - len(r.Head) - len(r.Tail) }

// Run runs s.Command with "$SHELL -c" and waits for it to end, or for its
// timeout, or for ctx to be cancelled. The error is ErrStart (wrapped)
// when nothing ran, or a failure to write the output file; a command that
// fails is a Result, not an error.
func Run(ctx context.Context, s Spec) (Result, error) {
	if s.Env == nil {
		s.Env = os.Environ()
	}
	if s.Grace <= 0 {
		s.Grace = DefaultGrace
	}
	if s.HeadLines <= 0 {
		s.HeadLines = DefaultHeadLines
	}
	if s.TailLines <= 0 {
		s.TailLines = DefaultTailLines
	}
	shell := s.Shell
	if shell == "" {
		shell = lookupEnv(s.Env, "SHELL")
	}
	if shell == "" {
		shell = "sh"
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrStart, err)
	}

	sink := &lines{onLine: s.OnLine, headMax: s.HeadLines, tailMax: s.TailLines}
	if s.OutputPath != "" {
		if err := os.MkdirAll(filepath.Dir(s.OutputPath), 0o700); err != nil {
			return Result{}, fmt.Errorf("%w: output directory: %w", ErrStart, err)
		}
		f, err := os.OpenFile(s.OutputPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return Result{}, fmt.Errorf("%w: output file: %w", ErrStart, err)
		}
		defer f.Close()
		sink.file = f
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("%w: %w", ErrStart, err)
	}
	cmd := exec.Command(shell, "-c", s.Command)
	cmd.Dir, cmd.Env = s.Dir, s.Env
	cmd.Stdout, cmd.Stderr = pw, pw // one stream, in the order it was written
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return Result{}, fmt.Errorf("%w: %w", ErrStart, err)
	}
	pw.Close() // the children hold the write end now
	pgid := cmd.Process.Pid

	copied := make(chan error, 1)
	go func() {
		w := redact.NewWriter(s.Redactor, sink)
		_, err := io.Copy(w, pr)
		if ferr := w.Flush(); err == nil {
			err = ferr
		}
		if serr := sink.flush(); err == nil {
			err = serr
		}
		copied <- err
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var (
		status  string
		timeout <-chan time.Time
		grace   <-chan time.Time
		done    = ctx.Done()
	)
	if s.Timeout > 0 {
		t := time.NewTimer(s.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	stop := func(why string) {
		if status == "" {
			status = why
			_ = syscall.Kill(-pgid, syscall.SIGINT)
			grace = time.After(s.Grace)
		}
	}
wait:
	for {
		select {
		case <-exited:
			break wait
		case <-timeout:
			stop(incident.RunTimeout)
		case <-done:
			done = nil
			stop(incident.RunCancelled)
		case <-grace:
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // what the shell left behind
	var werr error
	select {
	case werr = <-copied:
	case <-time.After(drainWait):
		pr.Close()
		werr = <-copied
	}
	pr.Close()

	res := Result{Status: status, ExitCode: exitCode(cmd.ProcessState), Duration: time.Since(start),
		Head: sink.head, Tail: sink.tailLines(), Lines: sink.n}
	if res.Status == "" {
		res.Status = incident.RunOK
		if res.ExitCode != 0 {
			res.Status = incident.RunFailed
		}
	}
	if werr != nil && !errors.Is(werr, os.ErrClosed) {
		return res, fmt.Errorf("keep the command's output: %w", werr)
	}
	return res, nil
}

// exitCode is the status a shell would report: the exit code, or 128 plus
// the signal that killed the process.
func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func lookupEnv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], name+"="); ok {
			return v
		}
	}
	return ""
}

// lines receives masked output, cuts it into lines, sanitises each, and
// hands it on: to OnLine, the output file, and the excerpts.
type lines struct {
	onLine           func(string)
	file             io.Writer
	partial          []byte
	head             []string
	tail             []string // a ring of the last tailMax lines
	tailAt           int
	headMax, tailMax int
	n                int
	err              error
}

func (l *lines) Write(p []byte) (int, error) {
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) > redact.MaxLine {
		// The redactor cut an overlong line; so does the display.
		l.line(string(l.partial))
		l.partial = l.partial[:0]
	}
	// A failing output file (a full disk) is reported when the run ends;
	// the output is still read meanwhile, or the command would block on a
	// full pipe until its timeout.
	return len(p), nil
}

func (l *lines) flush() error {
	if len(l.partial) > 0 {
		l.line(string(l.partial))
		l.partial = nil
	}
	return l.err
}

func (l *lines) line(raw string) {
	s := cleanLine(raw)
	l.n++
	if l.onLine != nil {
		l.onLine(s)
	}
	if l.file != nil && l.err == nil {
		if _, err := io.WriteString(l.file, s+"\n"); err != nil {
			l.err = err
		}
	}
	short := cutRunes(s, excerptLine)
	if len(l.head) < l.headMax {
		l.head = append(l.head, short)
		return
	}
	if len(l.tail) < l.tailMax {
		l.tail = append(l.tail, short)
		return
	}
	l.tail[l.tailAt] = short
	l.tailAt = (l.tailAt + 1) % l.tailMax
}

func (l *lines) tailLines() []string {
	out := make([]string, 0, len(l.tail))
	out = append(out, l.tail[l.tailAt:]...)
	return append(out, l.tail[:l.tailAt]...)
}

// cleanLine sanitises one line of output as a terminal would show it: what
// a carriage return overwrote is gone (progress bars), leading indentation
// is kept (tabs as four spaces), and the rest goes through incident.Clean.
func cleanLine(raw string) string {
	raw = strings.TrimRight(raw, "\r")
	if i := strings.LastIndexByte(raw, '\r'); i >= 0 {
		raw = raw[i+1:]
	}
	indent := 0
	for _, c := range raw {
		switch c {
		case ' ':
			indent++
			continue
		case '\t':
			indent += 4
			continue
		}
		break
	}
	s := incident.Clean(raw)
	if s == "" {
		return ""
	}
	return strings.Repeat(" ", min(indent, 200)) + s
}

func cutRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
