package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident/pagerduty"
)

// flagValues are the global flags as given; a zero value means not given
// (readOnlySet says whether --read-only was).
type flagValues struct {
	apiURL, tokenFile, db, runbooks string
	readOnly, readOnlySet           bool
}

// settings are the values in force after flags, the environment, the
// configuration file and the defaults have been weighed, in that order.
// Each xxxFrom names where a value came from, for doctor and the debug log
// (never the value of the token).
type settings struct {
	apiURL, apiURLFrom string
	// token is empty when none was found; tokenFile is set when it is to
	// be read from a file (read lazily, so a command that needs no token
	// does not fail on a bad file).
	token, tokenFile, tokenFrom string
	tokenEnv                    string // the variable consulted for the token
	// tokenType is "token" (a REST API key) or "oauth" (an OAuth access
	// token, sent as Bearer); tokenTypeFrom names where it came from.
	tokenType, tokenTypeFrom    string
	from, fromFrom              string
	db, dbFrom                  string // db empty: the XDG state directory
	readOnly                    bool
	readOnlyFrom                string
	runbooksDir, postmortemsDir string
	premortemsDir               string // from the configuration; "" for the default
	refresh, updateEvery        time.Duration
	keys                        map[string][]string
	theme                       string
	slos                        map[string]config.SLO
	// commands is how runbook commands run: workdir, masking, posting.
	commands config.Config
	// team is the team's zone and its working and sleep hours (Zone,
	// Location, WorkHours, SleepHours): the review's and the drafts'.
	team config.Config
}

// resolve weighs flags > environment > configuration file > defaults.
func resolve(f flagValues, getenv func(string) string, cfg *config.Config) (settings, error) {
	if cfg == nil {
		cfg = config.Default()
	}
	s := settings{
		runbooksDir: cfg.RunbooksDir, postmortemsDir: cfg.PostmortemsDir, premortemsDir: cfg.PremortemsDir, refresh: cfg.RefreshInterval, updateEvery: cfg.StatusUpdateEvery,
		keys: cfg.Keys, theme: cfg.Theme, slos: cfg.SLOs,
		commands: config.Config{RunbookWorkdir: cfg.RunbookWorkdir, RedactEnv: cfg.RedactEnv, Redact: cfg.Redact, PostOutput: cfg.PostOutput},
		team:     config.Config{Zone: cfg.Zone, Location: cfg.Location, WorkHours: cfg.WorkHours, SleepHours: cfg.SleepHours},
	}

	switch {
	case f.apiURL != "":
		s.apiURL, s.apiURLFrom = f.apiURL, "--api-url"
	case getenv("PAGERDUTY_API_URL") != "":
		s.apiURL, s.apiURLFrom = getenv("PAGERDUTY_API_URL"), "env PAGERDUTY_API_URL"
	case cfg.APIURL != "":
		s.apiURL, s.apiURLFrom = cfg.APIURL, "api_url in "+cfg.Path
	default:
		s.apiURL, s.apiURLFrom = pagerduty.DefaultAPIURL, "default"
	}

	s.tokenEnv = orDefault(cfg.TokenEnv, config.DefaultTokenEnv)
	switch {
	case f.tokenFile != "":
		s.tokenFile, s.tokenFrom = f.tokenFile, "token file "+f.tokenFile
	case strings.TrimSpace(getenv(s.tokenEnv)) != "":
		s.token, s.tokenFrom = strings.TrimSpace(getenv(s.tokenEnv)), "env "+s.tokenEnv
	case cfg.TokenFile != "":
		s.tokenFile, s.tokenFrom = cfg.TokenFile, "token file "+cfg.TokenFile
	}

	switch env := strings.ToLower(strings.TrimSpace(getenv("PAGERDUTY_TOKEN_TYPE"))); {
	case env != "":
		if !slices.Contains(config.TokenTypes, env) {
			return s, usageError{fmt.Errorf("PAGERDUTY_TOKEN_TYPE=%q: want %s", getenv("PAGERDUTY_TOKEN_TYPE"), strings.Join(config.TokenTypes, " or "))}
		}
		s.tokenType, s.tokenTypeFrom = env, "env PAGERDUTY_TOKEN_TYPE"
	case cfg.TokenType != "":
		s.tokenType, s.tokenTypeFrom = cfg.TokenType, "token_type in "+cfg.Path
	default:
		s.tokenType, s.tokenTypeFrom = pagerduty.TokenAPI, "default"
	}

	switch {
	case getenv("PAGERDUTY_FROM") != "":
		s.from, s.fromFrom = getenv("PAGERDUTY_FROM"), "PAGERDUTY_FROM"
	case cfg.FromEmail != "":
		s.from, s.fromFrom = cfg.FromEmail, "from_email in "+cfg.Path
	default:
		s.fromFrom = "PAGERDUTY_FROM" // what the adapter tells an account token to set
		if cfg.Path != "" {
			s.fromFrom = "PAGERDUTY_FROM or from_email in " + cfg.Path
		}
	}

	switch {
	case f.db != "":
		s.db, s.dbFrom = f.db, "--db"
	case getenv("ONCALL_DB") != "":
		s.db, s.dbFrom = getenv("ONCALL_DB"), "env ONCALL_DB"
	default:
		s.dbFrom = "default"
	}

	switch env := getenv("ONCALL_READ_ONLY"); {
	case f.readOnlySet:
		s.readOnly, s.readOnlyFrom = f.readOnly, "--read-only"
	case env != "":
		b, err := strconv.ParseBool(env)
		if err != nil {
			return s, usageError{fmt.Errorf("ONCALL_READ_ONLY=%q: want true or false", env)}
		}
		s.readOnly, s.readOnlyFrom = b, "env ONCALL_READ_ONLY"
	case cfg.IsSet("read_only"):
		s.readOnly, s.readOnlyFrom = cfg.ReadOnly, "read_only in "+cfg.Path
	default:
		s.readOnlyFrom = "default"
	}

	if f.runbooks != "" {
		s.runbooksDir = f.runbooks
	}
	if s.runbooksDir == "" {
		s.runbooksDir = defaultRunbooksDir()
	}
	return s, nil
}

// orDefault returns a, or b when a is empty.
func orDefault(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// loadToken fills in the token from its file, when it comes from one.
func (s *settings) loadToken() error {
	if s.token != "" || s.tokenFile == "" {
		return nil
	}
	t, err := pagerduty.ReadTokenFile(s.tokenFile)
	if err != nil {
		return usageError{err}
	}
	s.token = t
	return nil
}

// noTokenError says how to supply a token.
func (s *settings) noTokenError() error {
	return usageError{fmt.Errorf("no PagerDuty token: set %s to a REST API token, or run `oncall init` (or `oncall demo` to try the built-in simulator)", s.tokenEnv)}
}
