package run

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/internal/redact"
)

// hang bounds every wait in these tests: long enough never to fire on a
// slow machine, short enough that a hang fails instead of stalling.
const hang = 30 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	t.Cleanup(cancel)
	return ctx
}

func TestRunCapturesOutputAndExitCode(t *testing.T) {
	var streamed []string
	res, err := Run(testCtx(t), Spec{
		Command: `printf 'one\n\ttwo\n'; printf 'to stderr\n' >&2; printf 'no newline'; exit 3`,
		Shell:   "/bin/sh",
		OnLine:  func(l string) { streamed = append(streamed, l) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != incident.RunFailed || res.ExitCode != 3 {
		t.Errorf("status %s exit %d, want failed 3", res.Status, res.ExitCode)
	}
	want := []string{"one", "    two", "to stderr", "no newline"}
	if strings.Join(streamed, "|") != strings.Join(want, "|") || strings.Join(res.Head, "|") != strings.Join(want, "|") || res.Lines != 4 {
		t.Errorf("streamed %q head %q lines %d, want %q", streamed, res.Head, res.Lines, want)
	}
	res, err = Run(testCtx(t), Spec{Command: "true"})
	if err != nil || res.Status != incident.RunOK || res.ExitCode != 0 {
		t.Errorf("true: %+v %v", res, err)
	}
}

func TestRunUsesShellDirAndEnv(t *testing.T) {
	dir := t.TempDir()
	var got []string
	_, err := Run(testCtx(t), Spec{
		Command: `pwd; echo "$GREETING"; echo "$0"`,
		Dir:     dir,
		Env:     []string{"GREETING=hello", "SHELL=/bin/sh", "PATH=" + os.Getenv("PATH")},
		OnLine:  func(l string) { got = append(got, l) },
	})
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(dir)
	if len(got) != 3 || (got[0] != dir && got[0] != real) || got[1] != "hello" || got[2] != "/bin/sh" {
		t.Errorf("got %q: want the directory, the environment's value, and $SHELL as the shell", got)
	}
}

// TestRunMasksAndSanitises: a token from the environment and a pattern
// are masked, and escape sequences removed, in the stream, the excerpts
// and the output file, which is private to its owner.
func TestRunMasksAndSanitises(t *testing.T) {
	env := append(os.Environ(), "DEPLOY_TOKEN=s3cr3t-deploy-value")
	r, err := redact.New(redact.Config{Environ: env, Patterns: []string{`card=[0-9]{16}`}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out", "run.log")
	var streamed []string
	res, err := Run(testCtx(t), Spec{
		Command:    `printf 'token=%s\n' "$DEPLOY_TOKEN"; printf 'card=4111111111111111 \033[31mred\033[0m\n'; printf '%s' "$DEPLOY_TOKEN" | cut -c1-6; printf '%s' "$DEPLOY_TOKEN" | cut -c7-`,
		Env:        env,
		Redactor:   r,
		OutputPath: out,
		OnLine:     func(l string) { streamed = append(streamed, l) },
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"stream": strings.Join(streamed, "\n"), "head": strings.Join(res.Head, "\n"), "file": string(data)} {
		if strings.Contains(text, "s3cr3t-deploy-value") || strings.Contains(text, "4111111111111111") || strings.Contains(text, "\033") {
			t.Errorf("%s not masked or not sanitised: %q", where, text)
		}
		if !strings.Contains(text, "token=[redacted]") || !strings.Contains(text, "[redacted] red") {
			t.Errorf("%s lost the masked lines: %q", where, text)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("output file mode %v %v, want 0600", fi.Mode(), err)
	}
	if _, err := Run(testCtx(t), Spec{Command: "true", OutputPath: out}); !errors.Is(err, ErrStart) {
		t.Errorf("an existing output file was overwritten (err %v)", err)
	}
}

func TestRunKeepsHeadAndTail(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run.log")
	res, err := Run(testCtx(t), Spec{Command: "seq 1 20000", OutputPath: out, HeadLines: 3, TailLines: 2})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Head, ",") != "1,2,3" || strings.Join(res.Tail, ",") != "19999,20000" || res.Lines != 20000 || res.Omitted() != 19995 {
		t.Errorf("head %q tail %q lines %d", res.Head, res.Tail, res.Lines)
	}
	data, _ := os.ReadFile(out)
	if n := strings.Count(string(data), "\n"); n != 20000 {
		t.Errorf("output file has %d lines, want all 20000", n)
	}
}

// gone reports whether pid has ended (a zombie waiting for a parent that
// does not reap counts as ended: it runs nothing).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return strings.HasPrefix(rest, "Z")
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !gone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunTimeoutKillsChildren: a background child ignores SIGINT (as the
// shell makes it), so only the group's SIGKILL after the shell ends stops
// it; it must be gone when Run returns.
func TestRunTimeoutKillsChildren(t *testing.T) {
	var pid int
	res, err := Run(testCtx(t), Spec{
		Command: `sleep 300 & echo "$!"; wait`,
		Timeout: 300 * time.Millisecond,
		OnLine:  func(l string) { pid, _ = strconv.Atoi(l) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if pid == 0 {
		t.Fatal("the child's pid was not printed")
	}
	if res.Status != incident.RunTimeout {
		t.Errorf("status %s, want timeout", res.Status)
	}
	waitGone(t, pid)
}

// TestRunCancel: cancelling sends SIGINT to the group; a shell that
// ignores it is killed after the grace period.
func TestRunCancel(t *testing.T) {
	// A caught signal is reset to its default on exec, an ignored one
	// stays ignored: catch SIGINT here, as oncall itself does (main's
	// signal.NotifyContext), so a test process that inherited it ignored
	// does not hand that on to the command.
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, os.Interrupt)
	defer signal.Stop(caught)

	t.Run("interrupted", func(t *testing.T) {
		// The shell execs sleep and says its pid first; the cancel waits
		// until the pid is sleep, so SIGINT never lands while the shell
		// is between fork and exec (dash holds SIGINT off there, and the
		// command then met SIGKILL after the grace instead).
		ctx, cancel := context.WithCancel(testCtx(t))
		defer cancel()
		var lines []string
		res, err := Run(ctx, Spec{Command: `echo "$$"; exec sleep 300`, Shell: "/bin/sh", Grace: time.Minute, OnLine: func(l string) {
			lines = append(lines, l)
			pid, err := strconv.Atoi(l)
			if err != nil {
				return
			}
			go func() {
				defer cancel()
				for deadline := time.Now().Add(hang); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
					if comm, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "comm")); strings.TrimSpace(string(comm)) == "sleep" {
						return
					}
				}
			}()
		}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != incident.RunCancelled || res.ExitCode != 128+int(syscall.SIGINT) || len(lines) != 1 {
			t.Errorf("status %s exit %d lines %q, want cancelled %d after one line", res.Status, res.ExitCode, lines, 128+int(syscall.SIGINT))
		}
	})
	t.Run("ignores SIGINT", func(t *testing.T) {
		ctx, cancel := context.WithCancel(testCtx(t))
		defer cancel()
		var lines []string
		res, err := Run(ctx, Spec{Command: `trap '' INT; echo ready; sleep 300; echo survived`, Shell: "/bin/sh", Grace: 200 * time.Millisecond, OnLine: func(l string) {
			lines = append(lines, l)
			if l == "ready" {
				cancel()
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != incident.RunCancelled || res.ExitCode != 128+int(syscall.SIGKILL) || strings.Join(lines, ",") != "ready" {
			t.Errorf("status %s exit %d lines %q, want cancelled %d", res.Status, res.ExitCode, lines, 128+int(syscall.SIGKILL))
		}
	})
}

func TestRunStartFailure(t *testing.T) {
	_, err := Run(testCtx(t), Spec{Command: "true", Dir: filepath.Join(t.TempDir(), "missing")})
	if !errors.Is(err, ErrStart) {
		t.Errorf("missing directory: %v, want ErrStart", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Spec{Command: "touch " + filepath.Join(t.TempDir(), "x")}); !errors.Is(err, ErrStart) {
		t.Errorf("cancelled before start: %v, want ErrStart", err)
	}
}
