package pager

import (
	"encoding/binary"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"beryl/userspace/conformance/ctest"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// The helpers shared by every conformance family (package ctest).
var (
	ptr  = ctest.Ptr
	want = ctest.Want
	must = ctest.Must
)

const pg = zx.PageSize

// infoVMOPagerBacked is ZX_INFO_VMO_PAGER_BACKED.
const infoVMOPagerBacked uint32 = 1 << 5

// TestMain prepares the Go runtime for threads that block in page faults:
// a goroutine whose access waits for a pager keeps its P (the runtime
// does not know it is blocked), so there are enough Ps for every such
// thread and the pager's own goroutine; and no collection is started,
// whose stop-the-world would wait for the blocked threads forever.
// relaunch.Main takes the root resource init passes to the families, or
// runs a worker process of TestPagerKillBlockedProcess.
func TestMain(m *testing.M) {
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), 300))
	debug.SetGCPercent(-1)
	relaunch.Main(m, "BERYL_PAGER_WORKER", worker)
}

// userPager is the original's UserPager: a pager, its port, and the VMOs
// made with it, each mapped read-write in the root VMAR.
type userPager struct {
	t       *testing.T
	pager   zx.Handle
	port    zx.Handle
	nextKey uint64
	pending []zx.PortPacket // packets read while looking for another
}

// pvmo is the original's Vmo: a pager-backed VMO, its key and mapping.
type pvmo struct {
	up    *userPager
	h     zx.Handle
	key   uint64
	pages uint64
	base  uintptr
}

func newPager(t *testing.T) *userPager {
	t.Helper()
	up := &userPager{t: t, nextKey: 1}
	must(t, "pager_create", zx.Sys_pager_create(0, &up.pager))
	must(t, "port_create", zx.Sys_port_create(0, &up.port))
	t.Cleanup(func() {
		if up.pager != 0 {
			zx.Sys_handle_close(up.pager)
		}
		if up.port != 0 {
			zx.Sys_handle_close(up.port)
		}
	})
	return up
}

func (up *userPager) createVmo(pages uint64) *pvmo { return up.createVmoOpts(pages, 0) }

func (up *userPager) createVmoOpts(pages uint64, opts uint32) *pvmo {
	t := up.t
	t.Helper()
	v := &pvmo{up: up, key: up.nextKey, pages: pages}
	up.nextKey++
	must(t, "pager_create_vmo", zx.Sys_pager_create_vmo(up.pager, opts, up.port, v.key, pages*pg, &v.h))
	if pages > 0 {
		var a zx.Vaddr
		must(t, "vmar_map", zx.Sys_vmar_map(zx.VmarRootSelf().Handle, zx.VMPermRead|zx.VMPermWrite|zx.VMAllowFaults, 0, v.h, 0, uint(pages*pg), &a))
		v.base = uintptr(a)
	}
	t.Cleanup(v.release)
	return v
}

// release unmaps and closes the VMO (ReleaseVmo).
func (v *pvmo) release() {
	if v.base != 0 {
		zx.Sys_vmar_unmap(zx.VmarRootSelf().Handle, zx.Vaddr(v.base), uint(v.pages*pg))
		v.base = 0
	}
	if v.h != 0 {
		zx.Sys_handle_close(v.h)
		v.h = 0
	}
}

// contents is the generated content of pages [off, off+n) of v: every
// 8-byte word holds the VMO's key, the page and the word index.
func (v *pvmo) contents(off, n uint64) []byte {
	b := make([]byte, n*pg)
	for i := uint64(0); i < n*pg/8; i++ {
		page, word := off+i/(pg/8), i%(pg/8)
		binary.LittleEndian.PutUint64(b[i*8:], v.key<<48|page<<16|word)
	}
	return b
}

// supply supplies pages [off, off+n) with their generated content from
// an aux VMO holding them at page srcOff.
func (up *userPager) supply(v *pvmo, off, n, srcOff uint64) bool {
	var aux zx.Handle
	if zx.Sys_vmo_create((srcOff+n)*pg, 0, &aux) != zx.OK {
		return false
	}
	defer zx.Sys_handle_close(aux)
	b := v.contents(off, n)
	if zx.Sys_vmo_write(aux, unsafe.Pointer(&b[0]), srcOff*pg, uint(len(b))) != zx.OK {
		return false
	}
	return up.supplyFrom(v, off, n, aux, srcOff)
}

