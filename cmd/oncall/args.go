package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// argCount accepts from minArgs to maxArgs arguments. Any other count is
// a usage error whose text is usage: it says what the command takes, with
// an example, because the person who got it wrong is looking at the
// terminal, not at --help.
func argCount(minArgs, maxArgs int, usage string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < minArgs || len(args) > maxArgs {
			return usageError{errors.New(usage)}
		}
		return nil
	}
}
