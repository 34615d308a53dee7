package vm

import (
	"encoding/binary"
	"testing"
	"time"

	"beryl/kernel/object"
	"beryl/mm/pagetable"
)

// pagerRig is a pager, its port and one pager-backed VMO on host fakes.
type pagerRig struct {
	h    *hostAS
	pg   *object.Pager
	port *object.Port
	v    *VMO
}

func newPagerRig(t *testing.T, pages uint64, opts uint32) *pagerRig {
	t.Helper()
	h := newHostAS(t)
	pg, port := object.NewPager(), object.NewPort(0)
	v, st := NewPagerVMO(h.frames, pages*PageSize, opts, pg, port, 42)
	if st != object.OK {
		t.Fatalf("NewPagerVMO = %v", st)
	}
	r := &pagerRig{h, pg, port, v}
	t.Cleanup(func() {
		v.Release()
		pg.Release()
		port.Release()
	})
	return r
}

// next returns the next packet's command, offset and length in pages, or
// ok false if none comes within 100 ms.
func (r *pagerRig) next(t *testing.T) (cmd uint16, off, n uint64, ok bool) {
	t.Helper()
	pk, st := r.port.Wait(object.Now() + object.Time(100*time.Millisecond))
	if st != object.OK {
		return 0, 0, 0, false
	}
	if pk.Type != object.PktTypePageRequest || pk.Key != 42 {
		t.Fatalf("packet type %#x key %d", pk.Type, pk.Key)
	}
	le := binary.LittleEndian
	return le.Uint16(pk.Payload[0:]), le.Uint64(pk.Payload[8:]) / PageSize, le.Uint64(pk.Payload[16:]) / PageSize, true
}

func (r *pagerRig) wantRead(t *testing.T, off, n uint64) {
	t.Helper()
	cmd, o, l, ok := r.next(t)
	if !ok || cmd != object.PagerVMORead || o != off || l != n {
		t.Fatalf("request = cmd %d (%d, %d) ok %v, want READ (%d, %d)", cmd, o, l, ok, off, n)
	}
}

func (r *pagerRig) supply(t *testing.T, off, n uint64, seed byte) {
	t.Helper()
	aux := r.h.vmo(t, n*PageSize, 0)
	defer aux.Release()
	if st := aux.Write(0, pattern(int(n*PageSize), seed)); st != object.OK {
		t.Fatal(st)
	}
	if st := r.v.SupplyPages(off*PageSize, n*PageSize, aux, 0); st != object.OK {
		t.Fatalf("SupplyPages(%d, %d) = %v", off, n, st)
	}
	if aux.CommittedPages() != 0 {
		t.Error("aux keeps pages after a supply")
	}
}

type testWaiter struct {
	killed  chan struct{}
	blocked chan bool
}

func (w *testWaiter) Killed() <-chan struct{} { return w.killed }
func (w *testWaiter) SetBlockedPager(on bool) {
	select {
	case w.blocked <- on:
	default:
	}
}

func TestPagerReadWaitsForSupply(t *testing.T) {
	r := newPagerRig(t, 2, 0)
	done := make(chan object.Status)
	buf := make([]byte, 2*PageSize)
	go func() { done <- r.v.Read(0, buf) }()
	r.wantRead(t, 0, 1)
	r.supply(t, 0, 1, 1)
	r.wantRead(t, 1, 1) // one page at a time
	r.supply(t, 1, 1, 9)
	if st := <-done; st != object.OK {
		t.Fatal(st)
	}
	if string(buf[:PageSize]) != string(pattern(PageSize, 1)) || string(buf[PageSize:]) != string(pattern(PageSize, 9)) {
		t.Error("read the wrong bytes")
	}
	if _, _, _, ok := r.next(t); ok {
		t.Error("extra request")
	}
	if r.v.PagerKoid() != r.pg.Koid() || !r.v.PagerBacked() {
		t.Error("pager koid")
	}
}

