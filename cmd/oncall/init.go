package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/internal/xdg"
)

// initOptions are init's inputs; the answers come from in, one per line,
// so a test (or a provisioning script) can give them.
type initOptions struct {
	configFlag string
	apiURL     string // --api-url or PAGERDUTY_API_URL: offered as the region
	getenv     func(string) string
	hc         *http.Client
	in         io.Reader
	out        io.Writer
}

func newInitCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Set up oncall: token, region, runbooks; writes the configuration file",
		Long: `init asks a few questions and writes the configuration file
($XDG_CONFIG_HOME/oncall/config.yaml, or --config / ONCALL_CONFIG):

  - where the API token comes from: an environment variable, or a token
    file that init creates with mode 0600 from the token you paste;
  - the PagerDuty service region (US or EU);
  - the From email, when the token is an account token (it acts as no one);
  - the runbooks and postmortem drafts directories.

The token is checked with GET /users/me before anything is written. Run it
again to change answers: the file is edited in place, and keys and comments
init does not ask about are kept. The file is written with mode 0600.
Press enter to keep the answer in brackets.`,
		Example: `  oncall init
  oncall init --config ./team-config.yaml
  oncall init --api-url http://127.0.0.1:8089   # against oncall simulate`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{ownConfig: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			api := g.apiURL
			if api == "" {
				api = os.Getenv("PAGERDUTY_API_URL")
			}
			return runInit(cmd.Context(), initOptions{configFlag: g.configPath, apiURL: api, getenv: os.Getenv,
				hc: g.httpClient(), in: cmd.InOrStdin(), out: cmd.OutOrStdout()})
		},
	}
}

// asker reads one answer per line.
type asker struct {
	r   *bufio.Reader
	in  io.Reader
	out io.Writer
}

// ask prints the question and returns the answer, or def for an empty one.
func (a *asker) ask(question, def string) (string, error) {
	if def != "" {
		fmt.Fprintf(a.out, "%s [%s]: ", question, def)
	} else {
		fmt.Fprintf(a.out, "%s: ", question)
	}
	line, err := a.r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimSpace(line)
	if errors.Is(err, io.EOF) {
		fmt.Fprintln(a.out)
		if line == "" && def == "" {
			return "", usageError{fmt.Errorf("no answer to %q (input ended)", question)}
		}
	}
	if line == "" {
		return def, nil
	}
	return line, nil
}

// secret reads a line without echo when the input is a terminal.
func (a *asker) secret(question string) (string, error) {
	if f, ok := a.in.(*os.File); ok && term.IsTerminal(f.Fd()) && a.r.Buffered() == 0 {
		fmt.Fprintf(a.out, "%s (not shown): ", question)
		b, err := term.ReadPassword(f.Fd())
		fmt.Fprintln(a.out)
		return strings.TrimSpace(string(b)), err
	}
	return a.ask(question, "")
}

// choose asks for one of options (by number or name) and returns its index.
func (a *asker) choose(question string, options []string, def int) (int, error) {
	for {
		fmt.Fprintln(a.out, question)
		for i, o := range options {
			fmt.Fprintf(a.out, "  %d) %s\n", i+1, o)
		}
		ans, err := a.ask("Choose", fmt.Sprint(def+1))
		if err != nil {
			return 0, err
		}
		for i, o := range options {
			if ans == fmt.Sprint(i+1) || strings.EqualFold(ans, strings.Fields(o)[0]) {
				return i, nil
			}
		}
		fmt.Fprintf(a.out, "%q is not one of the choices.\n", ans)
	}
}

