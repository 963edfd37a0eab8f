// Package premortems holds the example pre-mortems that ship with oncall:
// two workshops about services of the demo scenario (incident/pdsim),
// written the way a team would write its own. FS embeds them so that
// `oncall demo` shows a "foreseen" banner wherever the binary runs; they
// are also plain files to copy and adapt.
package premortems

import "embed"

// FS holds the pre-mortem files (*.md) of this directory.
//
//go:embed *.md
var FS embed.FS
