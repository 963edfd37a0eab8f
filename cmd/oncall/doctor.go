package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/runbook"
	"github.com/oncallkit/oncall/store"
)

// doctorOptions are what doctor looks at; tests set the clock and the
// environment.
type doctorOptions struct {
	configFlag string
	flags      flagValues
	getenv     func(string) string
	now        func() time.Time
	hc         *http.Client
	out        io.Writer
}

// checkResult is one line of doctor's report.
type checkResult struct {
	name   string
	status string // "ok", "warn" or "FAIL"
	detail string
	fix    string
	code   int // the exit code a FAIL stands for
}

func (c checkResult) String() string {
	s := fmt.Sprintf("%-4s  %-8s  %s", c.status, c.name, incident.Clean(c.detail))
	if c.fix != "" {
		s += "; fix: " + incident.Clean(c.fix)
	}
	return s
}

func newDoctorCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, the token, PagerDuty, the journal and the terminal",
		Long: `doctor checks everything oncall needs and prints one line per check,
with a fix for each problem: the configuration file, the API token, whether
PagerDuty answers (and in which service region), the clock against
PagerDuty's, the journal, the runbooks and the terminal.

It exits 0 when nothing blocks use; otherwise with the code of the first
blocking problem: 1 error (journal), 2 usage (configuration, missing
token), 3 authentication (token rejected), 4 PagerDuty unreachable.
Warnings do not change the exit code.`,
		Example: `  oncall doctor
  oncall doctor --config ./team-config.yaml
  oncall doctor --api-url https://api.eu.pagerduty.com   # try the EU region`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{ownConfig: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), doctorOptions{
				configFlag: g.configPath, flags: g.flagValues(cmd), getenv: os.Getenv, now: time.Now,
				hc: g.httpClient(), out: cmd.OutOrStdout(),
			})
		},
	}
}

