package gotest

import (
	"hash/maphash"
	"math/rand/v2"
	"testing"
)

// TestRandomSeed logs values derived from the Go runtime's startup seed
// (AT_RANDOM, which the runtime prefers to getrandom): math/rand/v2's
// global source and a maphash seed. qemu's TestRandomPerBoot runs this in
// two boots and wants different values.
func TestRandomSeed(t *testing.T) {
	a, b := rand.Uint64(), rand.Uint64()
	if a == b {
		t.Errorf("two draws equal: %#x", a)
	}
	h := maphash.String(maphash.MakeSeed(), "beryl")
	t.Logf("seed-derived: rand %016x maphash %016x", a, h)
}
