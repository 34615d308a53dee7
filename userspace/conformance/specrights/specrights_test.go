// Package specrights is the conformance family that makes the `type=` and
// `rights=` attributes of syscall/spec.txt checked facts. Its case table
// (cases_gen_test.go) is generated from the spec by tools/zxgen: every
// handle argument with a type or a checked rights list. For each one,
// TestSpecRights calls the syscall with otherwise valid arguments and
//
//   - for each required right, a handle of the right type that lacks just
//     that right: ZX_ERR_ACCESS_DENIED;
//   - for a typed argument, a handle of another type (an event; a port
//     where the spec asks for an event): ZX_ERR_WRONG_TYPE.
//
// A spec entry that a kernel change contradicts (or the reverse) fails
// here, so spec and kernel cannot drift apart. The arguments other than
// the one under test are valid objects of the spec's type with their
// default rights, scratch memory for pointers and zero scalars unless
// argFixes says otherwise (calls that check a scalar before the handle).
package specrights

import (
	"testing"
	"unsafe"

	"beryl/arch/x86/zxcall"
	"beryl/userspace/conformance/ctest"
	"beryl/userspace/launch/relaunch"
	"beryl/userspace/zx"
)

// specCase is one checked handle argument of a syscall (generated table).
type specCase struct {
	Syscall  string
	Num      uintptr
	Blocking bool
	Arg      int    // index of the handle argument
	Name     string // its name in the spec
	Type     zx.ObjType
	Rights   []zx.Rights // each required right; nil: none checked
	Consumed bool
}

// argFixes sets scalar arguments a syscall validates before its handles,
// so that only the handle under test is wrong.
var argFixes = map[string]func(f *fixture, a *[8]uintptr){
	// count must be a power of two up to 32.
	"msi_allocate": func(f *fixture, a *[8]uintptr) { a[1] = 1 },
	// size must be non-zero.
	"vmo_create_contiguous": func(f *fixture, a *[8]uintptr) { a[1] = zx.PageSize },
	// a page of the VMO, readable.
	"bti_pin": func(f *fixture, a *[8]uintptr) { a[1] = uintptr(zx.BtiPermRead); a[4] = zx.PageSize; a[6] = 1 },
	// a mapping of the VMO's first page.
	"vmar_map": func(f *fixture, a *[8]uintptr) { a[1] = uintptr(zx.VMPermRead); a[5] = zx.PageSize },
	// one ZX_JOB_POL_BASIC_V1 entry: Zircon copies the policy in before
	// it looks up the job.
	"job_set_policy": func(f *fixture, a *[8]uintptr) { a[4] = 1 },
	// the elements are 8 bytes.
	"fifo_read":  func(f *fixture, a *[8]uintptr) { a[1] = 8 },
	"fifo_write": func(f *fixture, a *[8]uintptr) { a[1] = 8 },
	// an I/O port range.
	"resource_create": func(f *fixture, a *[8]uintptr) { a[1] = uintptr(zx.ResourceKindIOPort); a[2] = 0x2000; a[3] = 8 },
	// Zircon checks that the request holds at least a transaction id
	// before it looks up the channel.
	"channel_call": func(f *fixture, a *[8]uintptr) {
		f.call = zx.ChannelCallArgs{WriteBytes: &f.buf[0], ReadBytes: &f.buf[64], WriteNumBytes: 8, ReadNumBytes: 64}
		a[3] = uintptr(unsafe.Pointer(&f.call))
	},
	"channel_call_etc": func(f *fixture, a *[8]uintptr) {
		f.callEtc = zx.ChannelCallEtcArgs{WriteBytes: &f.buf[0], ReadBytes: &f.buf[64], WriteNumBytes: 8, ReadNumBytes: 64}
		a[3] = uintptr(unsafe.Pointer(&f.callEtc))
	},
	// Zircon checks the buffer and its size before the handle.
	"process_read_memory":  func(f *fixture, a *[8]uintptr) { a[3] = 8 },
	"process_write_memory": func(f *fixture, a *[8]uintptr) { a[3] = 8 },
	// Zircon checks that pager_vmo is the pager's and the range is
	// page-aligned before it looks up aux_vmo.
	"pager_supply_pages": func(f *fixture, a *[8]uintptr) {
		a[3] = zx.PageSize
		if f.arg == 1 {
			return
		}
		var vmo zx.Handle
		port := f.object(zx.ObjTypePort)
		if zx.Sys_pager_create_vmo(zx.Handle(a[0]), 0, port, 0, zx.PageSize, &vmo) == zx.OK {
			a[1] = uintptr(f.keep(vmo))
		}
	},
	// Zircon checks the args version and the update options first.
	"clock_get_details": func(f *fixture, a *[8]uintptr) { a[1] = uintptr(zx.ClockArgsVersion(1)) },
	"clock_update": func(f *fixture, a *[8]uintptr) {
		a[1] = uintptr(zx.ClockArgsVersion(1) | zx.ClockUpdateOptionRateAdjustValid)
	},
	// the two futexes must differ.
	"futex_requeue":              func(f *fixture, a *[8]uintptr) { a[3] = f.scratch + 8 },
	"futex_requeue_single_owner": func(f *fixture, a *[8]uintptr) { a[2] = f.scratch + 8 },
}

