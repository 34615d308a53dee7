package main

import (
	"unsafe"

	"beryl/arch/x86/zxcall"
	"beryl/userspace/zx"
)

// The arena is the only user memory fuzzed calls point into: a VMAR of
// its own (never in the handle pool) holding, page by page,
//
//	0        unmapped guard
//	1..16    read-write buffers (the bump allocator of each call)
//	17       unmapped guard (buffers at the end of 1..16 straddle into it)
//	18       read-only page
//	19..31   unmapped
//
// so that a fuzzed pointer, whatever size goes with it, reaches nothing of
// the fuzzer's own Go runtime: copies from a valid pointer run into a
// guard page before they leave the arena.
const (
	pg         = zx.PageSize
	arenaPages = 32
	rwFirst    = 1
	rwPages    = 16
	guardPage  = 17
	roPage     = 18
	rwBytes    = rwPages * pg
)

type arena struct {
	vmar zx.Vmar
	vmo  zx.Vmo
	base uintptr
	rw   []byte // the read-write pages
}

func ptrAt(addr uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&addr)) }

func newArena(fill func([]byte)) (*arena, error) {
	vmo, err := zx.NewVmo((rwPages+1)*pg, 0)
	if err != nil {
		return nil, err
	}
	vmar, base, err := zx.VmarRootSelf().Allocate(zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapSpecific, 0, arenaPages*pg)
	if err != nil {
		vmo.Close()
		return nil, err
	}
	a := &arena{vmar: vmar, vmo: vmo, base: uintptr(base)}
	ro := make([]byte, pg)
	fill(ro)
	if err := vmo.Write(ro, rwPages*pg); err != nil {
		a.close()
		return nil, err
	}
	if _, err := vmar.Map(zx.VMPermRead|zx.VMPermWrite|zx.VMSpecific, rwFirst*pg, vmo, 0, rwBytes); err != nil {
		a.close()
		return nil, err
	}
	if _, err := vmar.Map(zx.VMPermRead|zx.VMSpecific, roPage*pg, vmo, rwPages*pg, pg); err != nil {
		a.close()
		return nil, err
	}
	a.rw = unsafe.Slice((*byte)(ptrAt(a.base+rwFirst*pg)), rwBytes)
	return a, nil
}

// rwAddr is the user address of offset off in the read-write pages.
func (a *arena) rwAddr(off int) uint64 { return uint64(a.base) + rwFirst*pg + uint64(off) }

func (a *arena) page(n int) uint64 { return uint64(a.base) + uint64(n)*pg }

func (a *arena) close() {
	a.rw = nil
	a.vmar.Destroy()
	a.vmar.Close()
	a.vmo.Close()
}

// issue makes a raw syscall through the user stub machinery: zxcall.Call
// (the P released) for blocking calls, zxcall.RawCall otherwise.
func issue(d *zx.SyscallDesc, a *[8]uint64) int64 {
	if d.Blocking {
		return int64(zxcall.Call(d.Num, uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), uintptr(a[5]), uintptr(a[6]), uintptr(a[7])))
	}
	return int64(zxcall.RawCall(d.Num, uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), uintptr(a[3]), uintptr(a[4]), uintptr(a[5]), uintptr(a[6]), uintptr(a[7])))
}

// Sizes of the element types the spec's pointers name, from the zx
// package's C-layout types.
var elemSizes = map[string]int{
	"void": 1, "char": 1,
	"zx_handle_t": 4, "zx_rights_t": 4, "zx_signals_t": 4, "zx_vm_option_t": 4,
	"zx_clock_t": 4, "zx_futex_t": 4, "uint32_t": 4,
	"zx_time_t": 8, "zx_duration_t": 8, "zx_koid_t": 8, "zx_vaddr_t": 8,
	"uint64_t": 8, "int64_t": 8, "size_t": 8, "uintptr_t": 8,
	"zx_wait_item_t":             int(unsafe.Sizeof(zx.WaitItem{})),
	"zx_port_packet_t":           int(unsafe.Sizeof(zx.PortPacket{})),
	"zx_handle_info_t":           int(unsafe.Sizeof(zx.HandleInfo{})),
	"zx_handle_disposition_t":    int(unsafe.Sizeof(zx.HandleDisposition{})),
	"zx_channel_call_args_t":     int(unsafe.Sizeof(zx.ChannelCallArgs{})),
	"zx_channel_call_etc_args_t": int(unsafe.Sizeof(zx.ChannelCallEtcArgs{})),
	"kos_call_args_t":            int(unsafe.Sizeof(zx.KosCallArgs{})),
	"kos_msg_buf_t":              int(unsafe.Sizeof(zx.KosMsgBuf{})),
	"kos_sizes_t":                int(unsafe.Sizeof(zx.KosSizes{})),
	"kos_recv_info_t":            int(unsafe.Sizeof(zx.KosRecvInfo{})),
	"kos_handle_desc_t":          int(unsafe.Sizeof(zx.KosHandleDesc{})),
	"kos_recv_handle_t":          int(unsafe.Sizeof(zx.KosRecvHandle{})),
	"zx_system_powerctl_arg_t":   int(zx.SystemPowerctlArgSize),
}

// elemSize is the size of one element a pointer of type elem points to;
// an unknown struct counts as 64 bytes (filled with random bytes).
func elemSize(elem string) int {
	if n, ok := elemSizes[elem]; ok {
		return n
	}
	return 64
}

// handleTable lists the caller's handles (ZX_INFO_HANDLE_TABLE: 40-byte
// records, the handle value at offset 4), growing its buffer as needed.
func handleTable() ([]zx.Handle, zx.Status) {
	buf := make([]byte, 40*256)
	for {
		var actual, avail uint
		st := zx.Sys_object_get_info(zx.ProcessSelf().Handle, zx.ObjectInfoHandleTable, unsafe.Pointer(&buf[0]), uint(len(buf)), &actual, &avail)
		if st != zx.OK {
			return nil, st
		}
		if avail > actual {
			buf = make([]byte, 40*(avail+64))
			continue
		}
		out := make([]zx.Handle, actual)
		for i := range out {
			out[i] = *(*zx.Handle)(unsafe.Pointer(&buf[40*i+4]))
		}
		return out, zx.OK
	}
}

// basicInfo is ZX_INFO_HANDLE_BASIC of h; ok is false when h is not a
// valid handle of the caller.
func basicInfo(h zx.Handle) (zx.InfoHandleBasic, bool) {
	if h == zx.HandleInvalid {
		return zx.InfoHandleBasic{}, false
	}
	info, err := h.BasicInfo()
	return info, err == nil
}
