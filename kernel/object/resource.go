package object

// Resource kinds (zircon/syscalls/resource.h).
const (
	ResourceKindMMIO   uint32 = 0
	ResourceKindIRQ    uint32 = 1
	ResourceKindIOPort uint32 = 2
	ResourceKindRoot   uint32 = 3
)

// DefaultResourceRights are a resource's default rights (Zircon's
// ZX_DEFAULT_RESOURCE_RIGHTS).
const DefaultResourceRights = RightTransfer | RightDuplicate | RightWrite | RightInspect

// Resource is a resource object (ZX_OBJ_TYPE_RESOURCE): a capability to
// privileged operations. For now only the root resource exists: the kernel
// creates it at boot and gives it to init; MMIO, IRQ and I/O-port
// resources carved from it arrive with the driver work.
type Resource struct {
	Base
	kind uint32
}

// NewRootResource creates the root resource; the caller owns one
// reference.
func NewRootResource() *Resource {
	r := &Resource{kind: ResourceKindRoot}
	r.Base.Init(r, ObjTypeResource, nil, false, 0)
	return r
}

// Kind returns the resource's kind (ZX_RSRC_KIND_*).
func (r *Resource) Kind() uint32 { return r.kind }

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