func TestPagerCommitSplitsAndSupplyOverlaps(t *testing.T) {
	r := newPagerRig(t, 8, 0)
	r.supply(t, 4, 1, 3)
	done := make(chan object.Status)
	go func() { done <- r.v.OpRange(VMOOpCommit, 0, 8*PageSize) }()
	r.wantRead(t, 0, 4)
	for i := uint64(0); i < 4; i++ {
		r.supply(t, 0, i+1, 5) // redundant supplies keep the first pages
	}
	r.wantRead(t, 5, 3)
	r.supply(t, 5, 3, 7)
	if st := <-done; st != object.OK {
		t.Fatal(st)
	}
	if r.v.CommittedPages() != 8 {
		t.Errorf("committed %d pages", r.v.CommittedPages())
	}
	b := make([]byte, PageSize)
	r.v.Read(4*PageSize, b)
	if string(b) != string(pattern(PageSize, 3)) {
		t.Error("a supply replaced a present page")
	}
}

func TestPagerEarlySupplyRetractsPacket(t *testing.T) {
	r := newPagerRig(t, 1, 0)
	w := &testWaiter{killed: make(chan struct{}), blocked: make(chan bool, 4)}
	done := make(chan object.Status)
	go func() { done <- r.v.ReadWait(0, make([]byte, 8), w) }()
	if !<-w.blocked {
		t.Fatal("not blocked")
	}
	r.supply(t, 0, 1, 1)
	if st := <-done; st != object.OK {
		t.Fatal(st)
	}
	if _, _, _, ok := r.next(t); ok {
		t.Error("the satisfied request's packet stayed on the port")
	}
}

func TestPagerFailDetachKill(t *testing.T) {
	r := newPagerRig(t, 4, VMOResizable)
	done := make(chan object.Status)
	go func() { done <- r.v.OpRange(VMOOpCommit, 0, 2*PageSize) }()
	r.wantRead(t, 0, 2)
	wantStatus(t, "FailPages out of range", r.v.FailPages(0, 5*PageSize, object.ErrIO), object.ErrOutOfRange)
	wantStatus(t, "FailPages", r.v.FailPages(PageSize, PageSize, object.ErrIO), object.OK)
	wantStatus(t, "commit after FAIL", <-done, object.ErrIO)

	// A killed waiter leaves; the request stays for the next reader.
	w := &testWaiter{killed: make(chan struct{}), blocked: make(chan bool, 4)}
	go func() { done <- r.v.ReadWait(0, make([]byte, 8), w) }()
	r.wantRead(t, 0, 1)
	close(w.killed)
	wantStatus(t, "killed read", <-done, object.ErrInternalIntrKilled)

	// A shrink ends the requests past the end: the reader finds the range gone.
	go func() { done <- r.v.Read(3*PageSize, make([]byte, 8)) }()
	r.wantRead(t, 3, 1)
	wantStatus(t, "SetSize", r.v.SetSize(2*PageSize), object.OK)
	wantStatus(t, "read past a shrink", <-done, object.ErrOutOfRange)

	// Detach: waiters fail with BAD_STATE, pages go, COMPLETE is queued.
	r.supply(t, 1, 1, 1)
	w = &testWaiter{killed: make(chan struct{}), blocked: make(chan bool, 4)}
	go func() { done <- r.v.ReadWait(0, make([]byte, 8), w) }()
	<-w.blocked // waiting on the killed reader's request for page 0
	wantStatus(t, "detach", r.v.DetachPager(), object.OK)
	wantStatus(t, "read across detach", <-done, object.ErrBadState)
	for {
		cmd, _, _, ok := r.next(t)
		if !ok {
			t.Fatal("no COMPLETE packet")
		}
		if cmd == object.PagerVMOComplete {
			break
		}
	}
	if r.v.CommittedPages() != 0 {
		t.Error("detach kept pages")
	}
	wantStatus(t, "read after detach", r.v.Read(PageSize, make([]byte, 8)), object.ErrBadState)
	wantStatus(t, "detach again", r.v.DetachPager(), object.OK)
}

// suspWaiter is a testWaiter whose thread can be suspended.
type suspWaiter struct {
	testWaiter
	kick   chan struct{} // closed by a suspension
	resume chan struct{} // ParkSuspended returns when this is closed
}

func (w *suspWaiter) PagerSuspended() <-chan struct{} { return w.kick }
func (w *suspWaiter) ParkSuspended()                  { <-w.resume; w.kick = make(chan struct{}) }

