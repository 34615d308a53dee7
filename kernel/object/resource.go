package object

import (
	"encoding/binary"
	"sync"
)

// Resource kinds (zircon/syscalls/resource.h).
const (
	ResourceKindMMIO   uint32 = 0
	ResourceKindIRQ    uint32 = 1
	ResourceKindIOPort uint32 = 2
	ResourceKindRoot   uint32 = 3
	ResourceKindSMC    uint32 = 4
	ResourceKindSystem uint32 = 5
	// ResourceKindCount is the number of kinds (ZX_RSRC_KIND_COUNT).
	ResourceKindCount uint32 = 6
)

// Resource option flags (the upper 16 bits of resource_create's options).
const (
	ResourceFlagExclusive uint32 = 0x00010000
	ResourceFlagsMask     uint32 = ResourceFlagExclusive
)

// Bases of the ZX_RSRC_KIND_SYSTEM resources (each of size 1), as
// Zircon's ZX_RSRC_SYSTEM_*_BASE; BerylSystemClassBase is Beryl's: it
// lets its holder name a process's kos security class
// (beryl_process_set_class).
const (
	ResourceSystemHypervisorBase uint64 = 0
	ResourceSystemVmexBase       uint64 = 1
	ResourceSystemDebugBase      uint64 = 2
	ResourceSystemInfoBase       uint64 = 3
	ResourceSystemCPUBase        uint64 = 4
	ResourceSystemPowerBase      uint64 = 5
	ResourceSystemMexecBase      uint64 = 6
	ResourceSystemEnergyInfoBase uint64 = 7
	ResourceSystemIommuBase      uint64 = 8
	ResourceSystemFramebufBase   uint64 = 9
	ResourceSystemProfileBase    uint64 = 10
	ResourceSystemMsiBase        uint64 = 11
	BerylSystemClassBase         uint64 = 0x100
	// ResourceSystemCount bounds the system resource space.
	ResourceSystemCount uint64 = 0x101
)

// InfoResourceSize is the size of zx_info_resource_t (ZX_INFO_RESOURCE):
// { uint32 kind; uint32 flags; uint64 base; uint64 size; char name[32] }.
const InfoResourceSize = 56

// resourcePageSize is the MMU page size MMIO ranges are rounded to.
const resourcePageSize = 4096

// DefaultResourceRights are a resource's default rights (Zircon's
// ZX_DEFAULT_RESOURCE_RIGHTS).
const DefaultResourceRights = RightTransfer | RightDuplicate | RightWrite | RightInspect

// Resource is a resource object (ZX_OBJ_TYPE_RESOURCE): a capability to a
// range of one kind of address space (physical memory for MMIO, global
// system interrupts for IRQ, x86 I/O ports, the system privileges) or,
// for the root resource, to everything. Resources are immutable.
type Resource struct {
	Base
	kind   uint32
	flags  uint32
	rbase  uint64
	size   uint64
	name   string
	listed bool // in resources.live
}

// resourceRange is a half-open range [base, base+size) of one kind.
type resourceRange struct{ base, size uint64 }

func (r resourceRange) end() uint64 { return r.base + r.size }

func (r resourceRange) intersects(base, size uint64) bool {
	return base < r.end() && r.base < base+size
}

// resources is the bookkeeping of every ranged resource: the address
// space of each kind, the ranges the kernel keeps for itself, and the
// live resources with ranges (for ZX_RSRC_FLAG_EXCLUSIVE). Zircon keeps
// these in a region allocator per kind; the lists here are short.
var resources struct {
	mu       sync.Mutex
	space    [ResourceKindCount]resourceRange
	reserved [ResourceKindCount][]resourceRange
	live     []*Resource
}

func init() {
	resources.space[ResourceKindMMIO] = resourceRange{0, 1 << 52}
	resources.space[ResourceKindIRQ] = resourceRange{0, 256}
	resources.space[ResourceKindIOPort] = resourceRange{0, 0x10000}
	resources.space[ResourceKindSystem] = resourceRange{0, ResourceSystemCount}
}

// SetResourceSpace sets the address space of a ranged kind (boot: the
// physical address width, the number of GSIs).
func SetResourceSpace(kind uint32, base, size uint64) {
	resources.mu.Lock()
	resources.space[kind] = resourceRange{base, size}
	resources.mu.Unlock()
}

