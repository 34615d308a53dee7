package x86

import (
	"os"
	"strings"
	"testing"
)

// TestRand runs on the host (RDRAND, RDSEED and CPUID work in ring 3): the
// CPUID bits agree with the host kernel's view, and where the instructions
// exist they succeed and do not repeat themselves.
func TestRand(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, l := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = strings.Fields(v)
			break
		}
	}
	has := func(f string) bool {
		for _, x := range flags {
			if x == f {
				return true
			}
		}
		return false
	}
	if HasRDRAND() != has("rdrand") || HasRDSEED() != has("rdseed") {
		t.Fatalf("CPUID: RDRAND %v RDSEED %v; /proc/cpuinfo: rdrand %v rdseed %v",
			HasRDRAND(), HasRDSEED(), has("rdrand"), has("rdseed"))
	}
	for _, src := range []struct {
		name string
		has  bool
		f    func() (uint64, bool)
	}{{"RDRAND", HasRDRAND(), Rdrand64}, {"RDSEED", HasRDSEED(), Rdseed64}} {
		if !src.has {
			continue
		}
		seen := map[uint64]bool{}
		for i := 0; i < 32; i++ {
			v, ok := src.f()
			if !ok {
				t.Fatalf("%s failed", src.name)
			}
			seen[v] = true
		}
		if len(seen) < 32 {
			t.Errorf("%s repeated itself: %d distinct values of 32", src.name, len(seen))
		}
	}
}
