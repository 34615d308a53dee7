package object_info

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ProcessGetInfoTest's ZX_INFO_PROCESS_MAPS and
// ZX_INFO_PROCESS_VMOS cases (object-info/process-object-info-test.cc).
// The original's fixture is a started mini-process holding an unmapped
// VMO's handle, with a sub-VMAR and eight one-page mappings of another
// VMO; here the process is created but not started (nothing can hand it
// a handle without starting it), so the VMO held through a handle is
// looked for in this test's own process, which the original allows too
// (ZX_INFO_PROCESS_VMOS on self succeeds).

const (
	mapsRec     = 96 // zx_info_maps_t
	vmoRec      = zx.VmoInfoSize
	numMappings = 8
)

// mapsFixture is the original's ProcessFixture: a process whose root
// VMAR holds a sub-VMAR with numMappings mappings of one VMO.
type mapsFixture struct {
	proc     zx.Handle
	vmarBase uint64
	vmarSize uint64
	vmoKoid  zx.Koid
	mappings [numMappings]struct {
		base  uint64
		flags uint32
	}
}

func newMapsFixture(t *testing.T) *mapsFixture {
	t.Helper()
	p, root, err := zx.NewProcess(zx.JobDefault(), "object-info-mini-proc", 0)
	if err != nil {
		t.Fatalf("process_create: %v", err)
	}
	t.Cleanup(func() { root.Destroy(); root.Handle.Close(); p.Handle.Close() })
	f := &mapsFixture{proc: p.Handle, vmarSize: zx.PageSize * numMappings * 16}
	sub, base, err := root.Allocate(zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapExecute, 0, uint(f.vmarSize))
	if err != nil {
		t.Fatalf("vmar_allocate: %v", err)
	}
	t.Cleanup(func() { sub.Handle.Close() })
	f.vmarBase = uint64(base)
	var v, x zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize*numMappings, 0, &v))
	name := []byte("test:mapped")
	zx.Sys_object_set_property(v, zx.PropName, unsafe.Pointer(&name[0]), uint(len(name)))
	ctest.Must(t, "vmo_replace_as_executable", zx.Sys_vmo_replace_as_executable(v, zx.HandleInvalid, &x))
	t.Cleanup(func() { zx.Sys_handle_close(x) })
	f.vmoKoid = ctest.Basic(t, x).Koid
	for i := range numMappings {
		fl := uint32(zx.VMPermRead)
		if i&1 != 0 {
			fl |= uint32(zx.VMPermWrite)
		}
		if i&2 != 0 {
			fl |= uint32(zx.VMPermExecute)
		}
		a, err := sub.Map(zx.VMFlag(fl), 0, zx.Vmo{Handle: x}, uint64(i)*zx.PageSize, zx.PageSize)
		if err != nil {
			t.Fatalf("vmar_map %d: %v", i, err)
		}
		f.mappings[i].base, f.mappings[i].flags = uint64(a), fl
	}
	return f
}

// mapsEntry is one zx_info_maps_t.
type mapsEntry struct {
	base, size, depth uint64
	typ, mmuFlags     uint32
}

func readMaps(t *testing.T, h zx.Handle, n int) (es []mapsEntry, actual, avail uint) {
	t.Helper()
	b := make([]byte, n*mapsRec+8)
	var p unsafe.Pointer
	if n > 0 {
		p = unsafe.Pointer(&b[0])
	}
	ctest.Must(t, "get_info(PROCESS_MAPS)", zx.Sys_object_get_info(h, zx.ObjectInfoProcessMaps, p, uint(n*mapsRec), &actual, &avail))
	le := binary.LittleEndian
	for i := range int(actual) {
		r := b[i*mapsRec:]
		es = append(es, mapsEntry{le.Uint64(r[32:]), le.Uint64(r[40:]), le.Uint64(r[48:]), le.Uint32(r[56:]), le.Uint32(r[64:])})
	}
	return es, actual, avail
}

