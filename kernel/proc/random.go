package proc

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"

	"beryl/arch/x86"
	"beryl/kernel/linux"
	"beryl/kernel/rt"
)

// sysGetrandom serves getrandom(2), at most 64 KiB a call; flags are
// ignored: the generator never blocks.
func sysGetrandom(t *Thread, a *[6]uint64) (int64, bool) {
	n := min(a[1], 1<<16)
	b := make([]byte, n)
	fillRandom(b)
	if t.P.AS.CopyOut(a[0], b) != nil {
		return -linux.EFAULT, false
	}
	return int64(n), false
}

var (
	rngMu  sync.Mutex
	rng    *rand.ChaCha8
	rngOut int // bytes since the last seeding
	// rngExtra is entropy zx_cprng_add_entropy gave, hashed into the next
	// seed (which it brings forward to the next draw).
	rngExtra [32]byte
)

// FillRandom fills b from the kernel's CSPRNG (zx_cprng_draw, getrandom).
func FillRandom(b []byte) { fillRandom(b) }

// AddEntropy mixes b into the generator's next seed and makes the next
// draw reseed (zx_cprng_add_entropy).
func AddEntropy(b []byte) {
	rngMu.Lock()
	defer rngMu.Unlock()
	for i, x := range b {
		j := i % len(rngExtra)
		rngExtra[j] = rngExtra[j]*31 + x
	}
	rngOut = rngReseed
}

// rngReseed is how many bytes the generator gives before it is seeded
// afresh from the hardware.
const rngReseed = 1 << 20

// fillRandom serves getrandom from a ChaCha8 generator (a CSPRNG with fast
// key erasure; crypto/rand would pull the FIPS DRBG, with 32 MiB of BSS,
// into the kernel image). Its 256-bit seed comes from RDSEED, else RDRAND,
// mixed with the TSC and the clocks, and is renewed every rngReseed bytes.
// Without RDSEED and RDRAND only the TSC and clocks seed it: then it is
// not cryptographic (RandomSource says which).
func fillRandom(b []byte) {
	rngMu.Lock()
	defer rngMu.Unlock()
	if rng == nil || rngOut >= rngReseed {
		seed := hardwareSeed()
		for i := range seed {
			seed[i] ^= rngExtra[i]
		}
		rng, rngOut = rand.NewChaCha8(seed), 0
	}
	rng.Read(b)
	rngOut += len(b)
}

// hardwareSeed returns 32 bytes from the best source there is.
func hardwareSeed() [32]byte {
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[0:], x86.Rdtsc())
	binary.LittleEndian.PutUint64(seed[8:], uint64(rt.Nanotime()))
	binary.LittleEndian.PutUint64(seed[16:], uint64(time.Now().UnixNano()))
	_, src := hwRandom()
	for i := 0; i < 4 && src != nil; i++ {
		v, ok := src()
		if !ok {
			break
		}
		binary.LittleEndian.PutUint64(seed[8*i:], binary.LittleEndian.Uint64(seed[8*i:])^v)
	}
	return seed
}

// hwRandom returns the best hardware source and its name: RDSEED (the
// entropy source RDRAND's generator is seeded from), else RDRAND, else
// "TSC" and nil.
func hwRandom() (string, func() (uint64, bool)) {
	switch {
	case x86.HasRDSEED():
		return "RDSEED", x86.Rdseed64
	case x86.HasRDRAND():
		return "RDRAND", x86.Rdrand64
	}
	return "TSC", nil
}

// RandomSource names what seeds user processes' getrandom: "RDSEED",
// "RDRAND" or "TSC" (then it is not cryptographic).
func RandomSource() string {
	name, _ := hwRandom()
	return name
}
