package process

import (
	"os"
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// TestStartupHandle: beryl_startup_handle hands out the handle
// process_start passed as arg1 once. A process launched by
// userspace/launch (ZX_BOOTSTRAP=arg1) has had its zx package take it
// before main, so a second take is ZX_ERR_BAD_STATE; a bad out pointer is
// ZX_ERR_INVALID_ARGS, checked first.
func TestStartupHandle(t *testing.T) {
	if os.Getenv("ZX_BOOTSTRAP") != zx.BootstrapArg1 {
		t.Fatalf("ZX_BOOTSTRAP=%q: this binary was not launched with the bootstrap channel as arg1", os.Getenv("ZX_BOOTSTRAP"))
	}
	for _, ba := range ctest.BadAddrs(t, 4, true) {
		t.Run("bad_out_"+ba.Name, func(t *testing.T) {
			ctest.Want(t, "beryl_startup_handle", zx.Sys_beryl_startup_handle((*zx.Handle)(ctest.Ptr(ba.Addr))), zx.ErrInvalidArgs)
		})
	}
	t.Run("taken", func(t *testing.T) {
		h := zx.Handle(0x5a5a)
		ctest.Want(t, "beryl_startup_handle", zx.Sys_beryl_startup_handle(&h), zx.ErrBadState)
		if h != 0x5a5a {
			t.Errorf("out written on failure: %#x", h)
		}
	})
}
