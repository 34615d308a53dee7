package x86

import (
	"testing"
	"unsafe"
)

// TestDebugRegsLayout checks the UserContext offsets trap_amd64.s and
// debugreg_amd64.s use for the GS base and the debug registers.
func TestDebugRegsLayout(t *testing.T) {
	var u UserContext
	if o := unsafe.Offsetof(u.GSBase); o != 216 {
		t.Errorf("UserContext.GSBase at %d, want 216 (UC_GSBASE)", o)
	}
	if o := unsafe.Offsetof(u.Debug); o != 768 {
		t.Errorf("UserContext.Debug at %d, want 768 (UC_DR0)", o)
	}
	if o := unsafe.Offsetof(u.Debug.DR7); o != 32 {
		t.Errorf("DebugRegs.DR7 at %d, want 32", o)
	}
	if o := unsafe.Offsetof(u.Debug.DR6); o != 40 {
		t.Errorf("DebugRegs.DR6 at %d, want 40", o)
	}
	if o := unsafe.Offsetof(u.Debug.Gen); o != 48 {
		t.Errorf("DebugRegs.Gen at %d, want 48", o)
	}
}