// ReserveResourceRange withholds [base, base+size) of kind from every
// resource created later: the RAM the kernel manages and the kernel's own
// devices (LAPIC, IOAPIC, console UART, ...). Creating a resource that
// overlaps it fails with ZX_ERR_NOT_FOUND, as a range Zircon's region
// allocator does not hold.
func ReserveResourceRange(kind uint32, base, size uint64) {
	if size == 0 {
		return
	}
	resources.mu.Lock()
	resources.reserved[kind] = append(resources.reserved[kind], resourceRange{base, size})
	resources.mu.Unlock()
}

// ResourceRangeReserved reports whether any byte of [base, base+size) of
// kind is kept by the kernel (vmo_create_physical refuses such ranges
// even with the root resource).
func ResourceRangeReserved(kind uint32, base, size uint64) bool {
	resources.mu.Lock()
	defer resources.mu.Unlock()
	for _, r := range resources.reserved[kind] {
		if r.intersects(base, size) {
			return true
		}
	}
	return false
}

// NewRootResource creates the root resource; the caller owns one
// reference.
func NewRootResource() *Resource {
	r := &Resource{kind: ResourceKindRoot, name: "root"}
	r.Base.Init(r, ObjTypeResource, nil, false, 0)
	return r
}

// NewResource creates a resource of kind over [base, base+size) with
// flags, checked against the kind's space, the kernel's reservations and
// the live exclusive resources (Zircon's ResourceDispatcher::Create; the
// parent was checked by the caller). Errors: INVALID_ARGS (kind, flags,
// a root resource with a range, an empty or wrapping range), NOT_FOUND
// (outside the kind's space, over a kernel reservation, or overlapping an
// exclusive resource; an exclusive one also overlapping any resource of
// its kind).
func NewResource(kind, flags uint32, base, size uint64, name string) (*Resource, Status) {
	if kind >= ResourceKindCount || flags&^ResourceFlagsMask != 0 {
		return nil, ErrInvalidArgs
	}
	if len(name) > MaxNameLen-1 {
		name = name[:MaxNameLen-1]
	}
	r := &Resource{kind: kind, flags: flags, rbase: base, size: size, name: name}
	switch kind {
	case ResourceKindRoot, ResourceKindSMC:
		if base != 0 || size != 0 || kind == ResourceKindSMC {
			return nil, ErrInvalidArgs
		}
		r.Base.Init(r, ObjTypeResource, nil, false, 0)
		return r, OK
	}
	if size == 0 || base+size < base {
		return nil, ErrInvalidArgs
	}
	resources.mu.Lock()
	defer resources.mu.Unlock()
	sp := resources.space[kind]
	if base < sp.base || base+size > sp.end() {
		return nil, ErrNotFound
	}
	for _, rr := range resources.reserved[kind] {
		if rr.intersects(base, size) {
			return nil, ErrNotFound
		}
	}
	for _, o := range resources.live {
		if o.kind != kind || !(resourceRange{o.rbase, o.size}).intersects(base, size) {
			continue
		}
		if o.flags&ResourceFlagExclusive != 0 || flags&ResourceFlagExclusive != 0 {
			return nil, ErrNotFound
		}
	}
	r.Base.Init(r, ObjTypeResource, nil, false, 0)
	r.listed = true
	resources.live = append(resources.live, r)
	return r, OK
}

// OnDestroy drops the resource from the bookkeeping, freeing an
// exclusive range.
func (r *Resource) OnDestroy() {
	if !r.listed {
		return
	}
	resources.mu.Lock()
	for i, o := range resources.live {
		if o == r {
			last := len(resources.live) - 1
			resources.live[i] = resources.live[last]
			resources.live[last] = nil
			resources.live = resources.live[:last]
			break
		}
	}
	resources.mu.Unlock()
}

// Kind returns the resource's kind (ZX_RSRC_KIND_*).
func (r *Resource) Kind() uint32 { return r.kind }

// Flags returns the resource's flags (ZX_RSRC_FLAG_*).
func (r *Resource) Flags() uint32 { return r.flags }

// Range returns the resource's base and size.
func (r *Resource) Range() (base, size uint64) { return r.rbase, r.size }

// Name returns the resource's name.
func (r *Resource) Name() string { return r.name }

// Validate is Zircon's validate_ranged_resource: the root resource grants
// everything; otherwise the kind must match (WRONG_TYPE) and [base,
// base+size) lie inside the resource's range (OUT_OF_RANGE; MMIO ranges
// are widened to whole pages first).
func (r *Resource) Validate(kind uint32, base, size uint64) Status {
	if r.kind == ResourceKindRoot {
		return OK
	}
	if r.kind != kind {
		return ErrWrongType
	}
	rb, rs := r.rbase, r.size
	if kind == ResourceKindMMIO {
		ab := rb &^ (resourcePageSize - 1)
		rs = (rb - ab + rs + resourcePageSize - 1) &^ (resourcePageSize - 1)
		rb = ab
	}
	if base+size < base || base < rb || base+size > rb+rs {
		return ErrOutOfRange
	}
	return OK
}

