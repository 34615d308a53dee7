package process

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/zx"
)

// Zircon core-tests: ProcessDebugTest (utest/core/process/process_debug):
// process_read_memory and process_write_memory on a VMO mapped into a
// VMAR of this process.

const debugVmoSize = 3 * zx.PageSize

func xorshift32(v uint32) uint32 {
	v ^= v << 13
	v ^= v >> 17
	v ^= v << 5
	return v
}

func xorshiftBuf(n int) []byte {
	b := make([]byte, n)
	v := xorshift32(1)
	for i := 0; i+4 <= n; i += 4 {
		binary.LittleEndian.PutUint32(b[i:], v)
		v = xorshift32(v)
	}
	return b
}

type debugFixture struct {
	vmo       zx.Vmo
	vmarStart zx.Vaddr
	dataStart zx.Vaddr
}

func newDebugFixture(t *testing.T) *debugFixture {
	t.Helper()
	vmo, err := zx.NewVmo(debugVmoSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	var vmar zx.Handle
	var addr zx.Vaddr
	ctest.Must(t, "vmar_allocate", zx.Sys_vmar_allocate(zx.VmarRootSelf().Handle, zx.VMCanMapRead|zx.VMCanMapWrite, 0, 2*debugVmoSize, &vmar, &addr))
	f := &debugFixture{vmo: vmo, vmarStart: addr}
	ctest.Must(t, "vmar_map", zx.Sys_vmar_map(vmar, zx.VMPermRead|zx.VMPermWrite, 0, vmo.Handle, 0, debugVmoSize, &f.dataStart))
	t.Cleanup(func() {
		zx.Sys_vmar_destroy(vmar)
		zx.Sys_handle_close(vmar)
		vmo.Close()
	})
	return f
}

func TestProcessDebugTest_ReadMemoryAtOffsetIsOk(t *testing.T) {
	f := newDebugFixture(t)
	want := xorshiftBuf(debugVmoSize)
	if err := f.vmo.Write(want, 0); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, debugVmoSize)
	var actual uint
	ctest.Must(t, "process_read_memory", zx.Sys_process_read_memory(zx.ProcessSelf().Handle, f.dataStart, unsafe.Pointer(&got[0]), debugVmoSize, &actual))
	if actual != debugVmoSize || string(got) != string(want) {
		t.Errorf("read %d bytes, pattern intact %v", actual, string(got) == string(want))
	}
}

func TestProcessDebugTest_WriteMemoryAtOffsetIsOk(t *testing.T) {
	f := newDebugFixture(t)
	want := xorshiftBuf(debugVmoSize)
	var actual uint
	ctest.Must(t, "process_write_memory", zx.Sys_process_write_memory(zx.ProcessSelf().Handle, f.dataStart, unsafe.Pointer(&want[0]), debugVmoSize, &actual))
	got := make([]byte, debugVmoSize)
	if err := f.vmo.Read(got, 0); err != nil || string(got) != string(want) || actual != debugVmoSize {
		t.Errorf("wrote %d bytes; the VMO holds the pattern: %v (%v)", actual, string(got) == string(want), err)
	}
}

// invalidStart is the first or the last page of the VMAR, whichever the
// mapping left out.
func (f *debugFixture) invalidStart() zx.Vaddr {
	if f.dataStart > f.vmarStart {
		return f.vmarStart
	}
	return f.vmarStart + 2*debugVmoSize - zx.PageSize
}

func TestProcessDebugTest_ReadMemoryAtInvalidOffsetReturnsErrorNoMemory(t *testing.T) {
	f := newDebugFixture(t)
	var buf [64]byte
	var actual uint
	ctest.Want(t, "process_read_memory(0)", zx.Sys_process_read_memory(zx.ProcessSelf().Handle, 0, unsafe.Pointer(&buf[0]), 64, &actual), zx.ErrNoMemory)
	ctest.Want(t, "process_read_memory(unmapped)", zx.Sys_process_read_memory(zx.ProcessSelf().Handle, f.invalidStart(), unsafe.Pointer(&buf[0]), 64, &actual), zx.ErrNoMemory)
}

func TestProcessDebugTest_WriteAtInvalidOffsetReturnsErrorNoMemory(t *testing.T) {
	f := newDebugFixture(t)
	var buf [64]byte
	var actual uint
	ctest.Want(t, "process_write_memory(0)", zx.Sys_process_write_memory(zx.ProcessSelf().Handle, 0, unsafe.Pointer(&buf[0]), 64, &actual), zx.ErrNoMemory)
	ctest.Want(t, "process_write_memory(unmapped)", zx.Sys_process_write_memory(zx.ProcessSelf().Handle, f.invalidStart(), unsafe.Pointer(&buf[0]), 64, &actual), zx.ErrNoMemory)
}
