//go:build !race

package generate

// raceDetector is set when the tests run with the race detector.
const raceDetector = false
