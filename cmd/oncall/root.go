package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/store"
	"github.com/oncallkit/oncall/store/outbox"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	apiURL    string
	db        string
	readOnly  bool
	tokenFile string
	runbooks  string
	// premortems is --premortems: the view's banner and tab, the drafts'
	// section, and every premortem subcommand read it (premortem.go).
	premortems string
	// waits carries the adapter's "rate limited, retrying" notices to the
	// TUI once it runs.
	waits waitRelay
	// program adds options to the interactive view's Bubble Tea program:
	// tests give it an input, an output and a size instead of the
	// terminal.
	program []tea.ProgramOption

	configPath string // --config
	debug      bool   // --debug
	// set is what flags, environment, configuration file and defaults
	// come to (see prepare); log is the debug log (discarded without
	// --debug), logCloser its file.
	set       settings
	log       *slog.Logger
	logCloser io.Closer
	// outbox is the outbox's timing as the hidden flags
	// --outbox-attempt-timeout and --outbox-settle set it (zero: the
	// defaults), so that a test can scale the settle rule down and see
	// many settle periods in a minute.
	outbox outbox.Options
}

func newRootCmd() *cobra.Command {
	root, _ := newRoot()
	addHelpExamples(root)
	return root
}

// newRoot builds the command tree; run closes g's debug log after it ran.
func newRoot() (*cobra.Command, *globalOptions) {
	root, g := newRootAlone()
	addSubcommands(root, g)
	return root, g
}

// newRootFor builds what args need: the root alone when they can only
// open the interactive view (no subcommand, no help, at most an
// incident), else the whole tree. The view is where a person waits at
// start, and the tree's sixty commands and their flags are some 50 page
// faults of fresh memory, a couple of milliseconds here, that it never
// uses. Whenever in doubt, the whole tree.
func newRootFor(args []string) (*cobra.Command, *globalOptions) {
	root, g := newRootAlone()
	if opensViewOnly(root, args) {
		root.CompletionOptions.DisableDefaultCmd = true // nor cobra's completion commands
	} else {
		addSubcommands(root, g)
	}
	return root, g
}

// opensViewOnly reports whether args are the root's own flags and at
// most one incident: the command line of the interactive view.
func opensViewOnly(root *cobra.Command, args []string) bool {
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			f := root.PersistentFlags().Lookup(name)
			if f == nil || name == "help" || name == "version" {
				return false // a subcommand's flag, a mistake, or help: cobra says
			}
			if !hasValue && f.Value.Type() != "bool" {
				i++ // its value is the next argument
			}
		case strings.HasPrefix(a, "-") && a != "-":
			return false // the root's own flags have no short forms but -h and -v
		default:
			positional = append(positional, a)
		}
	}
	switch len(positional) {
	case 0:
		return true
	case 1:
		_, err := parseIncidentRef(positional[0])
		return err == nil
	}
	return false
}

// newRootAlone is the root command with its flags, without subcommands.
func newRootAlone() (*cobra.Command, *globalOptions) {
	g := &globalOptions{log: slog.New(slog.DiscardHandler)}
	root := &cobra.Command{
		Use:   "oncall [INCIDENT]",
		Short: "The terminal on-call companion for PagerDuty incidents",
		Long: `oncall lists active PagerDuty incidents, shows each one's live timeline,
journals every action locally before sending it, and writes postmortem drafts.

Without a subcommand it opens the interactive view against PagerDuty,
using the token in PAGERDUTY_TOKEN or the configuration file that
oncall init writes; given an incident (PT4KHLK, 1045 or #1045, resolved
ones too), it opens the view on that incident, with the list behind it.
Try it first with: oncall demo`,
		Example: `  oncall demo                        # the built-in simulator, no account needed
  oncall init && oncall doctor        # set up for your account, then check
  PAGERDUTY_TOKEN=... oncall          # your PagerDuty account
  oncall 1045                         # straight to incident #1045
  oncall --api-url https://api.eu.pagerduty.com   # the EU service region`,
		Version:       version, // the whole versionString is worked out only when asked for (runWith)
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          rootArgs,
		// cobra's default, which it applies only where it suggests.
		SuggestionsMinimumDistance: 2,
		ValidArgsFunction:          completeIncidents(g.factory()),
		PersistentPreRunE:          g.prepare,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := g.factory()
			src, err := f.Source()
			if err != nil {
				return err
			}
			opts := f.ViewOptions(src, labelFor(g.resolvedAPIURL()), g.set.from)
			if len(args) == 1 {
				opts.Open = args[0] // as typed: runTUI looks it up in the journal it opens
			}
			return runTUI(cmd.Context(), f, opts, viewFiles{runbooks: runbookSource{dir: g.set.runbooksDir}, premortems: g.viewPremortems})
		},
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "configuration file (env ONCALL_CONFIG; default $XDG_CONFIG_HOME/oncall/config.yaml)")
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "write a debug log to $XDG_STATE_HOME/oncall/debug.log (never to the terminal; never the token)")
	root.PersistentFlags().StringVar(&g.apiURL, "api-url", "", "PagerDuty API base URL (env PAGERDUTY_API_URL; default "+pagerduty.DefaultAPIURL+")")
	root.PersistentFlags().StringVar(&g.db, "db", "", "journal file (env ONCALL_DB; default in the XDG state directory)")
	root.PersistentFlags().StringVar(&g.tokenFile, "token-file", "", "read the API token from this file (mode 0600) instead of PAGERDUTY_TOKEN")
	root.PersistentFlags().StringVar(&g.runbooks, "runbooks", "", "runbooks directory (config runbooks_dir; default ./runbooks if present, else $XDG_CONFIG_HOME/oncall/runbooks)")
	root.PersistentFlags().StringVar(&g.premortems, "premortems", "", "pre-mortems directory (config premortems_dir; default ./premortems if present, else $XDG_CONFIG_HOME/oncall/premortems)")
	root.PersistentFlags().BoolVar(&g.readOnly, "read-only", false, "look, don't touch: every action that changes an incident is disabled")
	root.PersistentFlags().DurationVar(&g.outbox.AttemptTimeout, "outbox-attempt-timeout", 0, "how long one call to PagerDuty for a queued action may take (for tests)")
	root.PersistentFlags().DurationVar(&g.outbox.Settle, "outbox-settle", 0, "how long after an attempt began it may still land; shorter than the network's worst delay risks duplicates (for tests)")
	_ = root.PersistentFlags().MarkHidden("outbox-attempt-timeout")
	_ = root.PersistentFlags().MarkHidden("outbox-settle")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	return root, g
}