func root(t *testing.T) zx.Handle {
	t.Helper()
	if relaunch.RootResource == zx.HandleInvalid {
		t.Fatal("no root resource (PA_RESOURCE): init passes it to the conformance families")
	}
	return relaunch.RootResource
}

// fixture makes objects for one call and closes them afterwards.
type fixture struct {
	t       *testing.T
	handles []zx.Handle
	scratch uintptr
	pmts    []zx.Handle
	// buf and call hold what argFixes point arguments at.
	buf     [128]byte
	call    zx.ChannelCallArgs
	callEtc zx.ChannelCallEtcArgs
	// arg is the index of the argument under test (argFixes leave it).
	arg int
}

func (f *fixture) keep(h zx.Handle) zx.Handle {
	f.handles = append(f.handles, h)
	return h
}

func (f *fixture) close() {
	for _, p := range f.pmts {
		if ctest.Valid(p) {
			zx.Sys_pmt_unpin(p)
		}
	}
	for i := len(f.handles) - 1; i >= 0; i-- {
		zx.Sys_handle_close(f.handles[i])
	}
}

func (f *fixture) must(what string, st zx.Status) {
	f.t.Helper()
	if st != zx.OK {
		f.t.Fatalf("fixture %s: %v", what, st)
	}
}

// object returns a new object of type typ with its default rights.
func (f *fixture) object(typ zx.ObjType) zx.Handle { return f.variant(typ, 0) }

// variants is the number of ways a type's object is made: the later ones
// carry rights the first lacks (a resizable VMO: RESIZE; a readable
// debuglog: READ).
var variants = map[zx.ObjType]int{zx.ObjTypeVMO: 2, zx.ObjTypeDebugLog: 2}