func TestPagerSuspendedWaiterAsksAgain(t *testing.T) {
	r := newPagerRig(t, 1, 0)
	w := &suspWaiter{testWaiter{make(chan struct{}), make(chan bool, 8)}, make(chan struct{}), make(chan struct{})}
	done := make(chan object.Status)
	go func() { done <- r.v.OpRangeWait(VMOOpCommit, 0, PageSize, w) }()
	r.wantRead(t, 0, 1)
	close(w.kick) // suspend: the request is cancelled
	for <-w.blocked {
	}
	if _, _, _, ok := r.next(t); ok {
		t.Fatal("a packet while suspended")
	}
	r.v.mu.Lock()
	left := len(r.v.pager.reqs)
	r.v.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d pages still requested while the only waiter is suspended", left)
	}
	close(w.resume)
	r.wantRead(t, 0, 1) // asked anew after the resume
	r.supply(t, 0, 1, 1)
	wantStatus(t, "commit", <-done, object.OK)
}

// A waiter killed while suspended asks nothing again.
func TestPagerKilledWhileSuspended(t *testing.T) {
	r := newPagerRig(t, 1, 0)
	w := &suspWaiter{testWaiter{make(chan struct{}), make(chan bool, 8)}, make(chan struct{}), make(chan struct{})}
	done := make(chan object.Status)
	go func() { done <- r.v.ReadWait(0, make([]byte, 8), w) }()
	r.wantRead(t, 0, 1)
	close(w.kick)
	for <-w.blocked {
	}
	close(w.killed)
	close(w.resume)
	wantStatus(t, "read", <-done, object.ErrInternalIntrKilled)
	if _, _, _, ok := r.next(t); ok {
		t.Error("a request after the kill")
	}
}

// With another waiter on the request, a suspended one leaves it be.
func TestPagerSuspendedWaiterLeavesSharedRequest(t *testing.T) {
	r2 := newPagerRig(t, 1, 0)
	done := make(chan object.Status)
	w := &suspWaiter{testWaiter{make(chan struct{}), make(chan bool, 8)}, make(chan struct{}), make(chan struct{})}
	other := make(chan object.Status)
	go func() { other <- r2.v.Read(0, make([]byte, 8)) }()
	r2.wantRead(t, 0, 1)
	go func() { done <- r2.v.ReadWait(0, make([]byte, 8), w) }()
	<-w.blocked
	close(w.kick)
	for <-w.blocked {
	}
	close(w.resume)
	r2.supply(t, 0, 1, 2)
	wantStatus(t, "other reader", <-other, object.OK)
	wantStatus(t, "resumed reader", <-done, object.OK)
	if _, _, _, ok := r2.next(t); ok {
		t.Error("a second request although another waiter kept the first")
	}
}

