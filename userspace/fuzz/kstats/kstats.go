// Package kstats takes snapshots of the kernel's object, handle and page
// counts (beryl_kernel_stats) for leak and growth checks, with runtime
// noise taken out: the VMOs behind the anonymous mappings of every live
// process (each Go heap maps memory when it likes: the caller's, and
// fsd's or init's while a test runs), the calling process's threads and
// the threads every other live process's runtime made (a Go runtime
// starts threads when it likes and never ends them), and the caller's
// resident pages.
package kstats

import (
	"fmt"
	"strings"
	"time"

	"beryl/userspace/zx"
)

// Snapshot is a kernel stats record with the caller's noise removed.
type Snapshot struct {
	zx.KernelStats
	// OwnThreads is the number of the caller's threads, taken out of
	// Objects[ObjTypeThread] and LiveObjects with the other processes'
	// runtime threads (ClonedThreads).
	OwnThreads uint64
}

// Take reads beryl_kernel_stats and removes every live process's private
// VMOs, the caller's threads and the other live processes' runtime
// threads from the object counts: other processes' runtimes map heap and
// start threads while a test runs (fsd's VMOs come and go during
// smp/TestProcessStorm; init or fsd starts threads during
// process/TestReap100 at -smp 4), which would look like leaks. Threads
// made by zx_thread_create, and any thread of a dead process, still
// count.
func Take() (Snapshot, error) {
	s, err := zx.GetKernelStats(zx.HandleInvalid)
	if err != nil {
		return Snapshot{}, err
	}
	private := RuntimeVmos(s)
	s.Objects[zx.ObjTypeVMO] -= private
	s.LiveObjects -= private
	n := ownThreads()
	s.Objects[zx.ObjTypeThread] -= n + s.ClonedThreads
	s.LiveObjects -= n + s.ClonedThreads
	return Snapshot{KernelStats: s, OwnThreads: n}, nil
}

// RuntimeVmos is how many VMOs a leak check takes out of s's VMO count:
// those behind the anonymous mappings of every live process (their Go
// runtimes' heaps). A VMO no live process maps still counts, so a leaked
// one shows. A kernel without the PrivateVmos field leaves it 0: the
// caller's part is then all that can be taken out.
func RuntimeVmos(s zx.KernelStats) uint64 {
	return max(s.PrivateVmos, s.CallerPrivateVmos)
}

// ownThreads counts the caller's threads (ZX_INFO_PROCESS_THREADS avail).
func ownThreads() uint64 {
	_, avail, err := zx.ProcessSelf().GetInfo(zx.ObjectInfoProcessThreads, nil)
	if err != nil {
		return 0
	}
	return uint64(avail)
}

// UsedPages is what processes other than the caller, VMOs and page tables
// hold: every page that is neither free, nor in the kernel's own
// (garbage-collected) heap, nor resident in the caller.
func (s Snapshot) UsedPages() int64 {
	return int64(s.PagesTotal) - int64(s.PagesFree) - int64(s.PagesHeap) - int64(s.CallerPages)
}

// SameCounts reports whether s and o have the same processes, objects per
// type and handles.
func (s Snapshot) SameCounts(o Snapshot) bool {
	return s.Processes == o.Processes && s.Objects == o.Objects && s.LiveHandles == o.LiveHandles
}

// String describes the snapshot on one line.
func (s Snapshot) String() string {
	return fmt.Sprintf("processes %d, objects %d (%s), handles %d, pages free %d used %d heap %d",
		s.Processes, s.LiveObjects, s.Types(), s.LiveHandles, s.PagesFree, s.UsedPages(), s.PagesHeap)
}

// Types lists the nonzero per-type object counts as "name:n".
func (s Snapshot) Types() string {
	var types []string
	for ty, n := range s.Objects {
		if n != 0 {
			types = append(types, fmt.Sprintf("%s:%d", TypeName(zx.ObjType(ty)), n))
		}
	}
	return strings.Join(types, " ")
}

// Diff describes how o differs from s (o - s), field by field; "" when
// counts agree.
func (s Snapshot) Diff(o Snapshot) string {
	var d []string
	if s.Processes != o.Processes {
		d = append(d, fmt.Sprintf("processes %+d", int64(o.Processes)-int64(s.Processes)))
	}
	if s.LiveHandles != o.LiveHandles {
		d = append(d, fmt.Sprintf("handles %+d", int64(o.LiveHandles)-int64(s.LiveHandles)))
	}
	for ty := range s.Objects {
		if s.Objects[ty] != o.Objects[ty] {
			d = append(d, fmt.Sprintf("%s %+d", TypeName(zx.ObjType(ty)), int64(o.Objects[ty])-int64(s.Objects[ty])))
		}
	}
	return strings.Join(d, ", ")
}

var typeNames = map[zx.ObjType]string{
	zx.ObjTypeProcess: "process", zx.ObjTypeThread: "thread", zx.ObjTypeVMO: "vmo",
	zx.ObjTypeChannel: "channel", zx.ObjTypeEvent: "event", zx.ObjTypePort: "port",
	zx.ObjTypeDebugLog: "log", zx.ObjTypeSocket: "socket", zx.ObjTypeResource: "resource",
	zx.ObjTypeEventPair: "eventpair", zx.ObjTypeJob: "job", zx.ObjTypeVMAR: "vmar",
	zx.ObjTypeFIFO: "fifo", zx.ObjTypeTimer: "timer", zx.ObjTypeKosUserObject: "kos_user_object",
	zx.ObjTypeKosBadge: "kos_badge", zx.ObjTypeKosServer: "kos_server", zx.ObjTypeKosClient: "kos_client",
}

// TypeName is a short name of an object type ("type<N>" if unknown).
func TypeName(t zx.ObjType) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type%d", t)
}

// Settle waits until two snapshots interval apart agree; with check,
// until the counts equal base's and used pages are within slack pages of
// base's. It fails after timeout, naming what differs.
func Settle(base Snapshot, check bool, interval, timeout time.Duration, slack int64) (Snapshot, error) {
	prev, err := Take()
	if err != nil {
		return prev, err
	}
	deadline := time.Now().Add(timeout)
	for {
		time.Sleep(interval)
		s, err := Take()
		if err != nil {
			return s, err
		}
		if check && s.SameCounts(base) && s.UsedPages() <= base.UsedPages()+slack || !check && s.SameCounts(prev) {
			return s, nil
		}
		if time.Now().After(deadline) {
			if !check {
				return s, fmt.Errorf("kernel counts do not settle: %s", s)
			}
			return s, fmt.Errorf("kernel state not back at its start after %v: %s; used pages %+d\n  before: %s\n  after:  %s",
				timeout, base.Diff(s), s.UsedPages()-base.UsedPages(), base, s)
		}
		prev = s
	}
}