func readVmos(t *testing.T, h zx.Handle, n int) (es []zx.VmoInfo, actual, avail uint) {
	t.Helper()
	b := make([]byte, n*vmoRec+8)
	ctest.Must(t, "get_info(PROCESS_VMOS)", zx.Sys_object_get_info(h, zx.ObjectInfoProcessVMOs, unsafe.Pointer(&b[0]), uint(n*vmoRec), &actual, &avail))
	for i := range int(actual) {
		es = append(es, zx.ParseVmoInfo(b[i*vmoRec:]))
	}
	return es, actual, avail
}

func TestProcessGetInfoTest_InfoProcessMapsUnstartedSuceeds(t *testing.T) {
	var maps [mapsRec]byte
	var actual, avail uint
	ctest.Must(t, "get_info(PROCESS_MAPS) of an unstarted process", zx.Sys_object_get_info(newProcess(t), zx.ObjectInfoProcessMaps, unsafe.Pointer(&maps[0]), 0, &actual, &avail))
}

func TestProcessGetInfoTest_InfoProcessMapsSmokeTest(t *testing.T) {
	f := newMapsFixture(t)
	maps, actual, avail := readMaps(t, f.proc, 4*numMappings)
	if actual != avail {
		t.Errorf("actual %d avail %d: should have read all entries", actual, avail)
	}
	if actual < 2 {
		t.Fatalf("%d entries: root aspace/vmar missing", actual)
	}
	if maps[0].typ != zx.InfoMapsTypeASpace || maps[0].depth != 0 || maps[0].size <= 1<<40 {
		t.Errorf("entry 0: type %d depth %d size %#x, want the address space", maps[0].typ, maps[0].depth, maps[0].size)
	}
	if maps[1].typ != zx.InfoMapsTypeVMAR || maps[1].depth != 1 || maps[1].size <= 1<<40 {
		t.Errorf("entry 1: type %d depth %d size %#x, want the root VMAR", maps[1].typ, maps[1].depth, maps[1].size)
	}
	sawVmar, under, vmarDepth := false, false, uint64(0)
	var saw uint32
	for i, e := range maps[2:] {
		if e.depth <= 1 || e.typ < zx.InfoMapsTypeASpace || e.typ > zx.InfoMapsTypeMapping {
			t.Errorf("[%d] depth %d type %d", i+2, e.depth, e.typ)
		}
		if e.typ == zx.InfoMapsTypeVMAR && e.base == f.vmarBase && e.size == f.vmarSize {
			sawVmar, under, vmarDepth = true, true, e.depth
			continue
		}
		if !under {
			continue
		}
		if e.depth <= vmarDepth {
			under = false
			continue
		}
		if e.typ != zx.InfoMapsTypeMapping || e.base < f.vmarBase || e.base+e.size > f.vmarBase+f.vmarSize {
			t.Errorf("[%d] type %d %#x+%#x: not a mapping inside the VMAR", i+2, e.typ, e.base, e.size)
		}
		found := false
		for j, m := range f.mappings {
			if m.base == e.base && e.size == zx.PageSize {
				if saw&(1<<j) != 0 {
					t.Errorf("[%d] mapping %d seen twice", i+2, j)
				}
				saw |= 1 << j
				if e.mmuFlags != m.flags {
					t.Errorf("[%d] mmu_flags %#x, want %#x", i+2, e.mmuFlags, m.flags)
				}
				found = true
				break
			}
		}
		if !found {
			t.Errorf("[%d] unexpected mapping %#x+%#x", i+2, e.base, e.size)
		}
	}
	if !sawVmar || saw != 1<<numMappings-1 {
		t.Errorf("saw VMAR %v, mappings %#b", sawVmar, saw)
	}
	// A short buffer: actual < avail, and the same leading entries.
	n2 := int(actual) * 3 / 4
	maps2, actual2, avail2 := readMaps(t, f.proc, n2)
	if actual2 >= avail2 || avail2 != avail || actual2 <= 3 {
		t.Errorf("short read: actual %d avail %d (first avail %d)", actual2, avail2, avail)
	}
	for i := range maps2 {
		if maps2[i] != maps[i] {
			t.Errorf("[%d] %+v, then %+v", i, maps[i], maps2[i])
		}
	}
}