// runDoctor prints the checks and returns an error carrying the exit code
// of the first blocking problem.
func runDoctor(ctx context.Context, o doctorOptions) error {
	var results []checkResult
	report := func(r checkResult) {
		results = append(results, r)
		fmt.Fprintln(o.out, r)
	}

	// Configuration.
	cfg := config.Default()
	path, explicit, err := config.Locate(o.configFlag)
	switch {
	case err != nil:
		report(checkResult{"config", "FAIL", err.Error(), "set XDG_CONFIG_HOME, or name a file with --config", exitUsage})
	default:
		c, lerr := config.Load(path, explicit)
		switch {
		case lerr != nil:
			fix := "correct that line; every key is described in the README, under Configuration"
			var ce *config.Error
			if errors.As(lerr, &ce) && ce.Line == 0 {
				fix = "run oncall init, or point --config / ONCALL_CONFIG at the right file"
			}
			report(checkResult{"config", "FAIL", lerr.Error(), fix, exitUsage})
		case c.Path == "":
			report(checkResult{"config", "ok", "no file at " + path + "; defaults in use", "", 0})
		default:
			cfg = c
			report(checkResult{"config", "ok", path, "", 0})
		}
	}
	s, err := resolve(o.flags, o.getenv, cfg)
	if err != nil {
		report(checkResult{"config", "FAIL", err.Error(), "unset it or give one of the values it names", exitUsage})
	}

	// Token and API: one request tells both, and the clock.
	tokenErr := s.loadToken()
	var tokenLine checkResult
	switch {
	case tokenErr != nil:
		tokenLine = checkResult{"token", "FAIL", tokenErr.Error(), tokenFileFix(tokenErr, s.tokenFile), exitUsage}
	case s.token == "":
		tokenLine = checkResult{"token", "FAIL", "no PagerDuty token found (looked at --token-file, " + s.tokenEnv + ", token_file)",
			"run oncall init, or export " + s.tokenEnv + "=<a REST API token>", exitUsage}
	}
	pr, perr := probeAs(ctx, s.apiURL, s.token, s.tokenType, s.tokenFrom, o.hc)
	region := regionOf(s.apiURL)
	switch {
	case tokenLine.status != "":
	case errors.Is(perr, incident.ErrUnauthorized) || errors.Is(perr, incident.ErrForbidden):
		fix := "make a new REST API token in PagerDuty (User Settings > API Access, or Integrations > API Access Keys) and update " + s.tokenFrom
		if !strings.Contains(region, "EU") {
			fix += "; if your account is in the EU service region, use --api-url " + euAPIURL
		}
		if s.tokenType == pagerduty.TokenOAuth {
			fix = "get a new OAuth access token (they expire) and update " + s.tokenFrom + ", or, if it is a REST API key, drop the OAuth setting (" + s.tokenTypeFrom + ")"
		} else {
			fix += "; if it is an OAuth access token, set token_type: oauth in the config (or PAGERDUTY_TOKEN_TYPE=oauth)"
		}
		tokenLine = checkResult{"token", "FAIL", perr.Error(), fix, exitAuth}
	case !pr.reachable:
		tokenLine = checkResult{"token", "warn", "present (" + s.tokenFrom + "), not verified: PagerDuty did not answer", "", 0}
	case perr != nil:
		tokenLine = checkResult{"token", "warn", "present (" + s.tokenFrom + "), not verified: " + perr.Error(), "", 0}
	case pr.account && s.from == "":
		tokenLine = checkResult{"token", "warn", "valid account token (" + s.tokenFrom + "), but no From email: acknowledging and notes will fail",
			"set from_email in the config (or PAGERDUTY_FROM) to your PagerDuty login email", 0}
	case pr.account:
		tokenLine = checkResult{"token", "ok", "valid account token (" + s.tokenFrom + "); actions as " + s.from, "", 0}
	case s.from != "" && !strings.EqualFold(s.from, pr.email):
		// A user's token acts as its user: PagerDuty (and pdsim) name that
		// user on every note and acknowledgement, whatever From says.
		tokenLine = checkResult{"token", "warn", fmt.Sprintf("valid, user %s <%s> (%s), but %s is %s: actions will carry %s's name",
			pr.name, pr.email, s.tokenFrom, s.fromFrom, s.from, pr.name),
			"use " + s.from + "'s own token, or set " + s.fromFrom + " to " + pr.email + " (or remove it)", 0}
	default:
		tokenLine = checkResult{"token", "ok", fmt.Sprintf("valid, user %s <%s> (%s)", pr.name, pr.email, s.tokenFrom), "", 0}
	}
	if s.tokenType == pagerduty.TokenOAuth && tokenLine.status != "FAIL" {
		tokenLine.detail += "; sent as an OAuth Bearer token (" + s.tokenTypeFrom + ")"
	}
	report(tokenLine)
	if pr.reachable {
		report(checkResult{"api", "ok", fmt.Sprintf("%s answers in %s; region %s (%s)", s.apiURL, pr.rtt.Round(time.Millisecond), region, s.apiURLFrom), "", 0})
	} else {
		report(checkResult{"api", "FAIL", perr.Error(),
			"check the network, VPN or HTTPS proxy; the region is chosen with api_url or --api-url (US " + usAPIURL + ", EU " + euAPIURL + ")", exitUnreachable})
	}

	// Clock: the Date header is whole seconds; the request's midpoint is
	// the best guess of when it was written.
	switch {
	case pr.date.IsZero():
		report(checkResult{"clock", "warn", "not checked: no Date header from PagerDuty", "", 0})
	default:
		local := o.now().Add(-time.Since(pr.sent) + pr.rtt/2)
		skew := local.Sub(pr.date).Round(time.Second)
		if skew.Abs() > 10*time.Second {
			report(checkResult{"clock", "warn", fmt.Sprintf("this machine's clock is %s %s PagerDuty's: timeline times and ages will be off", skew.Abs(), aheadBehind(skew)),
				"turn on time synchronisation (NTP), e.g. timedatectl set-ntp true", 0})
		} else {
			report(checkResult{"clock", "ok", fmt.Sprintf("within %s of PagerDuty's", max(skew.Abs(), time.Second)), "", 0})
		}
	}

	report(checkJournal(s.db))
	report(checkRunbooks(s.runbooksDir, o.now()))
	report(checkTerminal(o.out, o.getenv))

	for _, r := range results {
		if r.status != "FAIL" {
			continue
		}
		n := 0
		for _, x := range results {
			if x.status == "FAIL" {
				n++
			}
		}
		msg := fmt.Sprintf("doctor: %d problems block use, the first in %s", n, r.name)
		if n == 1 {
			msg = "doctor: 1 problem blocks use, in " + r.name
		}
		switch r.code {
		case exitUsage:
			return usageError{errors.New(msg)}
		case exitAuth:
			return fmt.Errorf("%s: %w", msg, incident.ErrUnauthorized)
		case exitUnreachable:
			return fmt.Errorf("%s: %w", msg, incident.ErrUnreachable)
		default:
			return errors.New(msg)
		}
	}
	return nil
}

func aheadBehind(d time.Duration) string {
	if d > 0 {
		return "ahead of"
	}
	return "behind"
}

func tokenFileFix(err error, path string) string {
	switch {
	case strings.Contains(err.Error(), "chmod"):
		return "run: chmod 600 " + path
	case errors.Is(err, fs.ErrNotExist):
		return "create it with oncall init, or point token_file / --token-file at the right file"
	}
	return "the file must hold only the token; oncall init can write it"
}

