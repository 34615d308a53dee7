package vm

import (
	"beryl/arch/x86"
	"beryl/mm/kmem"
	"beryl/mm/pagetable"
)

// This file is the only one that touches kmem and arch/x86: the kernel's
// Env. Everything else in the package runs on the host with fake.go.

// kernelFrames allocates VMO pages from kmem.Phys (as user memory, which
// stops short of the kernel's reserve) and reaches them through the direct
// map.
type kernelFrames struct{}

func (kernelFrames) Alloc(fault bool) (uint64, error) {
	f := kmem.Lock()
	pa, err := kmem.AllocUser(fault)
	kmem.Unlock(f)
	return pa, err
}

func (kernelFrames) AllocContig(n uint64, alignLog2 uint32) (uint64, error) {
	f := kmem.Lock()
	pa, err := kmem.AllocUserContig(n, alignLog2)
	kmem.Unlock(f)
	return pa, err
}

func (kernelFrames) Free(pa uint64) {
	f := kmem.Lock()
	kmem.FreeUser(pa)
	kmem.Unlock(f)
}

func (kernelFrames) Bytes(pa uint64) []byte { return kmem.PhysBytes(pa, PageSize) }

// kernelTables allocates the page tables of user address spaces as user
// memory (kmem.AllocUserTable, which stops short of the kernel's reserve),
// with kmem.Lock held around the allocator calls; Table only computes a
// direct-map address.
type kernelTables struct{}

func (kernelTables) AllocTable() (uint64, error) {
	f := kmem.Lock()
	pa, err := kmem.AllocUserTable()
	kmem.Unlock(f)
	return pa, err
}

func (kernelTables) FreeTable(pa uint64) {
	f := kmem.Lock()
	kmem.FreeUser(pa)
	kmem.Unlock(f)
}

func (kernelTables) Table(pa uint64) *[pagetable.Entries]uint64 { return kmem.Tables.Table(pa) }

// kernelTLB flushes with INVLPG / a CR3 reload when root is in CR3; when
// other CPUs run threads, one shootdown round per call reaches them too
// (x86.Shootdown serves the calling CPU as well).
type kernelTLB struct{}

func live(root uint64) bool { return x86.ReadCR3()&pagetable.AddrMask == root }

// shoot runs one shootdown round with the trap lock held.
func shoot(root uint64, vas []uint64, retire bool) {
	f := kmem.Lock()
	x86.Shootdown(root, vas, retire, kmem.Kernel.Root)
	kmem.Unlock(f)
}

func (t kernelTLB) Flush(root, va uint64) {
	if x86.ShootdownCPUs() > 1 {
		v := [1]uint64{va}
		shoot(root, v[:], false)
		return
	}
	if live(root) {
		x86.Invlpg(uintptr(va))
	}
}

// FlushBatch invalidates several addresses of one operation in one round.
func (t kernelTLB) FlushBatch(root uint64, vas [MaxBatchFlushes]uint64, n int) {
	if x86.ShootdownCPUs() > 1 {
		shoot(root, vas[:n], false)
		return
	}
	for _, va := range vas[:n] {
		t.Flush(root, va)
	}
}

func (kernelTLB) FlushAll(root uint64) {
	if x86.ShootdownCPUs() > 1 {
		shoot(root, nil, false)
		return
	}
	if live(root) {
		x86.WriteCR3(x86.ReadCR3())
	}
}

func (kernelTLB) Retire(root uint64) {
	if x86.ShootdownCPUs() > 1 {
		shoot(root, nil, true)
		return
	}
	if live(root) {
		x86.LoadRoot(kmem.Kernel.Root)
	}
}

// KernelEnv returns the kernel's Env: pages from kmem.Phys, page tables
// from kmem.Tables, the real TLB, and the kernel half of kmem.Kernel.
func KernelEnv() *Env {
	return &Env{Frames: kernelFrames{}, Tables: kernelTables{}, TLB: kernelTLB{}, KernelRoot: kmem.Kernel.Root}
}

// KernelFrames returns the Frames of KernelEnv (for VMOs the zx syscall
// layer creates).
func KernelFrames() Frames { return kernelFrames{} }