func runInit(ctx context.Context, o initOptions) error {
	path, _, err := config.Locate(o.configFlag)
	if err != nil {
		return err
	}
	// Never edit a file that does not load: the user's text comes first.
	cfg, err := config.Load(path, false)
	if err != nil {
		return usageError{fmt.Errorf("%w; fix it (or move it aside) before running init again", err)}
	}
	editing := cfg.Path != ""
	if editing {
		fmt.Fprintf(o.out, "Editing %s; press enter to keep an answer.\n", path)
	} else {
		fmt.Fprintf(o.out, "Writing %s; press enter to take the answer in brackets.\n", path)
	}
	a := &asker{r: bufio.NewReader(o.in), in: o.in, out: o.out}
	var set []config.Setting

	// Token source.
	defSource := 1
	if !cfg.IsSet("token_file") && o.getenv(orDefault(cfg.TokenEnv, config.DefaultTokenEnv)) != "" {
		defSource = 0
	}
	src, err := a.choose("Where does the PagerDuty API token come from?",
		[]string{"env   an environment variable", "file  a token file only you can read"}, defSource)
	if err != nil {
		return err
	}
	var token, tokenFrom, newTokenFile string
	if src == 0 {
		name, err := a.ask("Environment variable", orDefault(cfg.TokenEnv, config.DefaultTokenEnv))
		if err != nil {
			return err
		}
		token = strings.TrimSpace(o.getenv(name))
		if token == "" {
			return usageError{fmt.Errorf("%s is not set in this shell: export it (or choose a token file) and run oncall init again", name)}
		}
		tokenFrom = "env " + name
		tokenEnv := name
		if name == config.DefaultTokenEnv && !cfg.IsSet("token_env") {
			tokenEnv = ""
		}
		set = append(set, config.Setting{Key: "token_env", Value: tokenEnv}, config.Setting{Key: "token_file"})
	} else {
		def := cfg.TokenFile
		if def == "" {
			def = filepath.Join(filepath.Dir(path), "token")
		}
		file, err := a.ask("Token file", def)
		if err != nil {
			return err
		}
		file = config.ExpandHome(file)
		if _, serr := os.Stat(file); serr == nil {
			if token, err = pagerduty.ReadTokenFile(file); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(o.out, "Using the token already in %s.\n", file)
		} else if errors.Is(serr, fs.ErrNotExist) {
			if token, err = a.secret("Paste a PagerDuty REST API token"); err != nil {
				return err
			}
			if token == "" || strings.ContainsAny(token, " \t") {
				return usageError{errors.New("that is not a token: it should be one word (PagerDuty: User Settings > API Access)")}
			}
			newTokenFile = file
		} else {
			return fmt.Errorf("token file: %w", serr)
		}
		tokenFrom = "token file " + file
		set = append(set, config.Setting{Key: "token_file", Value: file})
	}

	// Region.
	regions := []string{"US " + usAPIURL, "EU " + euAPIURL}
	current := orDefault(o.apiURL, cfg.APIURL)
	def := 0
	switch current {
	case "", usAPIURL:
	case euAPIURL:
		def = 1
	default:
		regions = append(regions, "other "+current)
		def = 2
	}
	r, err := a.choose("Which PagerDuty service region is your account in?", regions, def)
	if err != nil {
		return err
	}
	apiURL := strings.Fields(regions[r])[1]
	set = append(set, config.Setting{Key: "api_url", Value: apiURL})

	// Verify before writing anything.
	fmt.Fprintf(o.out, "Checking the token with GET %s/users/me ... ", apiURL)
	pr, err := probe(ctx, apiURL, token, tokenFrom, o.hc)
	if err != nil {
		fmt.Fprintln(o.out, "failed.")
		if errors.Is(err, incident.ErrUnauthorized) && r == 0 {
			err = fmt.Errorf("%w (if your account is in the EU region, choose EU)", err)
		}
		return fmt.Errorf("nothing was written: %w", err)
	}
	if pr.account {
		fmt.Fprintln(o.out, "ok: an account token.")
		for {
			from, err := a.ask("An account token acts as no one: which PagerDuty login email should actions be recorded as", cfg.FromEmail)
			if err != nil {
				return err
			}
			if strings.Contains(from, "@") {
				set = append(set, config.Setting{Key: "from_email", Value: from})
				break
			}
			fmt.Fprintf(o.out, "%q is not an email address.\n", from)
		}
	} else {
		fmt.Fprintf(o.out, "ok: %s <%s>.\n", incident.Clean(pr.name), incident.Clean(pr.email))
	}

	// Directories.
	runbooksDef := cfg.RunbooksDir
	if runbooksDef == "" {
		runbooksDef = filepath.Join(xdg.ConfigHome(), "oncall", "runbooks")
		if fi, err := os.Stat("runbooks"); err == nil && fi.IsDir() {
			runbooksDef = "runbooks"
		}
	}
	rb, err := a.ask("Runbooks directory", runbooksDef)
	if err != nil {
		return err
	}
	pm, err := a.ask("Postmortem drafts directory", cfg.PostmortemsDir)
	if err != nil {
		return err
	}
	set = append(set, config.Setting{Key: "runbooks_dir", Value: rb}, config.Setting{Key: "postmortems_dir", Value: pm})

	if newTokenFile != "" {
		if err := writeTokenFile(newTokenFile, token); err != nil {
			return err
		}
		fmt.Fprintf(o.out, "Wrote the token to %s (mode 0600).\n", newTokenFile)
	}
	if err := config.Update(path, set); err != nil {
		return err
	}
	verb := "Wrote"
	if editing {
		verb = "Updated"
	}
	fmt.Fprintf(o.out, "%s %s. Check everything with: oncall doctor\n", verb, path)
	return nil
}

// writeTokenFile creates the token file, mode 0600, refusing to replace one.
func writeTokenFile(path, token string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("token file: %w", err)
	}
	return f.Close()
}
