package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/runbooks"
)

func lintNow() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }

func TestRunbookLintReportsErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.md", "---\nid: good\ntitle: Good\nowners: [a]\nservices: [s]\nlast_reviewed: 2026-11-01\n---\n- [ ] x\n")
	write("stale.md", "---\nid: stale\ntitle: Stale\nowners: [a]\nservices: [s]\nlast_reviewed: 2025-01-01\nreview_every_days: 30\n---\n- [ ] x\n")
	write("bad.md", "---\nid: bad\ntitle: Bad\nservics: [s]\nmatch: {title: '('}\n---\n- [ ] x\n")

	var out bytes.Buffer
	err := runRunbookLint(&runbookLintOptions{path: dir, now: lintNow}, &out)
	p := dir + string(filepath.Separator)
	want := p + `bad.md:4: unknown key "servics" (did you mean "services"?)` + "\n" +
		p + "bad.md:5: match.title: invalid regex: missing closing ): `(`\n" +
		p + "stale.md:6: warning: review overdue since 2025-01-31 (last reviewed 2025-01-01, review every 30 days)\n" +
		dir + ": 2 runbooks loaded, 2 errors, 1 warning\n"
	if out.String() != want {
		t.Errorf("output\n%s\nwant\n%s", out.String(), want)
	}
	if err == nil || err.Error() != "2 runbook errors in "+dir || exitCode(err) != exitError {
		t.Errorf("error %v (exit %d), want 2 runbook errors and exit %d", err, exitCode(err), exitError)
	}
}

func TestRunbookLintShippedRunbooksPass(t *testing.T) {
	var out bytes.Buffer
	dir := filepath.Join("..", "..", "runbooks")
	if err := runRunbookLint(&runbookLintOptions{path: dir, now: time.Now}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), " 0 errors, ") {
		t.Errorf("summary missing: %s", out.String())
	}
}

func TestRunbookLintCommandLine(t *testing.T) {
	cmd := newRunbookCmd(nil)
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"lint", "a", "b"})
	if err := cmd.Execute(); exitCode(err) != exitUsage {
		t.Errorf("two directories: %v, want a usage error", err)
	}

	cmd = newRunbookCmd(nil)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"lint", filepath.Join("..", "..", "runbook", "testdata", "lint")})
	if err := cmd.Execute(); err == nil || exitCode(err) != exitError {
		t.Errorf("broken runbooks: %v, want exit %d", err, exitError)
	}
}

func TestRunbookLintDefaultDirectory(t *testing.T) {
	t.Chdir(t.TempDir())
	config := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", config)

	var out bytes.Buffer
	err := runRunbookLint(&runbookLintOptions{now: lintNow}, &out)
	want := filepath.Join(config, "oncall", "runbooks")
	if err == nil || !strings.Contains(err.Error(), want) || exitCode(err) != exitUsage {
		t.Errorf("no runbooks anywhere: %v (exit %d), want a usage error naming %s", err, exitCode(err), want)
	}

	if err := os.MkdirAll(want, 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runRunbookLint(&runbookLintOptions{now: lintNow}, &out); err != nil || out.String() != want+": 0 runbooks loaded, 0 errors, 0 warnings\n" {
		t.Errorf("XDG directory: %v, %q", err, out.String())
	}

	// ./runbooks wins over the configuration directory.
	if err := os.Mkdir("runbooks", 0o755); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := runRunbookLint(&runbookLintOptions{now: lintNow}, &out); err != nil || !strings.HasPrefix(out.String(), "runbooks: ") {
		t.Errorf("./runbooks: %v, %q", err, out.String())
	}
}

// The shipped runbooks are written for the demo: each demo incident, read
// through the real adapter from the simulator, opens its own runbook first.
func TestShippedRunbooksMatchTheDemo(t *testing.T) {
	set, diags, err := runbook.LoadFS(runbooks.FS)
	if err != nil || runbook.HasErrors(diags) {
		t.Fatal(err, diags)
	}
	start := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	var offset atomic.Int64
	sim := pdsim.New(pdsim.Options{Now: func() time.Time { return start.Add(time.Duration(offset.Load())) }})
	offset.Store(int64(150 * time.Second)) // every incident is open, and checkout has its second alert
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	src, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: srv.URL, TokenSource: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	incs, err := src.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		pdsim.ServiceCheckout:      {"checkout-high-5xx", "checkout-deploy-rollback", "https://runbooks.example.com/checkout/high-latency"},
		pdsim.ServicePayments:      {"payments-processor-timeouts"},
		pdsim.ServiceSearch:        {"search-latency"},
		pdsim.ServiceAuth:          {"auth-token-refresh-errors"},
		pdsim.ServiceNotifications: {"notifications-queue-backlog"},
		pdsim.ServiceCDN:           {"cdn-certificate-renewal"},
		pdsim.ServiceInventoryDB:   {"inventory-db-replication-lag"},
	}
	seen := 0
	for _, inc := range incs {
		alerts, err := src.Alerts(ctx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range set.Match(inc, alerts) {
			if m.Runbook != nil {
				got = append(got, m.Runbook.ID)
			} else {
				got = append(got, m.URL)
			}
		}
		w, ok := want[inc.Service.Name]
		if !ok {
			continue
		}
		seen++
		if !slices.Equal(got, w) {
			t.Errorf("%s (%q): matches %q, want %q", inc.Service.Name, inc.Title, got, w)
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d of the %d demo incidents", seen, len(want))
	}
}
