// Command oncall is the terminal on-call companion: it lists PagerDuty
// incidents, shows their live timelines, journals every responder action
// locally before sending it, and writes postmortem drafts.
//
// This package only parses flags and wires the parts together; each
// subcommand (one file each) has an options struct and a run function so
// that behaviour is tested apart from parsing.
//
// Invariants:
//   - The factory (factory.go) is the one place that builds the PagerDuty
//     source and opens the journal; read-only mode is honoured there,
//     before any file is touched.
//   - Every command runs under one context, cancelled by SIGINT or SIGTERM,
//     and passes it down; no command starts a fresh one, so quitting
//     stops every request and write in flight.
//   - Advice that names this program's flags, variables and subcommands is
//     written here (advice.go); the layers below return sentinel errors.
//   - A wrong invocation is a usage error (exit 2) that says what was
//     expected, with an example; the other exit codes are the constants
//     below, the same for every non-interactive command.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
)

// Exit codes, the same for every non-interactive command.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitAuth        = 3
	exitUnreachable = 4
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns its exit code. Errors are one
// line on stderr, never a stack trace.
func run(args []string, stdout, stderr io.Writer) int {
	return runWith(args, nil, stdout, stderr)
}

// runWith is run with a standard input (nil: the process's). An interrupt
// or a termination signal cancels the command's context, so a request in
// flight is abandoned and the command returns through its own cleanup
// (the journal closed, the outbox's attempt recorded) instead of dying
// mid-write; a second signal, after the command has stopped listening,
// kills as usual.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd, g := newRootFor(args)
	return runRoot(cmd, g, args, stdin, stdout, stderr)
}

// runRoot runs args on the command tree cmd (newRoot's or newRootFor's).
func runRoot(cmd *cobra.Command, g *globalOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer g.close()
	if asksVersion(args) {
		// Reading the build information costs every start some 20 page
		// faults; only --version shows it.
		cmd.Version = versionString()
	}
	cmd.SetArgs(args)
	if stdin != nil {
		cmd.SetIn(stdin)
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	addHelpExamples(cmd) // after SetOut: the completion command keeps the writer it finds
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		g.log.Info("done", "exit", exitOK)
		return exitOK
	}
	if !errors.As(err, new(usageError)) && isCobraUsage(err) {
		err = usageError{err}
	}
	msg := incident.Clean(withAdvice(err, g.set.tokenEnv).Error())
	g.log.Info("done", "exit", exitCode(err), "err", msg)
	fmt.Fprintln(stderr, "oncall: "+msg)
	return exitCode(err)
}

// asksVersion reports whether args may ask for --version (or -v, alone
// or among other short flags). It looks past "--" too, which may be a
// flag's value: a false yes costs only time.
func asksVersion(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--version" || strings.HasPrefix(a, "--version="):
			return true
		case len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a, 'v'):
			return true
		}
	}
	return false
}

// isCobraUsage recognises cobra's own complaints about the command line,
// which it returns as plain errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires ", "invalid argument"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// usageError marks mistakes in how a command was called.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func exitCode(err error) int {
	var ue usageError
	var ce commandExit // oncall runbook run exits with its command's status
	switch {
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, incident.ErrUnauthorized), errors.Is(err, incident.ErrForbidden):
		return exitAuth
	case errors.Is(err, incident.ErrUnreachable):
		return exitUnreachable
	default:
		return exitError
	}
}
