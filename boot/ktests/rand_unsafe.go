package ktests

import (
	"syscall"
	"unsafe"

	"beryl/arch/x86"
	"beryl/kernel/ktest"
	"beryl/kernel/linux"
	"beryl/kernel/rt"
)

// getrandom (the kernel runtime's, through the Linux syscall layer) uses
// RDRAND when CPUID offers it, and never repeats 32-byte outputs.
func testGetrandom(t *ktest.T) {
	want := "xorshift"
	if x86.HasRDRAND() {
		want = "RDRAND"
	}
	if got := rt.RandomSource(); got != want {
		t.Errorf("source %s, want %s", got, want)
	}
	seen := map[[32]byte]bool{}
	for i := 0; i < 16; i++ {
		var b [32]byte
		n, _, errno := syscall.Syscall(linux.SysGetrandom, uintptr(unsafe.Pointer(&b[0])), 32, 0)
		if errno != 0 || n != 32 {
			t.Fatalf("getrandom: %d, %v", n, errno)
		}
		seen[b] = true
	}
	if len(seen) != 16 {
		t.Errorf("getrandom repeated itself: %d distinct of 16", len(seen))
	}
	t.Logf("source %s", rt.RandomSource())
}