// variant returns a new object of type typ made the v'th way.
func (f *fixture) variant(typ zx.ObjType, v int) zx.Handle {
	f.t.Helper()
	var h, h2 zx.Handle
	switch typ {
	case zx.ObjTypeEvent:
		f.must("event_create", zx.Sys_event_create(0, &h))
	case zx.ObjTypeEventPair:
		f.must("eventpair_create", zx.Sys_eventpair_create(0, &h, &h2))
		f.keep(h2)
	case zx.ObjTypeChannel:
		f.must("channel_create", zx.Sys_channel_create(0, &h, &h2))
		f.keep(h2)
	case zx.ObjTypeSocket:
		f.must("socket_create", zx.Sys_socket_create(0, &h, &h2))
		f.keep(h2)
	case zx.ObjTypeFIFO:
		f.must("fifo_create", zx.Sys_fifo_create(4, 8, 0, &h, &h2))
		f.keep(h2)
	case zx.ObjTypePort:
		f.must("port_create", zx.Sys_port_create(0, &h))
	case zx.ObjTypeTimer:
		f.must("timer_create", zx.Sys_timer_create(0, zx.ClockMonotonic, &h))
	case zx.ObjTypeClock:
		f.must("clock_create", zx.Sys_clock_create(0, nil, &h))
	case zx.ObjTypeVMO:
		opts := uint32(0)
		if v == 1 {
			opts = zx.VMOResizable
		}
		f.must("vmo_create", zx.Sys_vmo_create(zx.PageSize, opts, &h))
	case zx.ObjTypeVMAR:
		var addr zx.Vaddr
		f.must("vmar_allocate", zx.Sys_vmar_allocate(zx.VmarRootSelf().Handle,
			zx.VMCanMapRead|zx.VMCanMapWrite|zx.VMCanMapSpecific, 0, 16*zx.PageSize, &h, &addr))
	case zx.ObjTypeJob:
		f.must("job_create", zx.Sys_job_create(zx.JobDefault().Handle, 0, &h))
	case zx.ObjTypeProcess:
		job := f.object(zx.ObjTypeJob)
		name := []byte("specrights")
		f.must("process_create", zx.Sys_process_create(job, &name[0], uint(len(name)), 0, &h, &h2))
		f.keep(h2)
	case zx.ObjTypeThread:
		proc := f.object(zx.ObjTypeProcess)
		name := []byte("t")
		f.must("thread_create", zx.Sys_thread_create(proc, &name[0], 1, 0, &h))
	case zx.ObjTypeDebugLog:
		opts := uint32(0)
		if v == 1 {
			opts = zx.LogFlagReadable
		}
		f.must("debuglog_create", zx.Sys_debuglog_create(root(f.t), opts, &h))
	case zx.ObjTypeResource:
		f.must("handle_duplicate(root)", zx.Sys_handle_duplicate(root(f.t), zx.RightSameRights, &h))
	case zx.ObjTypeInterrupt:
		f.must("interrupt_create(VIRTUAL)", zx.Sys_interrupt_create(root(f.t), 0, zx.InterruptVirtual, &h))
	case zx.ObjTypeIOMMU:
		desc := [1]byte{}
		f.must("iommu_create(DUMMY)", zx.Sys_iommu_create(root(f.t), zx.IommuTypeDummy, unsafe.Pointer(&desc[0]), 1, &h))
	case zx.ObjTypeBTI:
		iommu := f.object(zx.ObjTypeIOMMU)
		f.must("bti_create", zx.Sys_bti_create(iommu, 0, 0, &h))
	case zx.ObjTypePMT:
		bti := f.object(zx.ObjTypeBTI)
		vmo := f.object(zx.ObjTypeVMO)
		var addr [1]uint64
		f.must("bti_pin", zx.Sys_bti_pin(bti, zx.BtiPermRead, vmo, 0, zx.PageSize, &addr[0], 1, &h))
		f.pmts = append(f.pmts, h)
		return h
	case zx.ObjTypeKosServer:
		var l, c, lo zx.Handle
		f.must("kos_listener_create", zx.Sys_kos_listener_create(0, &l))
		f.keep(l)
		f.must("kos_handle_connect", zx.Sys_kos_handle_connect(l, 0, &c, &h, &lo))
		f.keep(c)
		if lo != zx.HandleInvalid {
			f.keep(lo)
		}
	case zx.ObjTypeStream:
		vmo := f.object(zx.ObjTypeVMO)
		f.must("stream_create", zx.Sys_stream_create(zx.StreamModeRead|zx.StreamModeWrite, vmo, 0, &h))
	case zx.ObjTypeProfile:
		var info [96]byte
		info[0] = byte(zx.ProfileInfoFlagPriority)
		info[8] = zx.PriorityDefault
		f.must("profile_create", zx.Sys_profile_create(root(f.t), 0, unsafe.Pointer(&info[0]), &h))
	case zx.ObjTypeMSI:
		f.must("msi_allocate", zx.Sys_msi_allocate(root(f.t), 1, &h))
	case zx.ObjTypePager:
		f.must("pager_create", zx.Sys_pager_create(0, &h))
	default:
		f.t.Fatalf("no fixture for object type %d", typ)
	}
	return f.keep(h)
}

// untyped are the kinds tried, in order, for an argument of any type that
// needs some rights: the first whose default rights hold them all.
var untyped = []zx.ObjType{zx.ObjTypeEvent, zx.ObjTypeEventPair, zx.ObjTypeChannel, zx.ObjTypeVMO, zx.ObjTypeJob}

// forArg returns a handle acceptable for argument a: its spec type, or
// for an untyped one the first kind holding the required rights.
func (f *fixture) forArg(a zx.ArgDesc) zx.Handle {
	f.t.Helper()
	if a.ObjType != zx.ObjTypeNone {
		for v := 0; v < variants[a.ObjType]-1; v++ {
			h := f.variant(a.ObjType, v)
			if f.rights(h)&a.Rights == a.Rights {
				return h
			}
		}
		return f.variant(a.ObjType, max(variants[a.ObjType]-1, 0))
	}
	for _, k := range untyped {
		h := f.object(k)
		if f.rights(h)&a.Rights == a.Rights {
			return h
		}
	}
	f.t.Fatalf("no object kind has the rights %#x by default", a.Rights)
	return zx.HandleInvalid
}

func (f *fixture) rights(h zx.Handle) zx.Rights {
	return ctest.Basic(f.t, h).Rights
}

// without replaces h by a handle lacking right r.
func (f *fixture) without(h zx.Handle, r zx.Rights) zx.Handle {
	f.t.Helper()
	have := f.rights(h)
	if have&r == 0 {
		f.t.Fatalf("the fixture object lacks the required right %#x by default (has %#x): no handle could pass", r, have)
	}
	var d zx.Handle
	f.must("handle_replace", zx.Sys_handle_replace(h, have&^r, &d))
	return f.keep(d)
}

// args builds the call's arguments with the handle under test at c.Arg.
func (f *fixture) args(d *zx.SyscallDesc, c specCase, h zx.Handle) [8]uintptr {
	var a [8]uintptr
	for i, ad := range d.Args {
		switch {
		case i == c.Arg:
			a[i] = uintptr(h)
		case ad.Handle && (ad.ObjType != zx.ObjTypeNone || ad.RightsChecked && ad.Rights != 0):
			a[i] = uintptr(f.forArg(ad))
		case ad.Pointer:
			a[i] = f.scratch
		}
	}
	if fix := argFixes[c.Syscall]; fix != nil {
		f.arg = c.Arg
		fix(f, &a)
	}
	return a
}

