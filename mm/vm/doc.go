// Package vm implements Zircon's memory objects and the user address
// spaces built from them:
//
//   - VMO (vmo.go): a paged, demand-zero virtual memory object. Pages are
//     committed on first touch (fault, write, ZX_VMO_OP_COMMIT) and freed
//     on decommit, shrink and destruction. The page map (pagemap.go) is a
//     two-level table, so faults seldom allocate on the Go heap.
//   - VMO children (child.go): zx_vmo_create_child. Copy-on-write
//     children take their parent's pages as shared pages (shares.go: a
//     count of extra holders per physical page); shared pages are
//     read-only in every page table and the first write on either side
//     copies the page. Slices are windows on their parent's pages.
//   - Pager-backed VMOs (pager.go): zx_pager_create_vmo. A missing page
//     is asked of the pager (a page request packet on its port, through
//     kernel/object's PagerSource) and the fault, vmo_read/write or
//     commit waits, with no lock held, until pager_supply_pages moves
//     pages in, pager_op_range fails them, the VMO is detached or the
//     waiting thread is killed or suspended. SNAPSHOT_AT_LEAST_ON_WRITE
//     clones share their pager-backed parent's pages until they write
//     them (read faults map the parent's page read-only).
//   - VMAR (vmar.go): a virtual memory address region. Every address
//     space has a root VMAR covering the user range; sub-VMARs and
//     mappings (a VMO window with permissions) are its children. A
//     mapping holds a reference to its VMO, so closing the VMO's last
//     handle keeps the mapping (and the pages) alive.
//   - AddressSpace (aspace.go): the page tables of one process, the root
//     VMAR, page-fault resolution (VMAR → mapping → VMO page → PTE),
//     checked copy-in/copy-out, and the Linux personality (mmap, munmap,
//     mprotect, MADV_DONTNEED) mapped onto VMOs and VMARs.
//
// Everything that touches real hardware or the physical allocator sits
// behind Env (Frames for data pages, a PageSource for page tables, TLB for
// invalidation and the CR3 switch on teardown). KernelEnv (kernel.go) is the
// only file importing kmem and arch/x86; host tests use HeapFrames,
// HeapTables and a recording TLB (fake.go), so the same code runs under
// plain `go test`.
//
// # Linux personality
//
// mmap creates an anonymous VMO of the mapping's size and maps it into the
// root VMAR: MAP_FIXED is ZX_VM_SPECIFIC_OVERWRITE, a free hint is
// ZX_VM_SPECIFIC, anything else is placed top-down below 0x7f0000000000.
// PROT_NONE is a mapping without permissions (not a sub-VMAR), so a later
// MAP_FIXED or mprotect over it behaves as on Linux and its pages are kept
// across mprotect. Such a "private" VMO is reachable only through its
// mapping and the splits of it, so unmapping part of it also frees that
// part's pages. MADV_DONTNEED decommits private pages (they read back as
// zero) and only drops the PTEs of shared VMOs.
//
// # Lock order
//
//  1. AddressSpace.mu — the VMAR tree lock of one address space: children
//     lists, mapping geometry and permissions, VMAR life cycle. Faults and
//     copies take it shared; map/unmap/protect/destroy exclusively.
//  2. VMO.mu — a VMO's pages, size and set of mappings. Mapping geometry
//     is written with both 1 and 2 held, so either lock suffices to read
//     it. A clone of a pager-backed VMO takes its parent's VMO.mu inside
//     its own (never the other way), also to change its set of mappings
//     and their geometry, which the parent's unmaps read under the
//     parent's lock alone; a pager's page requests take the
//     port's lock (kernel/object) inside VMO.mu.
//  3. AddressSpace.ptMu — that address space's page tables, present-page
//     count and TLB flushes.
//  4. kmem.Lock (interrupts off) — taken inside Frames and the page-table
//     PageSource around every physical allocator call; a leaf.
//
// shareTable.mu (shares.go) is a leaf taken under VMO.mu. familyMu
// (child.go: parent/children links) is taken with no VMO or page-table
// lock held and nests outside the VMOs' object (signal) locks.
//
// Locks of two address spaces are never held together at level 1; a VMO
// operation (shrink, decommit) takes the level-3 locks of every address
// space mapping it, one at a time. VMO references are released (which may
// destroy the VMO and take its lock) only with no VMO or page-table lock
// held. kernel/object's locks are never held while calling in here, and
// this package calls into kernel/object only for reference counting.
//
// Functions whose names end in Locked need the lock named in their doc
// comment.
package vm
