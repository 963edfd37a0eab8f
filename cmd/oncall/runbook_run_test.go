package main

import (
	"bufio"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/redact"
)

// runRunbook is a runbook with a read command that prints secrets and
// fails, a write command, and a slow one.
const runRunbook = "---\nid: acq\ntitle: Acquirer\nservices: [checkout-api]\n---\n## Diagnosis\n- [ ] Is the acquirer up?\n" +
	"```sh oncall:read name=probe\n" +
	`printf 'token %s\n' "$ACQ_API_TOKEN"; printf 'url %s\n' "$ACQ_URL"; printf 'pd %s\n' "$PAGERDUTY_TOKEN"; printf 'card=4111111111111111\n'; pwd; exit 3` +
	"\n```\n## Mitigation\n- [ ] Restart the gateway\n" +
	"```sh oncall:write name=restart\ntouch restarted; echo restarted\n```\n" +
	"```sh oncall:read name=slow timeout=1s\nsleep 300 & echo \"$!\"; wait\n```\n"

// secrets are the values that must never appear outside the process.
var runSecrets = []string{"tok-acq-123456", "https://acq.internal/secret-path", pdsim.DemoToken, "4111111111111111"}

type runbookRunEnv struct {
	*verbEnv
	dir string // the runbooks directory, where commands run
}

func newRunbookRunEnv(t *testing.T, doc string) *runbookRunEnv {
	t.Helper()
	e := &runbookRunEnv{verbEnv: newVerbEnv(t), dir: t.TempDir()}
	writeFile(t, filepath.Join(e.dir, "acq.md"), doc)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, cfg, "redact_env: [ACQ_URL]\nredact: ['card=[0-9]{16}']\n")
	t.Setenv("ONCALL_CONFIG", cfg)
	t.Setenv("ACQ_API_TOKEN", "tok-acq-123456")
	t.Setenv("ACQ_URL", "https://acq.internal/secret-path")
	return e
}

func (e *runbookRunEnv) oncall(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return e.run(t, append([]string{"runbook", "run", e.inc}, append(args, "--runbooks", e.dir)...)...)
}

func noSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range runSecrets {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q:\n%s", where, s, text)
		}
	}
}

// TestRunbookRunJournalsAndMasks: a read command that fails runs without
// asking; its output is printed masked, its intent and result are
// journaled, the full output file and the mirrored note are masked, and
// oncall exits with the command's status.
func TestRunbookRunJournalsAndMasks(t *testing.T) {
	e := newRunbookRunEnv(t, runRunbook)
	code, out, errOut := e.oncall(t, "acq", "probe")
	if code != 3 {
		t.Fatalf("exit %d, want the command's 3; stderr %s", code, errOut)
	}
	noSecrets(t, "stdout", out)
	real, _ := filepath.EvalSymlinks(e.dir)
	for _, want := range []string{"token [redacted]", "url [redacted]", "pd [redacted]", "[redacted]\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, e.dir) && !strings.Contains(out, real) {
		t.Errorf("the command did not run in the runbook's directory:\n%s", out)
	}
	events := e.events(t)
	if len(events) != 2 || events[0].Kind != incident.KindCommand || events[1].Kind != incident.KindCommandResult {
		t.Fatalf("journal %+v, want an intent and a result", events)
	}
	res := events[1]
	if res.Fields[incident.FieldExitCode] != "3" || res.Fields[incident.FieldStatus] != incident.RunFailed || res.Actor != pdsim.DemoUserEmail {
		t.Errorf("result %+v", res)
	}
	// The command is journaled as written ($VAR unexpanded), with the
	// literal that matches a redact pattern masked.
	written := strings.Split(strings.Split(runRunbook, "name=probe\n")[1], "\n```")[0]
	if want := strings.Replace(written, "card=4111111111111111", "[redacted]", 1); events[0].Fields[incident.FieldCommand] != want {
		t.Errorf("the journaled command is %q, want %q", events[0].Fields[incident.FieldCommand], want)
	}
	noSecrets(t, "journal", strings.Join([]string{res.Summary, res.Fields[incident.FieldHead], res.Fields[incident.FieldTail]}, "\n"))
	file := res.Fields[incident.FieldOutputFile]
	if filepath.Dir(filepath.Dir(file)) != filepath.Join(filepath.Dir(e.db), "output") {
		t.Errorf("output file %s is not beside the journal %s", file, e.db)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "output file", string(data))
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("output file mode %v", fi.Mode())
	}
	notes := e.mirrors(res.ID)
	if len(notes) != 1 || notes[0].Kind != incident.KindCommandResult {
		t.Fatalf("mirrored notes %+v, want one command result", notes)
	}
	for _, n := range e.sim.Notes(e.inc) {
		noSecrets(t, "PagerDuty note", n.Content)
	}
	if !strings.Contains(errOut, "failed, exit 3") {
		t.Errorf("stderr does not say how it ended: %s", errOut)
	}
}

