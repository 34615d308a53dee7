package process

import (
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// TestFPRegsReservedByte: zx_thread_state_fp_regs_t's reserved byte after
// ftw is neither written nor reported (Zircon's arch_set_fp_regs and
// arch_get_fp_regs copy the named fields only); the named fields around
// it round-trip.
func TestFPRegsReservedByte(t *testing.T) {
	r, _ := writeSetup(t, nil)
	h := r.thread.Handle
	regs := readState(t, h, zx.ThreadStateFPRegs, fpRegsSize)
	regs[4] = 0x5a // ftw (abridged)
	regs[5] = 0xff // reserved
	regs[6] = 0x34 // fop
	ctest.Must(t, "thread_write_state(FP)", writeState(h, zx.ThreadStateFPRegs, regs))
	got := readState(t, h, zx.ThreadStateFPRegs, fpRegsSize)
	if got[5] != 0 {
		t.Errorf("reserved byte reads %#x, want 0", got[5])
	}
	if got[4] != 0x5a || got[6] != 0x34 {
		t.Errorf("ftw %#x, fop low byte %#x: want 0x5a, 0x34", got[4], got[6])
	}
}
