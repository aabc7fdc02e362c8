//go:build !race

package cli

// raceDetector is set when the tests run with the race detector.
const raceDetector = false