func desc(t *testing.T, name string) *zx.SyscallDesc {
	for i := range zx.Syscalls {
		if zx.Syscalls[i].Name == name {
			return &zx.Syscalls[i]
		}
	}
	t.Fatalf("%s is not in zx.Syscalls", name)
	return nil
}

func issue(c specCase, a [8]uintptr) zx.Status {
	if c.Blocking {
		return zx.Status(int32(zxcall.Call(c.Num, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])))
	}
	return zx.Status(int32(zxcall.RawCall(c.Num, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7])))
}

// rightName is the spec's name of a single right.
func rightName(r zx.Rights) string {
	for name, v := range rightNames {
		if v == r {
			return name
		}
	}
	return "?"
}

var rightNames = map[string]zx.Rights{
	"DUPLICATE": zx.RightDuplicate, "TRANSFER": zx.RightTransfer, "READ": zx.RightRead,
	"WRITE": zx.RightWrite, "EXECUTE": zx.RightExecute, "MAP": zx.RightMap,
	"GET_PROPERTY": zx.RightGetProperty, "SET_PROPERTY": zx.RightSetProperty,
	"ENUMERATE": zx.RightEnumerate, "DESTROY": zx.RightDestroy, "SET_POLICY": zx.RightSetPolicy,
	"GET_POLICY": zx.RightGetPolicy, "SIGNAL": zx.RightSignal, "SIGNAL_PEER": zx.RightSignalPeer,
	"WAIT": zx.RightWait, "INSPECT": zx.RightInspect, "MANAGE_JOB": zx.RightManageJob,
	"MANAGE_PROCESS": zx.RightManageProcess, "MANAGE_THREAD": zx.RightManageThread,
	"APPLY_PROFILE": zx.RightApplyProfile, "MANAGE_SOCKET": zx.RightManageSocket,
	"OP_CHILDREN": zx.RightOpChildren, "RESIZE": zx.RightResize,
}

// TestSpecRights runs every generated case: Syscall/arg/RIGHT for a
// missing right, Syscall/arg/type for a handle of another type.
func TestSpecRights(t *testing.T) {
	if len(specCases) == 0 {
		t.Fatal("no generated cases")
	}
	sc := ctest.NewScratch(t)
	for _, c := range specCases {
		d := desc(t, c.Syscall)
		run := func(sub string, want zx.Status, mk func(f *fixture) zx.Handle) {
			t.Run(c.Syscall+"/"+c.Name+"/"+sub, func(t *testing.T) {
				f := &fixture{t: t, scratch: sc.RW()}
				defer f.close()
				h := mk(f)
				a := f.args(d, c, h)
				if got := issue(c, a); got != want {
					t.Errorf("%s(%s: %s) = %v, want %v", c.Syscall, c.Name, sub, got, want)
				}
			})
		}
		for _, r := range c.Rights {
			r := r
			run("no_"+rightName(r), zx.ErrAccessDenied, func(f *fixture) zx.Handle {
				return f.without(f.forArg(d.Args[c.Arg]), r)
			})
		}
		if c.Type != zx.ObjTypeNone {
			other := zx.ObjTypeEvent
			if c.Type == zx.ObjTypeEvent {
				other = zx.ObjTypePort
			}
			run("wrong_type", zx.ErrWrongType, func(f *fixture) zx.Handle { return f.object(other) })
		}
	}
}

// TestSpecCasesCoverSpec checks the generated table against the spec as
// the zx package holds it: every typed or rights-checked handle argument
// of a returning syscall has its case.
func TestSpecCasesCoverSpec(t *testing.T) {
	have := map[string]bool{}
	for _, c := range specCases {
		have[c.Syscall+"/"+c.Name] = true
	}
	n := 0
	for _, d := range zx.Syscalls {
		if d.NoReturn {
			continue
		}
		for _, a := range d.Args {
			if !a.Handle || a.ObjType == zx.ObjTypeNone && !(a.RightsChecked && a.Rights != 0) {
				continue
			}
			n++
			if !have[d.Name+"/"+a.Name] {
				t.Errorf("%s/%s has no case (run go generate ./syscall)", d.Name, a.Name)
			}
		}
	}
	if n != len(specCases) {
		t.Errorf("%d checked handle arguments, %d cases", n, len(specCases))
	}
}

// TestMain takes the root resource init passes on.
func TestMain(m *testing.M) {
	relaunch.Main(m, "BERYL_SPECRIGHTS_WORKER", func(string) int { return 2 })
}
