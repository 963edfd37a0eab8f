//go:build !race

package postmortem

const raceEnabled = false
