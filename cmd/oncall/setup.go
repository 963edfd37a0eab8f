package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/cmd/oncall/internal/config"
)

// ownConfig is the annotation of commands that read (or write) the
// configuration file themselves, so a broken file does not stop them: init
// refuses to edit it with its own message, doctor reports it.
const ownConfig = "oncall/own-config"

// prepare runs before every command: it opens the debug log when asked,
// then loads the configuration file and weighs it against flags and the
// environment. A file that does not load stops the command (exit 2) with
// the file and line.
func (g *globalOptions) prepare(cmd *cobra.Command, _ []string) error {
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.debug && g.logCloser == nil {
		log, closer, err := openDebugLog()
		if err != nil {
			return usageError{err}
		}
		g.log, g.logCloser = log, closer
		g.log.Info("start", "command", cmd.CommandPath(), "version", versionString())
	}
	if cmd.Annotations[ownConfig] != "" || !needsConfig(cmd) {
		return nil
	}
	path, explicit, err := config.Locate(g.configPath)
	cfg := config.Default()
	switch {
	case err != nil && explicit:
		return usageError{err}
	case err == nil:
		if cfg, err = config.Load(path, explicit); err != nil {
			return usageError{err}
		}
	}
	set, err := resolve(g.flagValues(cmd), os.Getenv, cfg)
	if err != nil {
		return err
	}
	g.set = set
	g.readOnly = set.readOnly // commands read the flag field; it now holds the weighed value
	g.log.Debug("settings", "config", cfg.Path, "api_url", set.apiURL, "api_url_from", set.apiURLFrom,
		"token_from", set.tokenFrom, "read_only", set.readOnly, "read_only_from", set.readOnlyFrom,
		"refresh", set.refresh, "runbooks_dir", set.runbooksDir, "theme", set.theme)
	return nil
}

// needsConfig is false for the commands that never use settings: shell
// completion and help must work whatever state the file is in.
func needsConfig(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		switch c.Name() {
		case "completion", "help", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd, "simulate":
			return false
		}
	}
	return true
}

// flagValues reads the global flags; cmd tells whether --read-only was
// given (nil: it was not).
func (g *globalOptions) flagValues(cmd *cobra.Command) flagValues {
	f := flagValues{apiURL: g.apiURL, tokenFile: g.tokenFile, db: g.db, runbooks: g.runbooks, readOnly: g.readOnly}
	if cmd != nil {
		f.readOnlySet = cmd.Flags().Changed("read-only")
	}
	return f
}

// close closes the debug log; run calls it after the command.
func (g *globalOptions) close() error {
	if g.logCloser == nil {
		return nil
	}
	err := g.logCloser.Close()
	g.logCloser = nil
	return err
}

// addHelpExamples makes cobra's own help and completion commands now, so
// that they carry examples like every other command. Call it after SetOut:
// the completion command writes to the output root has when it is made.
func addHelpExamples(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	examples := map[string]string{
		"help": `  oncall help
  oncall help export
  oncall help runbook lint`,
		"completion": `  source <(oncall completion bash)                                       # bash, this shell
  oncall completion zsh > "${fpath[1]}/_oncall"                          # zsh, from the next shell
  oncall completion fish > ~/.config/fish/completions/oncall.fish        # fish`,
		"bash": `  source <(oncall completion bash)                                       # this shell only
  oncall completion bash > ~/.local/share/bash-completion/completions/oncall   # every new shell`,
		"zsh": `  echo 'autoload -U compinit; compinit' >> ~/.zshrc                      # once, if not done yet
  oncall completion zsh > "${fpath[1]}/_oncall"                          # then start a new shell`,
		"fish": `  oncall completion fish | source                                        # this shell only
  oncall completion fish > ~/.config/fish/completions/oncall.fish        # every new shell`,
		"powershell": `  oncall completion powershell | Out-String | Invoke-Expression`,
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if ex, ok := examples[c.Name()]; ok && c.Example == "" {
			c.Example = ex
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// writable refuses a command that changes incidents in read-only mode.
func (g *globalOptions) writable(command string) error {
	if !g.set.readOnly {
		return nil
	}
	return usageError{fmt.Errorf("oncall %s changes incidents, and read-only mode is on (%s); nothing was journaled or sent", command, g.set.readOnlyFrom)}
}
