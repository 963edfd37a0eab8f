package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/store"
)

// The layers below the command line say what went wrong and return a
// sentinel; only the command line knows its own flags, variables and
// subcommands, so what to do about it is said here, in one place.

// adviceFor is the one line of advice for err's first known sentinel, ""
// when there is none. tokenEnv names the variable the token is read from.
func adviceFor(err error, tokenEnv string) string {
	if tokenEnv == "" {
		tokenEnv = "PAGERDUTY_TOKEN"
	}
	switch {
	case errors.Is(err, pagerduty.ErrNoToken):
		return fmt.Sprintf("set %s to a REST API token, or run oncall init (or oncall demo to try the built-in simulator)", tokenEnv)
	case errors.Is(err, incident.ErrTruncated):
		return "narrow by date (oncall incidents --since/--until), service, team, urgency or status"
	case errors.Is(err, store.ErrLocked):
		return "if that oncall is stuck, quit it, or point this one at another journal with --db or ONCALL_DB"
	case errors.Is(err, store.ErrNewerSchema):
		return "upgrade oncall, or point it at another journal with --db or ONCALL_DB"
	case errors.Is(err, store.ErrNotFile):
		return "point --db or ONCALL_DB at a file"
	case errors.Is(err, store.ErrNotWritable):
		return "oncall --read-only can still read it"
	}
	return ""
}

// advised is an error with its advice: the message gains "; advice",
// and errors.Is and errors.As still see the error itself.
type advised struct {
	error
	advice string
}

func (a advised) Error() string { return a.error.Error() + "; " + a.advice }
func (a advised) Unwrap() error { return a.error }

// withAdvice adds to err the advice for its sentinel, unless its message
// already carries it.
func withAdvice(err error, tokenEnv string) error {
	if err == nil {
		return nil
	}
	a := adviceFor(err, tokenEnv)
	if a == "" || strings.Contains(err.Error(), a) {
		return err
	}
	return advised{err, a}
}

// runbookAdvice starts the first of the loader's complaints, the one the
// view shows, with where to see them all: first, since a long path may be
// cut at the screen's edge.
func runbookAdvice(problems []string) []string {
	if len(problems) == 0 {
		return problems
	}
	out := append([]string(nil), problems...)
	out[0] = runbookLintAdvice + "; " + out[0]
	return out
}

const runbookLintAdvice = "oncall runbook lint lists all"
