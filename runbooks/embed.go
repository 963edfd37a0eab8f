// Package runbooks holds the example runbooks that ship with oncall: one
// for each incident of the demo scenario (incident/pdsim), written the way
// a team would write its own. FS embeds them so that `oncall demo` has them
// wherever the binary runs; they are also plain files to copy and adapt.
package runbooks

import "embed"

// FS holds the runbook files (*.md) of this directory.
//
//go:embed *.md
var FS embed.FS
