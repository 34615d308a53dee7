package object_info

import (
	"encoding/binary"
	"testing"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ProcessGetInfoTest's ZX_INFO_PROCESS_MAPS cases. The
// fixture is an unstarted process (newProcess): its tree is the address
// space and the root VMAR, two records; the smoke test maps a VMO into
// it first.

const mapsRec = zx.ObjectInfoMapsSize

func TestProcessGetInfoTest_InfoProcessMapsUnstartedSuceeds(t *testing.T) {
	p := newProcess(t)
	buf := make([]byte, 8*mapsRec)
	actual, avail, err := p.GetInfo(zx.ObjectInfoProcessMaps, buf)
	if err != nil || actual != 2 || avail != 2 {
		t.Fatalf("get_info(PROCESS_MAPS): %d of %d, %v; want 2 of 2", actual, avail, err)
	}
	le := binary.LittleEndian
	if d, ty := le.Uint64(buf[48:]), le.Uint32(buf[56:]); d != 0 || ty != 1 {
		t.Errorf("first entry depth %d type %d, want the aspace at depth 0", d, ty)
	}
	if d, ty := le.Uint64(buf[mapsRec+48:]), le.Uint32(buf[mapsRec+56:]); d != 1 || ty != 2 {
		t.Errorf("second entry depth %d type %d, want the root VMAR at depth 1", d, ty)
	}
}

func TestProcessGetInfoTest_InfoProcessMapsSmokeTest(t *testing.T) {
	p, v, err := zx.NewProcess(zx.JobDefault(), "maps-smoke", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Handle.Close()
	defer v.Handle.Close()
	vmo, err := zx.NewVmo(3*zx.PageSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer vmo.Close()
	vmo.Handle.SetName("smoke")
	addr, err := v.Map(zx.VMPermRead|zx.VMPermWrite, 0, vmo, zx.PageSize, 2*zx.PageSize)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8*mapsRec)
	actual, _, err := p.Handle.GetInfo(zx.ObjectInfoProcessMaps, buf)
	if err != nil || actual != 3 {
		t.Fatalf("get_info(PROCESS_MAPS): %d records, %v; want 3", actual, err)
	}
	le := binary.LittleEndian
	r := buf[2*mapsRec:]
	koid := ctest.Basic(t, vmo.Handle).Koid
	if string(r[:5]) != "smoke" || zx.Vaddr(le.Uint64(r[32:])) != addr || le.Uint64(r[40:]) != 2*zx.PageSize ||
		le.Uint64(r[48:]) != 2 || le.Uint32(r[56:]) != 3 || le.Uint32(r[64:]) != uint32(zx.VMPermRead|zx.VMPermWrite) ||
		zx.Koid(le.Uint64(r[72:])) != koid || le.Uint64(r[80:]) != zx.PageSize {
		t.Errorf("mapping record %x", r[:mapsRec])
	}
}

func TestProcessGetInfoTest_InfoProcessMapsOnSelfFails(t *testing.T) {
	ctest.InfoWant(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessMaps, mapsRec, 4, zx.ErrAccessDenied)
}

func TestProcessGetInfoTest_InfoProcessMapsInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoProcessMaps, mapsRec, 4)
}

func TestProcessGetInfoTest_InfoProcessMapsNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, 4)
}

func TestProcessGetInfoTest_InfoProcessMapsNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, 4)
}

func TestProcessGetInfoTest_InfoProcessMapsNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, 4)
}

func TestProcessGetInfoTest_InfoProcessMapsInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoInvalidBufferPointerFails(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec)
}

func TestProcessGetInfoTest_InfoProcessMapsBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoBadActualFails(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, 4)
}

func TestProcessGetInfoTest_InfoProcessMapsBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoBadAvailFails(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, 4)
}

func TestProcessGetInfoTest_InfoProcessMapsZeroSizedBufferIsOk(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, newProcess(t), zx.ObjectInfoProcessMaps, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessMapsSmallBufferIsOk(t *testing.T) {
	ctest.InfoSmallBufferSucceeds(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec)
}

func TestProcessGetInfoTest_InfoProcessMapsPartiallyUnmappedBufferIsInvalidArgs(t *testing.T) {
	ctest.InfoPartiallyUnmappedBuffer(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, zx.ErrInvalidArgs)
}

func TestProcessGetInfoTest_InfoProcessMapsRequiresInspectRights(t *testing.T) {
	ctest.InfoMissingRightsFails(t, newProcess(t), zx.ObjectInfoProcessMaps, mapsRec, 4, zx.RightInspect)
}

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