func (up *userPager) supplyFrom(v *pvmo, off, n uint64, aux zx.Handle, srcOff uint64) bool {
	st := zx.Sys_pager_supply_pages(up.pager, v.h, off*pg, n*pg, aux, srcOff*pg)
	if st != zx.OK {
		up.t.Errorf("pager_supply_pages(%d, %d) = %v", off, n, st)
		return false
	}
	return true
}

func (up *userPager) fail(v *pvmo, off, n uint64, st zx.Status) bool {
	if got := zx.Sys_pager_op_range(up.pager, zx.PagerOpFail, v.h, off*pg, n*pg, errData(st)); got != zx.OK {
		up.t.Errorf("pager_op_range(FAIL, %d, %d) = %v", off, n, got)
		return false
	}
	return true
}

func (up *userPager) detach(v *pvmo) bool {
	return zx.Sys_pager_detach_vmo(up.pager, v.h) == zx.OK
}

// closePager closes the pager handle (ClosePagerHandle).
func (up *userPager) closePager() {
	zx.Sys_handle_close(up.pager)
	up.pager = 0
}

func request(pk *zx.PortPacket) (cmd uint16, off, n uint64) {
	le := binary.LittleEndian
	return le.Uint16(pk.Payload[0:]), le.Uint64(pk.Payload[8:]) / pg, le.Uint64(pk.Payload[16:]) / pg
}

// next finds the first packet (pending first, then from the port until
// deadline) that match accepts; others are kept for later.
func (up *userPager) next(deadline zx.Time, match func(*zx.PortPacket) bool) (zx.PortPacket, bool) {
	for i := range up.pending {
		if pk := up.pending[i]; match(&pk) {
			up.pending = append(up.pending[:i], up.pending[i+1:]...)
			return pk, true
		}
	}
	for {
		var pk zx.PortPacket
		if zx.Sys_port_wait(up.port, deadline, &pk) != zx.OK {
			return zx.PortPacket{}, false
		}
		if match(&pk) {
			return pk, true
		}
		up.pending = append(up.pending, pk)
	}
}

// waitForPageRead waits for a READ request of exactly [off, off+n) of v.
func (up *userPager) waitForPageRead(v *pvmo, off, n uint64, deadline zx.Time) bool {
	_, ok := up.next(deadline, func(pk *zx.PortPacket) bool {
		cmd, o, l := request(pk)
		return pk.Key == v.key && pk.Type == zx.PktTypePageRequest && cmd == zx.PagerVMORead && o == off && l == n
	})
	return ok
}

// getPageReadRequest returns the next READ request of v.
func (up *userPager) getPageReadRequest(v *pvmo, deadline zx.Time) (off, n uint64, ok bool) {
	pk, ok := up.next(deadline, func(pk *zx.PortPacket) bool {
		cmd, _, _ := request(pk)
		return pk.Key == v.key && pk.Type == zx.PktTypePageRequest && cmd == zx.PagerVMORead
	})
	if !ok {
		return 0, 0, false
	}
	_, off, n = request(&pk)
	return off, n, true
}

func (up *userPager) waitForPageComplete(key uint64, deadline zx.Time) bool {
	_, ok := up.next(deadline, func(pk *zx.PortPacket) bool {
		cmd, _, _ := request(pk)
		return pk.Key == key && pk.Type == zx.PktTypePageRequest && cmd == zx.PagerVMOComplete
	})
	return ok
}

// checkBuffer reads pages [off, off+n) through the mapping (vmar) or
// vmo_read and compares them with the generated content.
func checkBuffer(v *pvmo, off, n uint64, vmar bool) bool {
	return checkBufferData(v, off, n, v.contents(off, n), vmar)
}

func checkBufferData(v *pvmo, off, n uint64, data []byte, vmar bool) bool {
	if vmar {
		got := unsafe.Slice((*byte)(ptr(v.base+uintptr(off*pg))), n*pg)
		for i := range got { // byte by byte: the access itself is under test
			if got[i] != data[i] {
				return false
			}
		}
		return true
	}
	buf := make([]byte, n*pg)
	if zx.Sys_vmo_read(v.h, unsafe.Pointer(&buf[0]), off*pg, uint(len(buf))) != zx.OK {
		return false
	}
	return string(buf) == string(data)
}

// commit is ZX_VMO_OP_COMMIT of pages [off, off+n).
func (v *pvmo) commit(off, n uint64) bool {
	return zx.Sys_vmo_op_range(v.h, zx.VMOOpCommit, off*pg, n*pg, nil, 0) == zx.OK
}

func (v *pvmo) resize(pages uint64) bool { return zx.Sys_vmo_set_size(v.h, pages*pg) == zx.OK }

