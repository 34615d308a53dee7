//go:build race

package object

// raceEnabled says the tests run under the race detector (about ten
// times slower): stress sizes shrink.
const raceEnabled = true