// ValidateSystem checks that r is the root resource or the system
// resource of base (each system resource has size 1): WRONG_TYPE for
// another kind, OUT_OF_RANGE for another system resource. Zircon's
// validate_ranged_resource(ZX_RSRC_KIND_SYSTEM, base, 1).
func (r *Resource) ValidateSystem(base uint64) Status {
	return r.Validate(ResourceKindSystem, base, 1)
}

// LookupResource is the gate for a resource argument: BAD_HANDLE,
// WRONG_TYPE (not a resource), ACCESS_DENIED (lacking required). The
// caller owns a reference on success.
func LookupResource(p *Process, h Handle, required Rights) (*Resource, Status) {
	return lookupAs[*Resource](p, h, ObjTypeResource, required)
}

// ResourceCreate is zx_resource_create (zircon/kernel/lib/syscalls/
// resource.cc): the parent needs WRITE; options hold the kind (low 16
// bits) and flags (high 16). Errors in order: the parent's gate
// (BAD_HANDLE, WRONG_TYPE, ACCESS_DENIED), INVALID_ARGS (kind or flags),
// ACCESS_DENIED (the parent is neither root nor of the kind covering the
// range), INVALID_ARGS (an exclusive resource sliced from a non-root
// parent, or from an exclusive one), then NewResource's errors. The name
// is truncated to ZX_MAX_NAME_LEN-1.
func ResourceCreate(p *Process, parent Handle, options uint32, base, size uint64, name string) (Handle, Status) {
	pr, st := LookupResource(p, parent, RightWrite)
	if st != OK {
		return HandleInvalid, st
	}
	defer pr.Release()
	kind, flags := options&0xffff, options&0xffff0000
	if kind >= ResourceKindCount || flags&^ResourceFlagsMask != 0 {
		return HandleInvalid, ErrInvalidArgs
	}
	if pr.Validate(kind, base, size) != OK {
		return HandleInvalid, ErrAccessDenied
	}
	if pr.kind != ResourceKindRoot && (pr.flags&ResourceFlagExclusive != 0 || flags&ResourceFlagExclusive != 0) {
		return HandleInvalid, ErrInvalidArgs
	}
	r, st := NewResource(kind, flags, base, size, name)
	if st != OK {
		return HandleInvalid, st
	}
	return p.installNew(r, DefaultResourceRights)
}

// ResourceInfo is zx_info_resource_t.
type ResourceInfo struct {
	Kind, Flags uint32
	Base, Size  uint64
	Name        string
}

// ObjectGetInfoResource is ZX_INFO_RESOURCE (needs INSPECT).
func ObjectGetInfoResource(p *Process, h Handle) (ResourceInfo, Status) {
	r, st := lookupAs[*Resource](p, h, ObjTypeResource, RightInspect)
	if st != OK {
		return ResourceInfo{}, st
	}
	defer r.Release()
	return ResourceInfo{Kind: r.kind, Flags: r.flags, Base: r.rbase, Size: r.size, Name: r.name}, OK
}

// encode writes the record in zx_info_resource_t's layout.
func (i ResourceInfo) encode(b []byte) {
	binary.LittleEndian.PutUint32(b[0:], i.Kind)
	binary.LittleEndian.PutUint32(b[4:], i.Flags)
	binary.LittleEndian.PutUint64(b[8:], i.Base)
	binary.LittleEndian.PutUint64(b[16:], i.Size)
	copy(b[24:24+MaxNameLen-1], i.Name)
}

// zx_system_powerctl commands (zircon/syscalls/system.h).
const (
	SystemPowerctlEnableAllCPUs            uint32 = 1
	SystemPowerctlDisableAllCPUsButPrimary uint32 = 2
	SystemPowerctlACPITransitionSState     uint32 = 3
	SystemPowerctlX86SetPkgPL1             uint32 = 4
	SystemPowerctlReboot                   uint32 = 5
	SystemPowerctlRebootBootloader         uint32 = 6
	SystemPowerctlRebootRecovery           uint32 = 7
	SystemPowerctlShutdown                 uint32 = 8
	SystemPowerctlAckKernelInitiatedReboot uint32 = 9
	SystemPowerctlArgSize                  uint64 = 12 // sizeof(zx_system_powerctl_arg_t)
)
