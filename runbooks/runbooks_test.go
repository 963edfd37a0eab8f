package runbooks_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

// stubbed are the tools the shipped runbooks call that may be missing
// here or reach the network; the test puts failing stand-ins first on
// PATH.
var stubbed = []string{"kubectl", "curl", "argocd", "openssl", "jq", "psql", "aws", "redis-cli", "dig"}

// shells are the shells a command may run in: oncall runs a block with
// $SHELL -c, or sh -c when SHELL is unset, and sh is dash on Debian.
func shells(t *testing.T) []string {
	var out []string
	for _, sh := range []string{"sh", "bash"} {
		if p, err := exec.LookPath(sh); err == nil {
			out = append(out, p)
		} else {
			t.Logf("%s is not installed here; its run is skipped", sh)
		}
	}
	if len(out) == 0 {
		t.Skip("no sh or bash on PATH to run the commands with")
	}
	return out
}

// TestShippedCommandsReportAFailedTool: every command of the shipped
// runbooks, run as oncall runs it, exits non-zero when the tools it calls
// fail, in sh (dash here) and in bash; and a pipeline reports its source's
// failure (exit 7 from the stand-in) rather than the status of the filter
// after it, which is what `curl ... | jq` used to report. pipefail is no
// help: dash 0.5.12 rejects it. The stand-in jq succeeds, so a pipeline
// ending in jq passes only if it no longer masks the fetch before it.
func TestShippedCommandsReportAFailedTool(t *testing.T) {
	set, diags, err := runbook.LoadFS(runbooks.FS)
	if err != nil {
		t.Fatal(err)
	}
	if runbook.HasErrors(diags) {
		t.Fatalf("shipped runbooks: %v", diags)
	}
	bin := t.TempDir()
	for _, name := range stubbed {
		body := "#!/bin/sh\necho \"" + name + ": stand-in failure\" >&2\nexit 7\n"
		if name == "jq" {
			body = "#!/bin/sh\ncat >/dev/null\nexit 0\n"
		}
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	ran := 0
	for _, sh := range shells(t) {
		for _, rb := range set.Runbooks() {
			for _, s := range rb.Steps {
				if !s.Runnable() {
					continue
				}
				ran++
				if out, err := exec.Command(sh, "-n", "-c", s.Text).CombinedOutput(); err != nil {
					t.Errorf("%s %s line %d: %s -n: %v\n%s", rb.ID, s.Label(), s.Line, sh, err, out)
					continue
				}
				cmd := exec.Command(sh, "-c", s.Text)
				cmd.Env, cmd.Dir = env, t.TempDir()
				out, err := cmd.CombinedOutput()
				var exit *exec.ExitError
				if !errors.As(err, &exit) {
					t.Errorf("%s line %d in %s: exit %v, want a failure\n%s\n%s", rb.ID, s.Line, sh, err, s.Text, out)
					continue
				}
				if strings.Contains(s.Text, "|") && exit.ExitCode() != 7 {
					t.Errorf("%s line %d in %s: exit %d, want the failed tool's 7\n%s\n%s", rb.ID, s.Line, sh, exit.ExitCode(), s.Text, out)
				}
			}
		}
	}
	if ran == 0 {
		t.Fatal("no shipped command was run")
	}
}
