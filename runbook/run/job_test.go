package run

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/store"
)

const jobDoc = "---\nid: acq\ntitle: Acquirer\n---\n## Diagnosis\n- [ ] Is the acquirer up?\n" +
	"```sh oncall:read name=probe\n" + `test ! -e "$MARKER" || exit 9; touch "$MARKER"; printf 'key=%s\n' "$ACQ_API_KEY"` + "\n```\n" +
	"```sh oncall:read name=fail\nexit 3\n```\n" +
	"```sh oncall:read name=slow\necho \"$$\"; sleep 120\n```\n"

func loadJobRunbook(t *testing.T) *runbook.Runbook {
	t.Helper()
	rb, diags := runbook.Parse("acq.md", []byte(jobDoc))
	if rb == nil {
		t.Fatal(diags)
	}
	return rb
}

func step(t *testing.T, rb *runbook.Runbook, name string) runbook.Step {
	t.Helper()
	s, ok := rb.Command(name)
	if !ok {
		t.Fatalf("no command %s", name)
	}
	return s
}

// orderJournal checks, as each event is journaled, whether the command has
// touched its marker yet.
type orderJournal struct {
	*store.Store
	marker       string
	ranAtIntent  bool
	ranAtResult  bool
	intents, res int
}

func (j *orderJournal) Append(id string, e incident.Event) (incident.Event, error) {
	_, err := os.Stat(j.marker)
	switch e.Kind {
	case incident.KindCommand:
		j.intents++
		j.ranAtIntent = err == nil
	case incident.KindCommandResult:
		j.res++
		j.ranAtResult = err == nil
	}
	return j.Store.Append(id, e)
}

func TestJobJournalsIntentThenResultAndTicks(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	marker := filepath.Join(dir, "marker")
	env := append(os.Environ(), "MARKER="+marker, "ACQ_API_KEY=live-key-123456")
	r, err := redact.New(redact.Config{Environ: env})
	if err != nil {
		t.Fatal(err)
	}
	rb := loadJobRunbook(t)
	j := &orderJournal{Store: st, marker: marker}
	job := Job{IncidentID: "PINC1", Runbook: rb, Step: step(t, rb, "probe"), Actor: "alex", Host: "laptop", Post: true,
		OutputDir: filepath.Join(dir, "output"), Spec: Spec{Env: env, Redactor: r}}
	out, err := job.Run(testCtx(t), j)
	if err != nil {
		t.Fatal(err)
	}
	if j.ranAtIntent || !j.ranAtResult || j.intents != 1 || j.res != 1 {
		t.Errorf("ran before the intent was journaled: %v; ran before the result: %v", j.ranAtIntent, j.ranAtResult)
	}
	events, err := st.Events("PINC1")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Kind)+"/"+string(e.State))
	}
	if want := "command/local command_result/queued runbook_step/queued"; strings.Join(kinds, " ") != want {
		t.Errorf("journal %q, want %q", kinds, want)
	}
	res := events[1].Fields
	if res[incident.FieldRunID] != events[0].Fields[incident.FieldRunID] || res[incident.FieldStatus] != incident.RunOK ||
		res[incident.FieldExitCode] != "0" || res[incident.FieldHost] != "laptop" || events[1].Actor != "alex" {
		t.Errorf("result fields %v actor %q", res, events[1].Actor)
	}
	if res[incident.FieldHead] != "key=[redacted]" || strings.Contains(events[1].Summary, "live-key") {
		t.Errorf("result head %q summary %q: the key is not masked", res[incident.FieldHead], events[1].Summary)
	}
	data, err := os.ReadFile(res[incident.FieldOutputFile])
	if err != nil || string(data) != "key=[redacted]\n" {
		t.Errorf("output file %q: %q %v", res[incident.FieldOutputFile], data, err)
	}
	if events[2].Fields[incident.FieldStepKey] != job.Step.Of || events[2].Fields[incident.FieldStep] != "Is the acquirer up?" {
		t.Errorf("tick %v, want the checklist item %s", events[2].Fields, job.Step.Of)
	}
	if content, err := incident.Mirror(events[1]); err != nil || strings.Contains(content, "live-key") || !strings.Contains(content, "key=[redacted]") {
		t.Errorf("mirrored note %q %v", content, err)
	}
	if out.Tick.ID != events[2].ID || out.Result.ID != events[1].ID {
		t.Errorf("outcome %+v", out)
	}
}