// checkJournal opens the journal (which proves its structure valid and the
// file writable) and reads every stored value (store's Check), or, when
// there is none yet, checks that it can be created. Values set aside as
// damaged are a warning: the rest works, but what they held is not sent.
func checkJournal(flag string) checkResult {
	path, err := journalPath(flag)
	if err != nil {
		return checkResult{"journal", "FAIL", err.Error(), "set XDG_STATE_HOME, or name a file with --db", exitError}
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := writableDir(filepath.Dir(path)); err != nil {
			return checkResult{"journal", "FAIL", "cannot create " + path + ": " + err.Error(), "make the directory writable, or use --db / ONCALL_DB", exitError}
		}
		return checkResult{"journal", "ok", path + " (new; will be created)", "", 0}
	}
	j, err := store.Open(path)
	switch {
	case errors.Is(err, store.ErrLocked):
		return checkResult{"journal", "FAIL", err.Error(), "an oncall process is stuck holding it: quit it, or give this one its own with --db", exitError}
	case errors.Is(err, store.ErrCorrupt):
		return checkResult{"journal", "FAIL", err.Error(), "move it aside (mv " + path + " " + path + ".broken); a new one is started", exitError}
	case err != nil:
		return checkResult{"journal", "FAIL", err.Error(), "make it readable and writable by you, or use --db", exitError}
	}
	defer j.Close()
	problems, err := j.Check()
	if err != nil {
		return checkResult{"journal", "FAIL", err.Error(), "make it readable and writable by you, or use --db", exitError}
	}
	if len(problems) > 0 {
		return checkResult{"journal", "FAIL", fmt.Sprintf("%s: %d damaged value(s), first: %s", path, len(problems), problems[0]),
			"run oncall sync or open the TUI: damaged values are set aside when read; or move the file aside (mv " + path + " " + path + ".broken)", exitError}
	}
	set, err := j.Quarantined()
	if err != nil {
		return checkResult{"journal", "FAIL", err.Error(), "make it readable and writable by you, or use --db", exitError}
	}
	if len(set) > 0 {
		return checkResult{"journal", "warn", fmt.Sprintf("%s: %d damaged value(s) set aside, latest: %s", path, len(set), set[len(set)-1]),
			"check PagerDuty for the actions named there: they were not sent from this journal", 0}
	}
	return checkResult{"journal", "ok", path + " (writable, every value checked)", "", 0}
}

// writableDir checks that a file can be made in dir, or in the nearest
// ancestor that exists (the rest would be created).
func writableDir(dir string) error {
	for {
		if _, err := os.Stat(dir); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return errors.New("no existing parent directory")
		}
		dir = parent
	}
	f, err := os.CreateTemp(dir, ".oncall-doctor-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func checkRunbooks(dir string, now time.Time) checkResult {
	diags, loaded, err := runbook.Lint(dir, now)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return checkResult{"runbooks", "warn", "no runbooks: " + dir + " does not exist",
			"create it and add runbooks (see README, Runbooks), or set runbooks_dir", 0}
	case err != nil:
		return checkResult{"runbooks", "warn", err.Error(), "set runbooks_dir to a readable directory", 0}
	}
	errs, warns := tally(diags)
	detail := fmt.Sprintf("%s: %d loaded, %d errors, %d warnings", dir, loaded, errs, warns)
	if errs > 0 || warns > 0 {
		return checkResult{"runbooks", "warn", detail, "see them with: oncall runbook lint " + dir, 0}
	}
	return checkResult{"runbooks", "ok", detail, "", 0}
}

// checkTerminal reports colours (NO_COLOR, COLORTERM, TERM) and, when out
// is a terminal, its size.
func checkTerminal(out io.Writer, getenv func(string) string) checkResult {
	var colors string
	status, fix := "ok", ""
	termName := getenv("TERM")
	switch ct := strings.ToLower(getenv("COLORTERM")); {
	case getenv("NO_COLOR") != "":
		colors = "no colours (NO_COLOR is set)"
	case termName == "dumb":
		colors, status, fix = "no colours (TERM=dumb)", "warn", "run it in a terminal emulator with TERM such as xterm-256color"
	case ct == "truecolor" || ct == "24bit":
		colors = "24-bit colours"
	case strings.Contains(termName, "256color"):
		colors = "256 colours"
	case termName == "":
		colors, status, fix = "TERM is not set", "warn", "set TERM (e.g. xterm-256color) so the view can draw"
	default:
		colors = "16 colours (TERM=" + termName + ")"
	}
	size := "size unknown: output is not a terminal"
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		if w, h, err := term.GetSize(f.Fd()); err == nil {
			size = fmt.Sprintf("%dx%d", w, h)
			if w < 80 || h < 24 {
				status, fix = "warn", "the view is made for at least 80x24; widen the window"
			}
		}
	}
	return checkResult{"terminal", status, colors + ", " + size, fix, 0}
}