// TestRunbookRunWriteNeedsYes: a write command from a script runs only
// with --yes; without, nothing runs and nothing is journaled. A success
// ticks the step's checklist item.
func TestRunbookRunWriteNeedsYes(t *testing.T) {
	e := newRunbookRunEnv(t, runRunbook)
	code, _, errOut := e.oncall(t, "acq", "restart")
	if code != exitUsage || !strings.Contains(errOut, "--yes") {
		t.Errorf("exit %d %s, want a usage error naming --yes", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "restarted")); err == nil || len(e.events(t)) != 0 {
		t.Fatal("an unconfirmed write ran or was journaled")
	}
	if code, out, _ := e.oncall(t, "acq", "restart", "--yes"); code != 0 || out != "restarted\n" {
		t.Fatalf("with --yes: exit %d, %q", code, out)
	}
	events := e.events(t)
	if len(events) != 3 || events[2].Kind != incident.KindRunbookStep || events[2].Fields[incident.FieldStep] != "Restart the gateway" {
		t.Errorf("journal %+v, want the run and a tick of its item", events)
	}
}

// TestRunbookRunTypedConfirmation: on a terminal, the step's name (or
// yes) confirms a write; anything else refuses it.
func TestRunbookRunTypedConfirmation(t *testing.T) {
	e := newRunbookRunEnv(t, runRunbook)
	_, step, err := findRunbookCommand(e.dir, "acq", "restart")
	if err != nil {
		t.Fatal(err)
	}
	for typed, ok := range map[string]bool{"restart\n": true, "yes\n": true, "y\n": false, "": false, "restart-all\n": false} {
		var prompt strings.Builder
		r, _ := redact.New(redact.Config{Environ: os.Environ()})
		err := confirmWrite(&runbookRunOptions{interactive: true, stdin: strings.NewReader(typed), stderr: &prompt}, step, r)
		if (err == nil) != ok {
			t.Errorf("typed %q: %v", typed, err)
		}
		if !strings.Contains(prompt.String(), "touch restarted; echo restarted") || !strings.Contains(prompt.String(), "Type restart (or yes)") {
			t.Errorf("prompt %q does not show the command and what to type", prompt.String())
		}
	}
}

// TestRunbookRunReadOnly: read-only mode refuses a write command and runs
// a read one without journaling it.
func TestRunbookRunReadOnly(t *testing.T) {
	e := newRunbookRunEnv(t, runRunbook)
	code, _, errOut := e.oncall(t, "acq", "restart", "--yes", "--read-only")
	if code != exitUsage || !strings.Contains(errOut, "read-only") {
		t.Errorf("write in read-only mode: exit %d %s", code, errOut)
	}
	code, out, _ := e.oncall(t, "acq", "probe", "--read-only")
	if code != 3 || !strings.Contains(out, "token [redacted]") {
		t.Errorf("read in read-only mode: exit %d %q", code, out)
	}
	if _, err := os.Stat(e.db); err == nil && len(e.events(t)) != 0 {
		t.Error("read-only mode journaled")
	}
}

// TestRunbookRunPostOutputFalse: a runbook that says post_output: false
// keeps its results off PagerDuty.
func TestRunbookRunPostOutputFalse(t *testing.T) {
	e := newRunbookRunEnv(t, strings.Replace(runRunbook, "services:", "post_output: false\nservices:", 1))
	if code, _, _ := e.oncall(t, "acq", "probe"); code != 3 {
		t.Fatalf("exit %d", code)
	}
	events := e.events(t)
	if len(events) != 2 || events[1].State != incident.LocalOnly || len(e.mirrors(events[1].ID)) != 0 {
		t.Errorf("result %+v was posted", events)
	}
}

// TestRunbookRunTimeoutKillsChildren: the block's timeout stops the
// command and the child it started.
func TestRunbookRunTimeoutKillsChildren(t *testing.T) {
	e := newRunbookRunEnv(t, runRunbook)
	code, out, errOut := e.oncall(t, "acq", "slow")
	pid, _ := strconv.Atoi(strings.TrimSpace(out))
	if pid == 0 || code == 0 || !strings.Contains(errOut, "timed out") {
		t.Fatalf("exit %d out %q err %s", code, out, errOut)
	}
	if err := syscall.Kill(pid, 0); err == nil && !zombie(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("child %d survived the timeout", pid)
	}
	if ev := e.events(t); len(ev) != 2 || ev[1].Fields[incident.FieldStatus] != incident.RunTimeout {
		t.Errorf("journal %+v", ev)
	}
}

// waitForGroupCommand waits until a process of group pgid runs the
// program named comm (its name in /proc after exec).
func waitForGroupCommand(t *testing.T, pgid int, comm string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // catches a hang only
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
			if err != nil {
				continue
			}
			name, rest, ok := strings.Cut(string(stat), ") ")
			fields := strings.Fields(rest)
			if !ok || len(fields) < 3 || !strings.HasSuffix(name, "("+comm) {
				continue
			}
			if g, _ := strconv.Atoi(fields[2]); g == pgid && pid != 0 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s in process group %d", comm, pgid)
}

func zombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	_, rest, _ := strings.Cut(string(stat), ") ")
	return err != nil || strings.HasPrefix(rest, "Z")
}