// addSubcommands adds every subcommand to root.
func addSubcommands(root *cobra.Command, g *globalOptions) {
	root.AddCommand(newDemoCmd(g), newSimulateCmd(), newExportCmd(g))
	root.AddCommand(newIncidentsCmd(g), newNoteCmd(g))
	root.AddCommand(newVerbCmds(g)...)
	addStateCmds(root, g)
	root.AddCommand(newSyncCmd(g), newLogCmd(g), newRunbookCmd(g), newPostmortemCmd(g))
	root.AddCommand(newInitCmd(g), newDoctorCmd(g))
	root.AddCommand(newPremortemCmd(g))
	root.AddCommand(newReviewCmd(g))
}

// rootArgs accepts at most one argument, an incident. Anything else is
// most likely a mistyped subcommand, and is reported as one.
func rootArgs(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) > 1:
		return usageError{fmt.Errorf("oncall takes at most one incident (PT4KHLK, 1045 or #1045), not %d arguments; see oncall --help", len(args))}
	case len(args) == 1:
		if _, err := parseIncidentRef(args[0]); err != nil {
			msg := fmt.Sprintf("unknown command %s for %q, and not an incident id (PT4KHLK) or number (1045)", quoteArg(args[0]), cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usageError{errors.New(msg)}
		}
	}
	return nil
}

func (g *globalOptions) resolvedAPIURL() string {
	switch {
	case g.set.apiURL != "":
		return g.set.apiURL
	case g.apiURL != "":
		return g.apiURL
	case os.Getenv("PAGERDUTY_API_URL") != "":
		return os.Getenv("PAGERDUTY_API_URL")
	default:
		return pagerduty.DefaultAPIURL
	}
}

// source builds the PagerDuty adapter from the settings (flags >
// environment > configuration file > defaults).
func (g *globalOptions) source() (*pagerduty.Client, error) {
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.set.tokenEnv == "" { // not prepared (a test calling in directly)
		set, err := resolve(g.flagValues(nil), os.Getenv, nil)
		if err != nil {
			return nil, err
		}
		g.set = set
	}
	if err := g.set.loadToken(); err != nil {
		return nil, err
	}
	if g.set.token == "" {
		return nil, g.set.noTokenError()
	}
	g.log.Debug("pagerduty", "api_url", g.set.apiURL, "api_url_from", g.set.apiURLFrom, "token_from", g.set.tokenFrom, "token_type", g.set.tokenType, "token_type_from", g.set.tokenTypeFrom, "from_set", g.set.from != "")
	return pagerduty.New(pagerduty.Config{
		Token:       g.set.token,
		TokenType:   g.set.tokenType,
		APIURL:      g.set.apiURL,
		From:        g.set.from,
		FromSetting: g.set.fromFrom,
		TokenSource: g.set.tokenFrom,
		HTTPClient:  g.httpClient(),
		OnWait: func(d time.Duration, reason string) {
			g.log.Debug("wait", "for", d, "reason", reason)
			g.waits.notify(d, reason)
		},
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
