package object_info

import (
	"encoding/binary"
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// ZX_INFO_BERYL_LINUX_FDS: Beryl's topic behind /proc/PID/fd.
func TestBerylLinuxFdsInfo(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoBerylLinuxFds, zx.ObjectInfoLinuxFdSize, 4)
	ctest.InfoMissingRightsFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoBerylLinuxFds, zx.ObjectInfoLinuxFdSize, 4, zx.RightInspect)
	ctest.InfoWrongTypeFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoBerylLinuxFds, zx.ObjectInfoLinuxFdSize, 4)
	ctest.InfoInvalidBufferPointerFails(t, zx.ProcessSelf().Handle, zx.ObjectInfoBerylLinuxFds, zx.ObjectInfoLinuxFdSize)
	buf := make([]byte, 64*zx.ObjectInfoLinuxFdSize)
	actual, avail, err := zx.ProcessSelf().Handle.GetInfo(zx.ObjectInfoBerylLinuxFds, buf)
	if err != nil || actual < 3 || avail != actual {
		t.Fatalf("get_info(BERYL_LINUX_FDS) on self: %d of %d, %v", actual, avail, err)
	}
	if fd := binary.LittleEndian.Uint32(buf); fd != 0 {
		t.Errorf("first descriptor %d, want 0", fd)
	}
}
