package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/store"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	apiURL    string
	db        string
	readOnly  bool
	tokenFile string
	// waits carries the adapter's "rate limited, retrying" notices to the
	// TUI once it runs.
	waits waitRelay
}

func newRootCmd() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "oncall",
		Short: "The terminal on-call companion for PagerDuty incidents",
		Long: `oncall lists active PagerDuty incidents, shows each one's live timeline,
journals every action locally before sending it, and writes postmortem drafts.

Without a subcommand it opens the interactive view against PagerDuty,
using the token in PAGERDUTY_TOKEN. Try it first with: oncall demo`,
		Example: `  oncall demo                        # the built-in simulator, no account needed
  PAGERDUTY_TOKEN=... oncall          # your PagerDuty account
  oncall --api-url https://api.eu.pagerduty.com   # the EU service region`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := g.source()
			if err != nil {
				return err
			}
			return runTUI(cmd.Context(), tuiOptions{source: src, dbPath: g.db, label: labelFor(g.resolvedAPIURL()),
				actor: os.Getenv("PAGERDUTY_FROM"), readOnly: g.readOnly, runbooksDir: defaultRunbooksDir(), waits: &g.waits})
		},
	}
	root.PersistentFlags().StringVar(&g.apiURL, "api-url", "", "PagerDuty API base URL (env PAGERDUTY_API_URL; default "+pagerduty.DefaultAPIURL+")")
	root.PersistentFlags().StringVar(&g.db, "db", "", "journal file (env ONCALL_DB; default in the XDG state directory)")
	root.PersistentFlags().StringVar(&g.tokenFile, "token-file", "", "read the API token from this file (mode 0600) instead of PAGERDUTY_TOKEN")
	root.PersistentFlags().BoolVar(&g.readOnly, "read-only", false, "look, don't touch: every action that changes an incident is disabled")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newDemoCmd(g), newSimulateCmd(), newExportCmd(g))
	root.AddCommand(newIncidentsCmd(g), newNoteCmd(g))
	root.AddCommand(newSyncCmd(g), newLogCmd(g), newRunbookCmd())
	return root
}

func (g *globalOptions) resolvedAPIURL() string {
	switch {
	case g.apiURL != "":
		return g.apiURL
	case os.Getenv("PAGERDUTY_API_URL") != "":
		return os.Getenv("PAGERDUTY_API_URL")
	default:
		return pagerduty.DefaultAPIURL
	}
}

// source builds the PagerDuty adapter from flags and environment.
func (g *globalOptions) source() (*pagerduty.Client, error) {
	token, tokenSource := strings.TrimSpace(os.Getenv("PAGERDUTY_TOKEN")), "env PAGERDUTY_TOKEN"
	if g.tokenFile != "" {
		t, err := pagerduty.ReadTokenFile(g.tokenFile)
		if err != nil {
			return nil, usageError{err}
		}
		token, tokenSource = t, "token file "+g.tokenFile
	}
	if token == "" {
		return nil, usageError{errors.New("no PagerDuty token: set PAGERDUTY_TOKEN to a REST API token (or run `oncall demo` to try the built-in simulator)")}
	}
	return pagerduty.New(pagerduty.Config{
		Token:       token,
		APIURL:      g.resolvedAPIURL(),
		From:        os.Getenv("PAGERDUTY_FROM"),
		FromSetting: "PAGERDUTY_FROM",
		TokenSource: tokenSource,
		OnWait:      g.waits.notify,
	})
}

// journalPath picks the journal file: --db, then ONCALL_DB, then the XDG
// state directory.
func journalPath(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if env := os.Getenv("ONCALL_DB"); env != "" {
		return env, nil
	}
	p, err := store.DefaultPath()
	if err != nil {
		return "", fmt.Errorf("find the journal's directory: %w", err)
	}
	return p, nil
}

// labelFor names the API in the title bar: its host.
func labelFor(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return apiURL
	}
	return u.Host
}
