package main

import (
	"fmt"

	"beryl/userspace/zx"
)

// entry is a live handle of the pool.
type entry struct {
	h      zx.Handle
	typ    zx.ObjType
	rights zx.Rights
}

// pool is the fuzzer's set of live handles: objects it created and
// handles fuzzed calls returned. It is a slice in creation order (handle
// values are randomized per process, so choices go by index: a replay
// with the same seed picks the same objects).
type pool struct {
	entries []entry
	index   map[zx.Handle]int
	// protected are the handles fuzzed calls must never receive: the
	// process's own (self, thread, root VMAR, job, startup handles), the
	// arena and the fuzzer's anchors. protectedKoids are their objects:
	// a handle to one that a call returns is closed, never pooled.
	protected     map[zx.Handle]bool
	protectedKoid map[zx.Koid]bool
	// closed are values of handles the pool saw closed (recent first).
	closed []zx.Handle
}

func newPool() *pool {
	return &pool{index: map[zx.Handle]int{}, protected: map[zx.Handle]bool{}, protectedKoid: map[zx.Koid]bool{}}
}

// protect puts h (and its object) out of the fuzzer's reach.
func (p *pool) protect(h zx.Handle) {
	if h == zx.HandleInvalid {
		return
	}
	p.protected[h] = true
	if info, ok := basicInfo(h); ok {
		p.protectedKoid[info.Koid] = true
	}
}

// add puts a handle into the pool after checking it is live and not a
// protected object; it reports whether h is (now) pooled.
func (p *pool) add(h zx.Handle) bool {
	if h == zx.HandleInvalid || p.protected[h] {
		return false
	}
	info, st := handleBasic(h)
	if st == zx.ErrBadHandle {
		return false
	}
	if st == zx.OK && p.protectedKoid[info.Koid] {
		// A new handle to the fuzzer itself: drop it.
		zx.Sys_handle_close(h)
		return false
	}
	e := entry{h: h, typ: info.Type, rights: info.Rights}
	if i, ok := p.index[h]; ok {
		p.entries[i] = e
		return true
	}
	p.index[h] = len(p.entries)
	p.entries = append(p.entries, e)
	return true
}

// handleBasic is ZX_INFO_HANDLE_BASIC; a revoked (kos) handle is live but
// answers ZX_ERR_HANDLE_REVOKED.
func handleBasic(h zx.Handle) (zx.InfoHandleBasic, zx.Status) {
	info, err := h.BasicInfo()
	if err == nil {
		return info, zx.OK
	}
	if st, ok := err.(zx.Status); ok {
		if st == zx.ErrHandleRevoked {
			return zx.InfoHandleBasic{}, zx.OK
		}
		return info, st
	}
	return info, zx.ErrBadHandle
}

// remove drops h from the pool (it was closed or consumed).
func (p *pool) remove(h zx.Handle) {
	i, ok := p.index[h]
	if !ok {
		return
	}
	last := len(p.entries) - 1
	p.entries[i] = p.entries[last]
	p.index[p.entries[i].h] = i
	p.entries = p.entries[:last]
	delete(p.index, h)
	p.closed = append([]zx.Handle{h}, p.closed[:min(len(p.closed), 31)]...)
}

// revalidate refreshes h's entry after a call that may have consumed,
// closed or revoked it.
func (p *pool) revalidate(h zx.Handle) {
	if _, ok := p.index[h]; !ok {
		return
	}
	if !p.add(h) {
		p.remove(h)
	}
}

// reconcile makes the pool match the handle table: handles fuzzed calls
// returned in places the fuzzer does not parse join it, closed ones
// leave it.
func (p *pool) reconcile() error {
	table, st := handleTable()
	if st != zx.OK {
		return fmt.Errorf("ZX_INFO_HANDLE_TABLE: %v", st)
	}
	live := map[zx.Handle]bool{}
	for _, h := range table {
		live[h] = true
		if !p.protected[h] {
			if _, ok := p.index[h]; !ok {
				p.add(h)
			}
		}
	}
	for i := 0; i < len(p.entries); {
		if h := p.entries[i].h; !live[h] {
			p.remove(h)
			continue
		}
		i++
	}
	return nil
}

// ofType returns the indices of entries of type t (any type for
// ObjTypeNone) holding every right in need.
func (p *pool) ofType(t zx.ObjType, need zx.Rights) []int {
	var out []int
	for i, e := range p.entries {
		if (t == zx.ObjTypeNone || e.typ == t) && e.rights&need == need {
			out = append(out, i)
		}
	}
	return out
}

// count returns the number of entries of type t.
func (p *pool) count(t zx.ObjType) int {
	n := 0
	for _, e := range p.entries {
		if e.typ == t {
			n++
		}
	}
	return n
}

// closeAll closes every pooled handle.
func (p *pool) closeAll() {
	for _, e := range p.entries {
		zx.Sys_handle_close(e.h)
	}
	p.entries = nil
	p.index = map[zx.Handle]int{}
}
