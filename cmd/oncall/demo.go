package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/premortem"
	"github.com/oncallkit/oncall/premortems"
	"github.com/oncallkit/oncall/runbooks"
)

func newDemoCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Open the interactive view against the built-in PagerDuty simulator",
		Long: `demo starts the PagerDuty simulator on a loopback port and opens the
interactive view against it: no account and no token needed. Incidents
trigger, escalate and collect notes from other responders over the next
minutes, so the view is alive.

Actions go to a fresh journal that is removed on exit, unless --db names one.`,
		Example: `  oncall demo
  oncall demo --db /tmp/demo-journal.db   # keep the demo's journal`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), g, g.db, g.readOnly)
		},
	}
}

func runDemo(ctx context.Context, g *globalOptions, db string, readOnly bool) error {
	sim := pdsim.New(pdsim.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start the simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	if db == "" {
		dir, err := os.MkdirTemp("", "oncall-demo-")
		if err != nil {
			return fmt.Errorf("make the demo journal: %w", err)
		}
		defer os.RemoveAll(dir)
		db = filepath.Join(dir, "journal.db")
	}
	src, err := pagerduty.New(pagerduty.Config{
		Token:       pdsim.DemoToken,
		APIURL:      "http://" + ln.Addr().String(),
		TokenSource: "the demo",
		Timeout:     5 * time.Second,
		OnWait:      g.waits.notify,
	})
	if err != nil {
		return err
	}
	// The demo's journal is its own, whatever the settings say.
	g.set.db, g.set.dbFrom = db, "the demo"
	g.set.readOnly = g.set.readOnly || readOnly
	f := g.factory()
	opts := f.ViewOptions(src, "demo (simulated PagerDuty)", pdsim.DemoUserEmail)
	// The shipped pre-mortems foresee the demo's payments incident, so the
	// demo shows the banner and the Pre-mortem tab wherever it runs.
	shipped := func() (*premortem.Set, []string) { return loadViewPremortems(premortems.FS, "") }
	return runTUI(ctx, f, opts, viewFiles{runbooks: runbookSource{fsys: runbooks.FS}, premortems: shipped})
}
