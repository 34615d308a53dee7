package kmain

import (
	"sync"
	"sync/atomic"

	"beryl/arch/x86"
	"beryl/kernel/object"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

// Message-signalled interrupts of userspace drivers: msi_allocate takes
// a block of the kernel's MSI vectors (rt.VectorMSIBase...), msi_create
// writes one vector's message (address: the boot CPU's local APIC, SDM
// Vol. 3A §11.11.1; data: the vector, fixed delivery, edge) into the
// device's MSI capability or MSI-X table entry through the kernel's own
// uncached mapping of the physical VMO the driver passed, and a
// goroutine turns each interrupt into Interrupt.Fire. Masking uses the
// MSI-X entry's vector-control bit or the MSI capability's per-vector
// mask bits (without them, MSI cannot be masked: edge interrupts need not).

var (
	msiMu      sync.Mutex
	msiUsed    uint64                 // bit i: MSI vector i allocated; guarded by msiMu
	msiWindows = map[uint64]uintptr{} // physical page → uncached kernel mapping; guarded by msiMu
)

// allocMSI is IRQOps.AllocMSI: count (a power of two up to 32)
// consecutive vectors aligned to count, as multi-message MSI needs.
func allocMSI(count uint32) (uint32, uint64, uint32, func(), object.Status) {
	if count == 0 || count > object.MsiMaxCount || count&(count-1) != 0 {
		return 0, 0, 0, nil, object.ErrInvalidArgs
	}
	msiMu.Lock()
	defer msiMu.Unlock()
	mask := uint64(1)<<count - 1
	for b := uint32(0); b+count <= rt.NumMSIs; b += count {
		if msiUsed&(mask<<b) == 0 {
			msiUsed |= mask << b
			free := func() {
				msiMu.Lock()
				msiUsed &^= mask << b
				msiMu.Unlock()
			}
			addr := uint64(0xFEE00000) | uint64(x86.Local.ID())<<12
			return b, addr, uint32(rt.VectorMSIBase) + b, free, object.OK
		}
	}
	return 0, 0, 0, nil, object.ErrNoResources
}

// mmio32 returns a pointer to the 32-bit register at physical address
// pa, mapping its page uncached on first use.
func mmio32(pa uint64) (*uint32, bool) {
	page := pa &^ (kmem.PageSize - 1)
	msiMu.Lock()
	defer msiMu.Unlock()
	va, ok := msiWindows[page]
	if !ok {
		f := kmem.Lock()
		va, ok = kmem.MapMMIO(page, kmem.PageSize, false)
		kmem.Unlock(f)
		if !ok {
			return nil, false
		}
		msiWindows[page] = va
	}
	return (*uint32)(kmem.Ptr(va + uintptr(pa-page))), true
}

// msiLine is one MSI vector of an allocation.
type msiLine struct {
	m     *object.MSI
	id    uint32
	line  uint32  // rt line index
	maskR *uint32 // vector-control (MSI-X) or mask-bits (MSI) register; nil: none
	bit   uint32
	intr  *object.Interrupt
	stop  atomic.Bool
}

// msiLineFor is IRQOps.MSILine: regPA is the physical address of the MSI
// capability (msix false) or of the MSI-X table (msix true) of the
// device. INVALID_ARGS if the capability is not an MSI capability (ID
// 05h) or the registers cannot be mapped. ram says the registers are RAM
// (a contiguous VMO's pages, kept alive by the caller until Unregister),
// reached through the direct map instead of a window of their own.
func msiLineFor(m *object.MSI, id uint32, msix bool, regPA uint64, ram bool, intr *object.Interrupt) (object.InterruptLine, object.Status) {
	mmio32 := mmio32
	if ram {
		mmio32 = func(pa uint64) (*uint32, bool) { return (*uint32)(kmem.Ptr(kmem.PhysToVirt(pa))), true }
	}
	l := &msiLine{m: m, id: id, line: rt.NumIRQs + m.VecBase + id, intr: intr}
	data := m.Data + id
	if msix {
		e := regPA + 16*uint64(id) // PCIe 5.0 §7.7.2: addr lo, addr hi, data, vector control
		lo, ok1 := mmio32(e)
		hi, ok2 := mmio32(e + 4)
		d, ok3 := mmio32(e + 8)
		ctl, ok4 := mmio32(e + 12)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, object.ErrInvalidArgs
		}
		atomic.StoreUint32(ctl, atomic.LoadUint32(ctl)|1)
		atomic.StoreUint32(lo, uint32(m.Addr))
		atomic.StoreUint32(hi, uint32(m.Addr>>32))
		atomic.StoreUint32(d, data)
		l.maskR, l.bit = ctl, 1
	} else {
		hdr, ok := mmio32(regPA &^ 3)
		if !ok || regPA&3 != 0 {
			return nil, object.ErrInvalidArgs
		}
		v := atomic.LoadUint32(hdr)
		if v&0xff != 0x05 {
			return nil, object.ErrInvalidArgs
		}
		ctrl := v >> 16
		is64, perVector := ctrl&(1<<7) != 0, ctrl&(1<<8) != 0
		lo, _ := mmio32(regPA + 4)
		dataOff, maskOff := uint64(8), uint64(12)
		if is64 {
			hi, _ := mmio32(regPA + 8)
			atomic.StoreUint32(hi, uint32(m.Addr>>32))
			dataOff, maskOff = 12, 16
		}
		atomic.StoreUint32(lo, uint32(m.Addr))
		dw, _ := mmio32(regPA + dataOff)
		// Message data is 16 bits at the start of its dword; keep the rest.
		atomic.StoreUint32(dw, atomic.LoadUint32(dw)&^0xffff|m.Data&0xffff)
		if perVector {
			l.maskR, _ = mmio32(regPA + maskOff)
			l.bit = 1 << id
		}
	}
	go l.run(rt.IRQCount(l.line))
	l.Unmask()
	return l, object.OK
}

func (l *msiLine) run(seen uint32) {
	for {
		seen = rt.WaitIRQ(l.line, seen)
		if l.stop.Load() {
			return
		}
		l.intr.Fire(object.Now())
	}
}

func (l *msiLine) Mask() {
	if l.maskR != nil {
		atomic.StoreUint32(l.maskR, atomic.LoadUint32(l.maskR)|l.bit)
	}
}

func (l *msiLine) Unmask() {
	if l.maskR != nil {
		atomic.StoreUint32(l.maskR, atomic.LoadUint32(l.maskR)&^l.bit)
	}
}

func (l *msiLine) Unregister() {
	l.Mask()
	l.stop.Store(true)
	rt.KickIRQ(l.line)
	l.m.Unclaim(l.id)
	l.m.Release()
}