func vmoInfo(t *testing.T, h zx.Handle) zx.VmoInfo {
	t.Helper()
	info, err := zx.Vmo{Handle: h}.Info()
	if err != nil {
		t.Fatalf("ZX_INFO_VMO: %v", err)
	}
	return info
}

// testThread is the original's TestThread: fn runs on a thread of its
// own (a goroutine locked to its OS thread, whose faults become
// recoverable panics), and the test waits for it to block on the pager,
// to succeed, to fail or to crash.
type testThread struct {
	fn     func() bool
	handle zx.Handle
	ready  chan struct{}
	done   chan struct{}
	ok     bool
	crash  uintptr // the faulting address, if fn crashed
	crashd bool
	token  zx.Handle // the suspend token of suspendSync
}

func newThread(fn func() bool) *testThread {
	return &testThread{fn: fn, ready: make(chan struct{}), done: make(chan struct{})}
}

type addrError interface{ Addr() uintptr }

func (th *testThread) start(t *testing.T) {
	t.Helper()
	go func() {
		runtime.LockOSThread() // the thread ends with the goroutine if it crashed
		if tid := syscall.Gettid(); tid == syscall.Getpid() {
			// The process's first thread: its TID is the PID, not its koid.
			zx.Sys_handle_duplicate(zx.ThreadSelf().Handle, zx.RightSameRights, &th.handle)
		} else {
			zx.Sys_object_get_child(zx.ProcessSelf().Handle, zx.Koid(tid), zx.RightSameRights, &th.handle)
		}
		close(th.ready)
		defer close(th.done)
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(addrError); ok {
					th.crashd, th.crash = true, e.Addr()
					return
				}
				panic(r)
			}
			runtime.UnlockOSThread()
		}()
		debug.SetPanicOnFault(true)
		th.ok = th.fn()
	}()
	<-th.ready
	if th.handle == 0 {
		t.Fatal("no handle to the test thread")
	}
	t.Cleanup(func() { zx.Sys_handle_close(th.handle) })
}

// waitForBlocked waits until the thread waits for a pager
// (ZX_THREAD_STATE_BLOCKED_PAGER).
func (th *testThread) waitForBlocked() bool {
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		var info zx.InfoThread
		var actual, avail uint
		if zx.Sys_object_get_info(th.handle, zx.ObjectInfoThread, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), &actual, &avail) != zx.OK {
			return false
		}
		if info.State == zx.ThreadStateBlockedPager {
			return true
		}
		select {
		case <-th.done:
			return false
		default:
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// suspendSync suspends the thread and waits until it reports
// ZX_THREAD_SUSPENDED (SuspendSync).
func (th *testThread) suspendSync(t *testing.T) {
	t.Helper()
	must(t, "task_suspend", zx.Sys_task_suspend_token(th.handle, &th.token))
	t.Cleanup(th.resume)
	var got zx.Signals
	must(t, "wait for ZX_THREAD_SUSPENDED", zx.Sys_object_wait_one(th.handle, zx.ThreadSuspended, zx.Now()+zx.Time(20*time.Second), &got))
	// The wait for the pager ends just after the signal: the state
	// follows.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
		var info zx.InfoThread
		var actual, avail uint
		must(t, "ZX_INFO_THREAD", zx.Sys_object_get_info(th.handle, zx.ObjectInfoThread, unsafe.Pointer(&info), uint(unsafe.Sizeof(info)), &actual, &avail))
		if info.State == zx.ThreadStateSuspended {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("suspended thread's state %#x, want ZX_THREAD_STATE_SUSPENDED", info.State)
		}
	}
}

// resume closes the suspend token (Resume).
func (th *testThread) resume() {
	if th.token != 0 {
		zx.Sys_handle_close(th.token)
		th.token = 0
	}
}

func (th *testThread) finished() bool {
	select {
	case <-th.done:
		return true
	case <-time.After(30 * time.Second):
		return false
	}
}

// wait: fn returned true.
func (th *testThread) wait() bool { return th.finished() && !th.crashd && th.ok }

// waitForFailure: fn returned false without crashing.
func (th *testThread) waitForFailure() bool { return th.finished() && !th.crashd && !th.ok }

// waitForCrash: fn faulted at addr. (The original also checks the
// exception report's status; a Go thread sees only the address.)
func (th *testThread) waitForCrash(addr uintptr) bool {
	return th.finished() && th.crashd && th.crash == addr
}

// errData is a status as pager_op_range's 64-bit data argument.
func errData(st zx.Status) uint64 { return uint64(int64(st)) }
