package x86

// Hardware random numbers: RDRAND (the DRNG's CSPRNG output) and RDSEED
// (its entropy conditioner), SDM Vol. 1 §7.3.17 and Vol. 2B "RDRAND",
// "RDSEED". Either may fail transiently (CF = 0); callers retry.

// HasRDRAND reports CPUID.01H:ECX.RDRAND[bit 30].
//
//go:nosplit
func HasRDRAND() bool {
	_, _, ecx, _ := Cpuid(1, 0)
	return ecx&(1<<30) != 0
}

// HasRDSEED reports CPUID.(EAX=07H,ECX=0):EBX.RDSEED[bit 18].
//
//go:nosplit
func HasRDSEED() bool {
	if max, _, _, _ := Cpuid(0, 0); max < 7 {
		return false
	}
	_, ebx, _, _ := Cpuid(7, 0)
	return ebx&(1<<18) != 0
}

// rdrandRetries is how often Rdrand64 retries an underflow: Intel's DRNG
// guide (§5.2.1) treats 10 consecutive failures as a broken DRNG.
const rdrandRetries = 10

// rdseedRetries is larger: RDSEED fails whenever the conditioner has no
// fresh entropy yet, which is expected under load.
const rdseedRetries = 100

// Rdrand64 returns 64 random bits from RDRAND; ok is false if it failed
// rdrandRetries times in a row. The caller must have checked HasRDRAND.
// Allocation-free and nosplit (the kernel runtime's getrandom uses it).
//
//go:nosplit
func Rdrand64() (v uint64, ok bool) {
	for i := 0; i < rdrandRetries; i++ {
		if v, ok = rdrand64(); ok {
			return v, true
		}
	}
	return 0, false
}

// Rdseed64 returns 64 bits of conditioned entropy from RDSEED; ok is false
// if it failed rdseedRetries times in a row (PAUSE between tries). The
// caller must have checked HasRDSEED.
//
//go:nosplit
func Rdseed64() (v uint64, ok bool) {
	for i := 0; i < rdseedRetries; i++ {
		if v, ok = rdseed64(); ok {
			return v, true
		}
		Pause()
	}
	return 0, false
}

func rdrand64() (v uint64, ok bool)
func rdseed64() (v uint64, ok bool)
