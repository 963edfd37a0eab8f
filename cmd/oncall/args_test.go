package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// Every command whose argument count is checked by argCount answers a
// wrong count with a usage error (exit status 2) that names what it
// takes, before it opens anything: no journal, no PagerDuty.
func TestWrongArgumentCountIsAUsageError(t *testing.T) {
	t.Setenv("ONCALL_CONFIG", t.TempDir()+"/none.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "export needs exactly one incident id"},
		{[]string{"export", "A", "B"}, "export needs exactly one incident id"},
		{[]string{"handoff"}, "handoff needs exactly one incident"},
		{[]string{"log", "A", "B"}, "log needs exactly one incident id"},
		{[]string{"postmortem", "actions"}, "postmortem actions needs one draft file"},
		{[]string{"postmortem", "lint", "a.md", "b.md"}, "postmortem lint needs exactly one file"},
		{[]string{"premortem", "lint", "a", "b"}, "premortem lint takes at most one directory"},
		{[]string{"premortem", "new", "a.md", "b.md"}, "premortem new takes at most one file"},
		{[]string{"runbook", "lint", "a", "b"}, "runbook lint takes at most one directory"},
		{[]string{"runbook", "run", "1045", "checkout-high-5xx"}, "runbook run needs an incident, a runbook id and a step"},
	} {
		cmd := newRootCmd()
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		var ue usageError
		switch {
		case err == nil:
			t.Errorf("oncall %s succeeded", strings.Join(tc.args, " "))
		case !errors.As(err, &ue) || exitCode(err) != exitUsage:
			t.Errorf("oncall %s: %v is not a usage error (exit %d)", strings.Join(tc.args, " "), err, exitCode(err))
		case !strings.Contains(err.Error(), tc.want):
			t.Errorf("oncall %s: %q does not say %q", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}
