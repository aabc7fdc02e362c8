//go:build race

package rules

// raceEnabled: the race detector changes allocation figures.
const raceEnabled = true