func TestProcessGetInfoTest_InfoProcessMapsOnSelfFails(t *testing.T) {
	// Named after an older expectation; the original checks that the
	// caller's own process succeeds.
	ctest.InfoWant(t, zx.ProcessSelf().Handle, zx.ObjectInfoProcessMaps, mapsRec, 1, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessMapsInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

func TestProcessGetInfoTest_InfoProcessMapsNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

func TestProcessGetInfoTest_InfoProcessMapsNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

func TestProcessGetInfoTest_InfoProcessMapsNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

// The original's InvalidBufferPointer, BadActual and BadAvail cases all
// run its CheckNullActualSuceeds (a null actual succeeds); so do these.

func TestProcessGetInfoTest_InfoProcessMapsInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

func TestProcessGetInfoTest_InfoProcessMapsBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

func TestProcessGetInfoTest_InfoProcessMapsBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 1)
}

func TestProcessGetInfoTest_InfoProcessMapsZeroSizedBufferIsOk(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessMapsSmallBufferIsOk(t *testing.T) {
	ctest.InfoSmallBufferSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec)
}

func TestProcessGetInfoTest_InfoProcessMapsPartiallyUnmappedBufferIsInvalidArgs(t *testing.T) {
	ctest.InfoPartiallyUnmappedBuffer(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, zx.ErrInvalidArgs)
}

func TestProcessGetInfoTest_InfoProcessMapsRequiresInspectRights(t *testing.T) {
	ctest.InfoMissingRightsFails(t, newMapsFixture(t).proc, zx.ObjectInfoProcessMaps, mapsRec, 32, zx.RightInspect)
}

// TestProcessMapsWrongHandleType is the original's
// InfoProcessMaps{Job,Thread}HandleIsBadHandle (not in the case list).
func TestProcessMapsWrongHandleType(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoProcessMaps, mapsRec, 32)
	ctest.InfoWrongTypeFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoProcessMaps, mapsRec, 32)
}

// checkTrackedVmo applies the original's checks to an entry for a VMO it
// tracks (not a clone, not shared, mapped or held but not both).
func checkTrackedVmo(t *testing.T, e zx.VmoInfo, viaFlag uint32, mappings uint64) {
	t.Helper()
	if e.ParentKoid != 0 || e.NumChildren != 0 || e.ShareCount != 1 || e.Flags&viaFlag != viaFlag || e.Flags&zx.InfoVMOIsCowClone != 0 {
		t.Errorf("koid %d: parent %d children %d share_count %d flags %#x", e.Koid, e.ParentKoid, e.NumChildren, e.ShareCount, e.Flags)
	}
	if e.NumMappings != mappings {
		t.Errorf("koid %d: num_mappings %d, want %d", e.Koid, e.NumMappings, mappings)
	}
}

func checkVmoEntries(t *testing.T, es []zx.VmoInfo) {
	t.Helper()
	for i, e := range es {
		via := e.Flags & (zx.InfoVMOViaHandle | zx.InfoVMOViaMapping)
		if e.Flags&zx.InfoVMOTypePaged == 0 || via == zx.InfoVMOViaHandle|zx.InfoVMOViaMapping {
			t.Errorf("[%d] koid %d flags %#x: want paged, via handle or mapping but not both", i, e.Koid, e.Flags)
		}
	}
}

