package zxsys

import (
	"runtime/metrics"

	"beryl/kernel/object"
)

// ZX_INFO_KMEM_STATS and ZX_INFO_KMEM_STATS_EXTENDED: the machine's
// memory by use, from the physical allocator's counts (Dispatcher.Stats)
// and the kernel Go heap's metrics.

// kmemStats is the memory of zx_info_kmem_stats_t, in bytes.
type kmemStats struct {
	total, free, wired, heap, freeHeap, vmo, mmu, ipc, other uint64
}

// kmemStatsOf reads the counts: vmo is the pages that back user memory,
// total_heap the kernel Go heap's pages (free_heap its free bytes), and
// wired the rest of the used pages (the kernel image, page tables, boot
// structures): mmu_overhead, ipc and other are not counted apart.
func (d *Dispatcher) kmemStatsOf() kmemStats {
	ks := d.stats()
	const page = 4096
	s := kmemStats{
		total: ks.PagesTotal * page,
		free:  ks.PagesFree * page,
		heap:  ks.PagesHeap * page,
		vmo:   ks.PagesUser * page,
	}
	m := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(m)
	if m[0].Value.Kind() == metrics.KindUint64 {
		s.freeHeap = min(m[0].Value.Uint64(), s.heap)
	}
	if used := s.free + s.heap + s.vmo; used < s.total {
		s.wired = s.total - used
	}
	return s
}

// kmemStatsInfo serves both topics: handle must be the root resource or
// the system resource of ZX_RSRC_SYSTEM_INFO_BASE (BAD_HANDLE,
// WRONG_TYPE, ACCESS_DENIED), then one record.
func (d *Dispatcher) kmemStatsInfo(c Caller, h object.Handle, buf []byte, extended bool) (rec, actual, avail int, st object.Status) {
	if st := requireSystemResource(c, h, object.ResourceSystemInfoBase); st != object.OK {
		return 0, 0, 0, st
	}
	rec = object.InfoKmemStatsSize
	if extended {
		rec = object.InfoKmemStatsExtendedSize
	}
	if len(buf) < rec {
		return rec, 0, 1, object.ErrBufferTooSmall
	}
	s := d.kmemStatsOf()
	var fields []uint64
	if extended {
		// The pager and discardable counts are 0: Beryl neither evicts
		// pager-backed pages nor has discardable VMOs.
		fields = []uint64{s.total, s.free, s.wired, s.heap, s.freeHeap, s.vmo, 0, 0, 0, 0, 0, s.mmu, s.ipc, s.other}
	} else {
		fields = []uint64{s.total, s.free, s.wired, s.heap, s.freeHeap, s.vmo, s.mmu, s.ipc, s.other}
	}
	for i, f := range fields {
		le.PutUint64(buf[8*i:], f)
	}
	return rec, 1, 1, object.OK
}