func TestJobFailureTicksNothingAndStaysLocal(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rb := loadJobRunbook(t)
	out, err := Job{IncidentID: "PINC1", Runbook: rb, Step: step(t, rb, "fail"), Host: "h", Post: false}.Run(testCtx(t), st)
	if err != nil {
		t.Fatal(err)
	}
	events, _ := st.Events("PINC1")
	if len(events) != 2 || events[1].State != incident.LocalOnly || events[1].Fields[incident.FieldExitCode] != "3" || out.Tick.ID != "" {
		t.Errorf("journal %+v", events)
	}
	// A command that cannot start still gets its result: never interrupted.
	bad := Job{IncidentID: "PINC2", Runbook: rb, Step: step(t, rb, "fail"), Host: "h", Spec: Spec{Dir: "/nonexistent/dir"}}
	if _, err := bad.Run(testCtx(t), st); err != nil {
		t.Fatal(err)
	}
	events, _ = st.Events("PINC2")
	runs := incident.CommandRuns(events, nil)
	if len(runs) != 1 || runs[0].Status != incident.RunFailed || runs[0].Result.Fields[incident.FieldExitCode] != "127" {
		t.Errorf("runs %+v", runs)
	}
	// Cancelled before it could start: a cancelled run, not a failure.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Job{IncidentID: "PINC3", Runbook: rb, Step: step(t, rb, "fail"), Host: "h"}).Run(ctx, st); err != nil {
		t.Fatal(err)
	}
	events, _ = st.Events("PINC3")
	if runs := incident.CommandRuns(events, nil); len(runs) != 1 || runs[0].Status != incident.RunCancelled {
		t.Errorf("runs %+v", runs)
	}
}

// TestJobKilledLeavesInterruptedRun: oncall is killed -9 (a separate
// process) while its command runs; the journal has the intent and no
// result, which reads as interrupted.
func TestJobKilledLeavesInterruptedRun(t *testing.T) {
	if os.Getenv("ONCALL_RUN_HELPER") != "" {
		return
	}
	db := filepath.Join(t.TempDir(), "journal.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestJobHelperProcess$")
	cmd.Env = append(os.Environ(), "ONCALL_RUN_HELPER="+db)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	pgid := 0
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "running "); ok {
			pgid, _ = strconv.Atoi(v)
			break
		}
	}
	if pgid == 0 {
		_ = cmd.Process.Kill()
		t.Fatalf("the helper never ran its command: %v", sc.Err())
	}
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) }) // the orphaned command
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	st, err := store.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events, err := st.Events("PINC1")
	if err != nil {
		t.Fatal(err)
	}
	runs := incident.CommandRuns(events, nil)
	if len(runs) != 1 || runs[0].Status != incident.RunInterrupted || runs[0].Intent.Fields[incident.FieldStep] != "slow" {
		t.Errorf("runs %+v, want one interrupted run of slow", runs)
	}
}

// TestJobHelperProcess is the oncall that gets killed.
func TestJobHelperProcess(t *testing.T) {
	db := os.Getenv("ONCALL_RUN_HELPER")
	if db == "" {
		t.Skip("only run by TestJobKilledLeavesInterruptedRun")
	}
	st, err := store.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	rb := loadJobRunbook(t)
	job := Job{IncidentID: "PINC1", Runbook: rb, Step: step(t, rb, "slow"), Host: "h", Spec: Spec{OnLine: func(l string) {
		os.Stdout.WriteString("running " + l + "\n")
	}}}
	_, _ = job.Run(context.Background(), st)
	t.Fatal("the run ended; it should have been killed first")
}
