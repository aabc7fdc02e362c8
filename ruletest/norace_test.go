//go:build !race

package ruletest

// raceDetector is set when the tests run with the race detector.
const raceDetector = false