func TestProcessGetInfoTest_InfoProcessVmosSmokeTest(t *testing.T) {
	f := newMapsFixture(t)
	es, actual, avail := readVmos(t, f.proc, numMappings+1+8)
	if actual != avail {
		t.Errorf("actual %d avail %d: should have read all entries", actual, avail)
	}
	checkVmoEntries(t, es)
	seen := 0
	for _, e := range es {
		if zx.Koid(e.Koid) == f.vmoKoid && e.SizeBytes == zx.PageSize*numMappings {
			checkTrackedVmo(t, e, zx.InfoVMOViaMapping, numMappings)
			seen++
		}
	}
	if seen != numMappings {
		t.Errorf("the mapped VMO appears %d times, want once per mapping (%d)", seen, numMappings)
	}
	// The unmapped VMO held through a handle, in this process.
	var u zx.Handle
	ctest.Must(t, "vmo_create", zx.Sys_vmo_create(zx.PageSize, 0, &u))
	t.Cleanup(func() { zx.Sys_handle_close(u) })
	uk := ctest.Basic(t, u).Koid
	var n uint
	ctest.Must(t, "get_info(PROCESS_VMOS, self) count", zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoProcessVMOs, nil, 0, nil, &n))
	self, _, _ := readVmos(t, zx.ProcessSelf().Handle, int(n)+16)
	checkVmoEntries(t, self)
	found := false
	for _, e := range self {
		if zx.Koid(e.Koid) == uk && e.SizeBytes == zx.PageSize {
			checkTrackedVmo(t, e, zx.InfoVMOViaHandle, 0)
			found = true
		}
	}
	if !found {
		t.Error("the VMO held through a handle is missing")
	}
	// A short buffer: actual < avail, the same leading entries.
	es2, actual2, avail2 := readVmos(t, f.proc, int(actual)*3/4)
	if actual2 >= avail2 || avail2 != avail || actual2 <= 3 {
		t.Errorf("short read: actual %d avail %d (first avail %d)", actual2, avail2, avail)
	}
	for i := range es2 {
		if es2[i].Koid != es[i].Koid || es2[i].SizeBytes != es[i].SizeBytes || es2[i].Flags != es[i].Flags {
			t.Errorf("[%d] %+v, then %+v", i, es[i], es2[i])
		}
	}
}

func TestProcessGetInfoTest_InfoProcessVmosInvalidHandleFails(t *testing.T) {
	ctest.InfoInvalidHandleFails(t, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosNullAvailSucceeds(t *testing.T) {
	ctest.InfoNullAvailSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosNullActualSucceeds(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosNullActualAndAvailSucceeds(t *testing.T) {
	ctest.InfoNullBothSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosInvalidBufferPointerFails(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosBadActualgIsInvalidArg(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosBadAvailIsInvalidArg(t *testing.T) {
	ctest.InfoNullActualSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 1)
}

func TestProcessGetInfoTest_InfoProcessVmosZeroSizedBufferIsOk(t *testing.T) {
	ctest.InfoZeroSizeBuffer(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, zx.OK)
}

func TestProcessGetInfoTest_InfoProcessVmosSmallBufferIsOk(t *testing.T) {
	ctest.InfoSmallBufferSucceeds(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec)
}

func TestProcessGetInfoTest_InfoProcessVmosPartiallyUnmappedBufferIsInvalidArgs(t *testing.T) {
	ctest.InfoPartiallyUnmappedBuffer(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, zx.ErrInvalidArgs)
}

func TestProcessGetInfoTest_InfoProcessVmosRequiresInspectRights(t *testing.T) {
	ctest.InfoMissingRightsFails(t, newMapsFixture(t).proc, zx.ObjectInfoProcessVMOs, vmoRec, 32, zx.RightInspect)
}

func TestProcessGetInfoTest_InfoProcessVmosJobHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.JobDefault().Handle, zx.ObjectInfoProcessVMOs, vmoRec, 32)
}

func TestProcessGetInfoTest_InfoProcessVmosThreadHandleIsBadHandle(t *testing.T) {
	ctest.InfoWrongTypeFails(t, zx.ThreadSelf().Handle, zx.ObjectInfoProcessVMOs, vmoRec, 32)
}
