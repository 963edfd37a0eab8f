package main

import (
	"path/filepath"
	"testing"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
)

// TestViewCommandsMaskAsRunbookRunDoes: the view's runbook pane gets a
// redactor built from the same settings as `oncall runbook run`: the
// PagerDuty token, redact_env and redact patterns are masked, and the
// workdir, post_output and the output directory come through.
func TestViewCommandsMaskAsRunbookRunDoes(t *testing.T) {
	isolate(t)
	t.Setenv("ACQ_URL", "https://acq.internal.example/v1")
	cfg, err := config.Parse("c.yaml", []byte("redact_env: [ACQ_URL]\nredact: ['card=[0-9]{16}']\npost_output: false\nrunbook_workdir: /srv/ops\n"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PAGERDUTY_TOKEN": "pd-secret-token-42"}
	g := &globalOptions{}
	if g.set, err = resolve(flagValues{}, func(k string) string { return env[k] }, cfg); err != nil {
		t.Fatal(err)
	}
	c, err := g.factory().viewCommands()
	if err != nil {
		t.Fatal(err)
	}
	got := c.Redactor.String("pd pd-secret-token-42 url https://acq.internal.example/v1 card=4111111111111111 ok")
	if want := "pd [redacted] url [redacted] [redacted] ok"; got != want {
		t.Errorf("masked %q, want %q", got, want)
	}
	if c.Workdir != "/srv/ops" || !c.NoPost || filepath.Base(c.OutputDir) != "output" {
		t.Errorf("commands %+v", c)
	}

}