// TestRunbookRunBinaryCancelAndKill runs the real binary: ctrl+c (SIGINT)
// cancels the command and the result says so; kill -9 of oncall during a
// run leaves an intent without a result, which reads as interrupted.
func TestRunbookRunBinaryCancelAndKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	isolate(t)
	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	snap, err := sim.AddIncident(pdsim.IncidentSpec{Title: "acquirer down", Service: pdsim.ServiceCheckout})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "runbooks", "acq.md"), "---\nid: acq\ntitle: A\n---\n```sh oncall:read name=wait timeout=10m\necho \"$$\"; sleep 300\n```\n")
	db := filepath.Join(dir, "journal.db")
	bin := filepath.Join(t.TempDir(), "oncall")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // catches a hang only
	defer cancel()
	start := func() (*exec.Cmd, int, *strings.Builder) {
		cmd := exec.CommandContext(ctx, bin, "runbook", "run", snap.ID, "acq", "wait", "--runbooks", filepath.Join(dir, "runbooks"), "--api-url", srv.URL, "--db", db)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_STATE_HOME=" + dir,
			"PAGERDUTY_TOKEN=" + pdsim.DemoToken, "PAGERDUTY_FROM=" + pdsim.DemoUserEmail}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		pgid, _ := strconv.Atoi(strings.TrimSpace(line))
		if pgid == 0 {
			_ = cmd.Process.Kill()
			t.Fatalf("no pid printed: %q %v %s", line, err, stderr.String())
		}
		t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
		return cmd, pgid, &stderr
	}
	runs := func() []incident.CommandRun {
		return incident.CommandRuns(journalOf(t, db, snap.ID), nil)
	}

	cmd, pgid, stderr := start()
	// ctrl+c is sent once sleep runs: a SIGINT that lands while the shell
	// has forked but not yet replaced the child by sleep is taken by the
	// shell's own handler in the child and lost, so only the grace
	// period's SIGKILL ends the command (exit 137), as it would in a
	// terminal; that safety net is not what this test is about.
	waitForGroupCommand(t, pgid, "sleep")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 128+int(syscall.SIGINT) || !strings.Contains(stderr.String(), "cancelled") {
		t.Errorf("after ctrl+c: %v, stderr %s", err, stderr.String())
	}
	if r := runs(); len(r) != 1 || r[0].Status != incident.RunCancelled {
		t.Errorf("runs after ctrl+c %+v", r)
	}

	cmd, pgid, _ = start()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	if r := runs(); len(r) != 2 || r[1].Status != incident.RunInterrupted {
		t.Errorf("runs after kill -9 %+v, want the second interrupted", r)
	}
}

func TestRunbookRunCompletes(t *testing.T) {
	e := newRunbookRunEnv(t, runRunbook)
	_, out, _ := cli(t, "__complete", "runbook", "run", e.inc, "--runbooks", e.dir, "")
	if !strings.Contains(out, "acq\tAcquirer") {
		t.Errorf("runbook ids: %q", out)
	}
	_, out, _ = cli(t, "__complete", "runbook", "run", e.inc, "acq", "--runbooks", e.dir, "")
	for _, want := range []string{"probe\tread: printf", "restart\twrite: touch restarted", "slow\tread: sleep"} {
		if !strings.Contains(out, want) {
			t.Errorf("commands lack %q: %q", want, out)
		}
	}
}

// TestRunbookLintKnowsCommandSyntax: lint refuses an unknown mode and a
// bad timeout, and warns about an unmarked diagnostic, each with its line.
func TestRunbookLintKnowsCommandSyntax(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.md"), "---\nid: a\ntitle: A\nowners: [x]\nservices: [s]\nlast_reviewed: 2026-11-01\n---\n## Diagnosis\n"+
		"```sh\nuptime\n```\n```sh oncall:exec\nls\n```\n```sh oncall:read timeout=1h\nls\n```\n")
	var out strings.Builder
	err := runRunbookLint(&runbookLintOptions{path: dir, now: lintNow}, &out)
	p := filepath.Join(dir, "a.md")
	want := p + `:12: unknown command mode "oncall:exec": use oncall:read (changes nothing) or oncall:write` + "\n" +
		p + ":15: timeout 1h0m0s is outside 1s to 10m0s\n" +
		dir + ": 0 runbooks loaded, 2 errors, 0 warnings\n"
	if out.String() != want || err == nil {
		t.Errorf("lint (%v):\n%s\nwant\n%s", err, out.String(), want)
	}
	writeFile(t, filepath.Join(dir, "a.md"), "---\nid: a\ntitle: A\nowners: [x]\nservices: [s]\nlast_reviewed: 2026-11-01\n---\n## Diagnosis\n```sh\nuptime\n```\n")
	out.Reset()
	if err := runRunbookLint(&runbookLintOptions{path: dir, now: lintNow}, &out); err != nil || !strings.Contains(out.String(), p+":9: warning: command in \"Diagnosis\" has no oncall: mode") {
		t.Errorf("lint (%v):\n%s", err, out.String())
	}
}
