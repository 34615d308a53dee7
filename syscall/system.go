package zxsys

import (
	"runtime"

	"beryl/kernel/object"
	"beryl/kernel/proc"
)

// PowerOps are the machine's reboot and power-off paths; boot/kmain
// builds them into the Dispatcher (they need ACPI and port I/O). Each
// returns only when the machine could not be reset or powered off.
type PowerOps struct {
	Reboot   func()
	PowerOff func()
}

// sysSystemPowerctl follows Zircon's system_powerctl: the resource is
// checked first (the root resource or the system resource of
// ZX_RSRC_SYSTEM_POWER_BASE), then the command.
func (d *Dispatcher) sysSystemPowerctl(c Caller, resource object.Handle, cmd uint32, arg UserPtr) object.Status {
	if st := requireSystemResource(c, resource, object.ResourceSystemPowerBase); st != object.OK {
		return st
	}
	ops := &d.Power
	switch cmd {
	case object.SystemPowerctlReboot, object.SystemPowerctlRebootBootloader, object.SystemPowerctlRebootRecovery:
		if ops.Reboot == nil {
			return object.ErrNotSupported
		}
		ops.Reboot()
		return object.ErrNotSupported
	case object.SystemPowerctlShutdown:
		return powerOff(ops)
	case object.SystemPowerctlACPITransitionSState:
		if arg == 0 {
			return object.ErrInvalidArgs
		}
		b, st := copyIn(c, arg, object.SystemPowerctlArgSize)
		if st != object.OK {
			return object.ErrInvalidArgs
		}
		if b[0] != 5 {
			return object.ErrNotSupported
		}
		return powerOff(ops)
	case object.SystemPowerctlEnableAllCPUs, object.SystemPowerctlDisableAllCPUsButPrimary, object.SystemPowerctlX86SetPkgPL1:
		return object.ErrNotSupported
	case object.SystemPowerctlAckKernelInitiatedReboot:
		return object.ErrBadState
	}
	return object.ErrInvalidArgs
}

func powerOff(ops *PowerOps) object.Status {
	if ops.PowerOff == nil {
		return object.ErrNotSupported
	}
	ops.PowerOff()
	return object.ErrNotSupported
}

// x86DebugAddressRegisterCount is DR0-DR3 (SDM Vol. 3B 18.2).
const x86DebugAddressRegisterCount = 4

func (d *Dispatcher) stats() KernelStats {
	var s KernelStats
	if d.Stats != nil {
		d.Stats(&s)
	}
	return s
}

// schedCPUs is the number of CPUs that run threads (at least 1).
func (d *Dispatcher) schedCPUs() int {
	if d.SchedCPUs != nil {
		if n := d.SchedCPUs(); n > 0 {
			return n
		}
	}
	return 1
}

// sysSystemGetNumCpus reads the CPU count beryl_kernel_stats reports.
func (d *Dispatcher) sysSystemGetNumCpus(c Caller) uint32 {
	if n := d.stats().CPUs; n > 0 {
		return uint32(n)
	}
	return 1
}

func (d *Dispatcher) sysSystemGetPageSize(c Caller) uint32 { return 4096 }

func (d *Dispatcher) sysSystemGetPhysmem(c Caller) uint64 { return d.stats().PagesTotal * 4096 }

func (d *Dispatcher) sysSystemGetFeatures(c Caller, kind uint32, features UserPtr) object.Status {
	var v uint32
	switch kind {
	case object.FeatureKindHWBreakpointCount, object.FeatureKindHWWatchpointCount:
		v = x86DebugAddressRegisterCount
	case object.FeatureKindAddressTagging, object.FeatureKindVM:
		v = 0
	default: // FeatureKindCPU: x86 has no ZX_HAS_CPU_FEATURES (CPUID instead)
		return object.ErrNotSupported
	}
	var b [4]byte
	le.PutUint32(b[:], v)
	if features == 0 {
		return object.ErrInvalidArgs
	}
	return copyOut(c, features, b[:])
}

// sysSystemGetEvent follows sys_system_get_event of Zircon's system.cc at
// the core-tests' version (four kinds, before IMMINENT_OUT_OF_MEMORY):
// the job handle (MANAGE_PROCESS only for OUT_OF_MEMORY), then that it is
// the root job (ACCESS_DENIED), then the kind (INVALID_ARGS). The events
// are created once (object.SystemEvent); the handle lacks SIGNAL so only
// the kernel changes them.
func (d *Dispatcher) sysSystemGetEvent(c Caller, rootJob object.Handle, kind uint32, out UserPtr) object.Status {
	need := object.RightNone
	if kind == object.SystemEventOutOfMemory {
		need = object.RightManageProcess
	}
	j, _, st := lookupAs[*object.Job](c, rootJob, object.ObjTypeJob, need)
	if st != object.OK {
		return st
	}
	root := j == proc.RootJob()
	j.Release()
	if !root {
		return object.ErrAccessDenied
	}
	e := object.SystemEvent(kind)
	if e == nil {
		return object.ErrInvalidArgs
	}
	if st := probeOut(c, out, 4); st != object.OK {
		e.Release()
		return st
	}
	nh, st := c.Process().Install(e, object.DefaultSystemEventLowMemoryRights)
	return out1(c, nh, st, out)
}

// Version is the kernel's version string, which system_get_version_string
// returns: the project and the Go toolchain that built the kernel. The
// build may set it (go build -ldflags "-X beryl/syscall.Version=...").
var Version = "Beryl x86-64 " + runtime.Version()

// sysSystemGetVersionString copies Version out. Zircon's call is a vDSO
// string view with no errors; Beryl has no vDSO, so it is a copy into a
// caller's buffer (at most buffer_size bytes) and the whole length.
func (d *Dispatcher) sysSystemGetVersionString(c Caller, buffer UserPtr, size uint64, actual UserPtr) object.Status {
	if st := probeOpt(c, actual, 8); st != object.OK {
		return st
	}
	if st := copyOut(c, buffer, []byte(Version)[:min(size, uint64(len(Version)))]); st != object.OK {
		return st
	}
	if actual == 0 {
		return object.OK
	}
	return copyOut(c, actual, le.AppendUint64(nil, uint64(len(Version))))
}

// dcacheLineSize is the x86 cache line: CPUID.01H:EBX[15:8] (the CLFLUSH
// line size in 8-byte units) is 8 on every x86-64 CPU (SDM Vol. 2A, CPUID).
const dcacheLineSize = 64

func (d *Dispatcher) sysSystemGetDcacheLineSize(c Caller) uint32 { return dcacheLineSize }