func TestPagerFaultsAndClose(t *testing.T) {
	r := newPagerRig(t, 2, 0)
	h := r.h
	addr, st := h.RootVMAR().Map(rw, 0, r.v, 0, 2*PageSize, allRights, allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	r.supply(t, 1, 1, 1)
	// MAP_RANGE-style population and fault-around never ask the pager.
	done := make(chan object.Status)
	go func() { done <- h.ResolveWait(addr, 0, nil) }()
	r.wantRead(t, 0, 1)
	r.supply(t, 0, 1, 2)
	wantStatus(t, "fault", <-done, object.OK)
	if h.pte(addr) == 0 {
		t.Error("no PTE after the fault")
	}
	// Copies through a mapping never wait: a missing page is a fault.
	wantStatus(t, "detach", r.v.DetachPager(), object.OK)
	if err := h.CopyIn(make([]byte, 8), addr); err != ErrFault {
		t.Errorf("CopyIn of a missing pager page = %v", err)
	}
	wantStatus(t, "fault after detach", h.Resolve(addr, 0), object.ErrBadState)
	h.RootVMAR().Unmap(addr, 2*PageSize)
}

func TestPagerClosedKeepsSupplied(t *testing.T) {
	r := newPagerRig(t, 2, 0)
	r.supply(t, 1, 1, 1)
	done := make(chan object.Status)
	go func() { done <- r.v.Read(0, make([]byte, 8)) }()
	r.wantRead(t, 0, 1)
	r.pg.OnZeroHandles()
	wantStatus(t, "read after the pager closed", <-done, object.ErrBadState)
	wantStatus(t, "supplied page", r.v.Read(PageSize, make([]byte, 8)), object.OK)
}

func TestPagerSupplyErrors(t *testing.T) {
	r := newPagerRig(t, 1, 0)
	plain := r.h.vmo(t, PageSize, 0)
	defer plain.Release()
	wantStatus(t, "supply into a plain VMO", plain.SupplyPages(0, PageSize, plain, 0), object.ErrInvalidArgs)
	wantStatus(t, "aux past its end", r.v.SupplyPages(0, PageSize, plain, PageSize), object.ErrOutOfRange)
	wantStatus(t, "vmo past its end", r.v.SupplyPages(PageSize, PageSize, plain, 0), object.ErrOutOfRange)
	child, st := plain.CreateChild(VMOChildSnapshot, 0, PageSize)
	if st != object.OK {
		t.Fatal(st)
	}
	wantStatus(t, "aux with a child", r.v.SupplyPages(0, PageSize, plain, 0), object.ErrBadState)
	wantStatus(t, "aux a clone", r.v.SupplyPages(0, PageSize, child, 0), object.ErrBadState)
	child.Release()
	wantStatus(t, "aux pager-backed", r.v.SupplyPages(0, PageSize, r.v, 0), object.ErrBadState)
	_, st = r.v.CreateChild(VMOChildSnapshot, 0, PageSize)
	wantStatus(t, "SNAPSHOT of a pager VMO", st, object.ErrNotSupported)
	wantStatus(t, "decommit", r.v.OpRange(VMOOpDecommit, 0, PageSize), object.ErrNotSupported)
}

func TestPagerClone(t *testing.T) {
	r := newPagerRig(t, 4, VMOResizable)
	r.supply(t, 1, 1, 1)
	c, st := r.v.CreateChild(VMOChildSnapshotAtLeastOnWrite, 0, 4*PageSize)
	if st != object.OK {
		t.Fatal(st)
	}
	defer c.Release()
	c2, _ := r.v.CreateChild(VMOChildSnapshotAtLeastOnWrite, 0, 4*PageSize)
	defer c2.Release()
	_, st = c.CreateChild(VMOChildSnapshot, 0, PageSize)
	wantStatus(t, "SNAPSHOT of a pager clone", st, object.ErrNotSupported)
	// A read of the clone asks the parent's pager.
	done := make(chan object.Status)
	b := make([]byte, PageSize)
	go func() { done <- c.Read(0, b) }()
	r.wantRead(t, 0, 1)
	r.supply(t, 0, 1, 4)
	wantStatus(t, "clone read", <-done, object.OK)
	if string(b) != string(pattern(PageSize, 4)) {
		t.Error("clone read the wrong bytes")
	}
	// A commit of the clone asks for the runs its parent lacks.
	go func() { done <- c.OpRange(VMOOpCommit, 0, 4*PageSize) }()
	r.wantRead(t, 2, 2)
	r.supply(t, 2, 2, 6)
	wantStatus(t, "clone commit", <-done, object.OK)
	if c.CommittedPages() != 4 {
		t.Errorf("clone committed %d pages", c.CommittedPages())
	}
	// Writes stay on their side.
	c.Write(0, []byte{0xee})
	r.v.Read(0, b[:1])
	if b[0] == 0xee {
		t.Error("a clone write reached the parent")
	}
	// A parent shrunk and regrown shows its clones nothing new (c2 holds
	// no page of its own).
	wantStatus(t, "shrink", r.v.SetSize(0), object.OK)
	wantStatus(t, "grow", r.v.SetSize(4*PageSize), object.OK)
	wantStatus(t, "clone read past the shrink", c2.Read(3*PageSize, b), object.OK)
	if !isZero(b) {
		t.Error("a clone saw past its parent's shrink")
	}
	if _, _, _, ok := r.next(t); ok {
		t.Error("extra request")
	}
}

// A clone shares its parent's pages until it writes them: through Read,
// a mapping (read-only PTEs of the parent's page) and kernel copies; the
// parent's detach and shrink take the shared pages away from it.
func TestPagerCloneSharesUntilWritten(t *testing.T) {
	r := newPagerRig(t, 4, VMOResizable)
	h := r.h
	r.supply(t, 0, 4, 1)
	c, st := r.v.CreateChild(VMOChildSnapshotAtLeastOnWrite, PageSize, 3*PageSize)
	if st != object.OK {
		t.Fatal(st)
	}
	defer c.Release()
	if c.CommittedPages() != 0 {
		t.Errorf("a new clone holds %d pages", c.CommittedPages())
	}
	addr, st := h.RootVMAR().Map(rw, 0, c, 0, 3*PageSize, allRights, allRights)
	if st != object.OK {
		t.Fatal(st)
	}
	// Split the mapping: both halves must stay known to the parent.
	wantStatus(t, "protect", h.RootVMAR().Protect(VMPermRead, addr+2*PageSize, PageSize), object.OK)
	for i := uint64(0); i < 3; i++ {
		wantStatus(t, "read fault", h.Resolve(addr+i*PageSize, 0), object.OK)
		pte := h.pte(addr + i*PageSize)
		if pte == 0 || pte&pagetable.Writable != 0 {
			t.Fatalf("page %d: PTE %#x, want a read-only one", i, pte)
		}
	}
	if c.CommittedPages() != 0 {
		t.Errorf("read faults gave the clone %d pages", c.CommittedPages())
	}
	// The parent writes in place: the clone sees it every way.
	wantStatus(t, "parent write", r.v.Write(2*PageSize, []byte{0xaa}), object.OK)
	b := make([]byte, 1)
	wantStatus(t, "clone read", c.Read(PageSize, b), object.OK)
	if b[0] != 0xaa {
		t.Error("the clone's Read does not see the parent's write")
	}
	if err := h.CopyIn(b, addr+PageSize); err != nil || b[0] != 0xaa {
		t.Errorf("CopyIn through the clone = %v, %#x", err, b[0])
	}
	// A write forks: the copy replaces the read-only PTE.
	wantStatus(t, "write fault", h.Resolve(addr, pfWrite), object.OK)
	if pte := h.pte(addr); pte&pagetable.Writable == 0 {
		t.Errorf("PTE %#x after the write fault", pte)
	}
	if err := h.CopyOut(addr+PageSize, []byte{0xbb}); err != nil {
		t.Fatal(err)
	}
	if c.CommittedPages() != 2 {
		t.Errorf("clone holds %d pages after two writes, want 2", c.CommittedPages())
	}
	r.v.Read(2*PageSize, b)
	if b[0] != 0xaa {
		t.Error("a clone write reached the parent")
	}
	// The parent's shrink unmaps the pages the clone only read.
	wantStatus(t, "shrink", r.v.SetSize(3*PageSize), object.OK)
	if h.pte(addr+2*PageSize) != 0 {
		t.Error("the clone still maps a page its parent freed")
	}
	wantStatus(t, "read past the shrink", c.Read(2*PageSize, b), object.OK)
	if b[0] != 0 {
		t.Error("the clone reads a page past its parent's shrink")
	}
	// Detach: pages the clone forked stay, the others fail.
	wantStatus(t, "detach", r.v.DetachPager(), object.OK)
	wantStatus(t, "forked page", c.Read(PageSize, b), object.OK)
	if b[0] != 0xbb {
		t.Error("the clone lost its write")
	}
	wantStatus(t, "fault on the forked page", h.Resolve(addr+PageSize, 0), object.OK)
	h.RootVMAR().Unmap(addr, 3*PageSize)
	c2, _ := r.v.CreateChild(VMOChildSnapshotAtLeastOnWrite, 0, PageSize)
	defer c2.Release()
	wantStatus(t, "read of a detached parent's page", c2.Read(0, b), object.ErrBadState)
}

func TestPagerZero(t *testing.T) {
	r := newPagerRig(t, 2, 0)
	r.supply(t, 0, 1, 1)
	wantStatus(t, "ZERO", r.v.OpRange(VMOOpZero, 0, 2*PageSize), object.OK)
	b := make([]byte, 2*PageSize)
	wantStatus(t, "read", r.v.Read(0, b), object.OK) // no page asked for
	if !isZero(b) {
		t.Error("ZERO left bytes")
	}
	if _, _, _, ok := r.next(t); ok {
		t.Error("ZERO asked the pager")
	}
}
