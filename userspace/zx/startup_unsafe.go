package zx

import (
	"encoding/binary"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"
)

var startup struct {
	process, vmar, thread, job atomic.Uint32
}

// SetStartupHandles records the handles the process received at start: its
// own process, its root VMAR, its first thread and its default job. The
// process-args loader (the code that reads the bootstrap channel before
// main) calls it once; later calls replace the values. Handles the loader
// did not receive are HandleInvalid.
func SetStartupHandles(process, vmarRoot, thread, job Handle) {
	startup.process.Store(uint32(process))
	startup.vmar.Store(uint32(vmarRoot))
	startup.thread.Store(uint32(thread))
	startup.job.Store(uint32(job))
}

// ProcessSelf returns the calling process's own process handle.
func ProcessSelf() Process { return Process{Handle(startup.process.Load())} }

// VmarRootSelf returns the calling process's root VMAR.
func VmarRootSelf() Vmar { return Vmar{Handle(startup.vmar.Load())} }

// ThreadSelf returns the handle of the process's first thread.
func ThreadSelf() Thread { return Thread{Handle(startup.thread.Load())} }

// JobDefault returns the job the process was started in (or was given to
// start children in).
func JobDefault() Job { return Job{Handle(startup.job.Load())} }

// Process-argument handle types (Fuchsia's PA_* values).
const (
	PAProcSelf   = 0x01
	PAThreadSelf = 0x02
	PAJobDefault = 0x03
	PAVmarRoot   = 0x04
	PAVmoBootfs  = 0x1B
	PAResource   = 0x3F
	// PAFD is Fuchsia's PA_FD: PAFD|n<<16 is a handle serving file
	// descriptor n. The kernel gives init the console input (serial line
	// and keyboard) as a stream socket of type PAFD (fd 0).
	PAFD = 0x30
	// PAUser0..PAUser2 are for handles a launcher and its program agree
	// on (Fuchsia's PA_USER0..PA_USER2).
	PAUser0 = 0xF0
	PAUser1 = 0xF1
	PAUser2 = 0xF2
)

// bootstrapMagic starts the bootstrap message (see kernel/proc/procargs.go).
const bootstrapMagic = "BRYLPA01"

var extraStartup sync.Map // PA type → Handle

// TakeStartupHandle returns (once) a startup handle of type pa other than
// the four standard ones, e.g. PAVmoBootfs for init.
func TakeStartupHandle(pa uint32) (Handle, bool) {
	v, ok := extraStartup.LoadAndDelete(pa)
	if !ok {
		return HandleInvalid, false
	}
	return v.(Handle), true
}

// BootstrapArg1 as ZX_BOOTSTRAP's value says the bootstrap channel is the
// handle process_start passed as arg1 (see kernel/proc/procargs.go).
const BootstrapArg1 = "arg1"

// bootstrapChannel returns the bootstrap channel ZX_BOOTSTRAP names: a
// handle value, or BootstrapArg1 (taken with beryl_startup_handle).
func bootstrapChannel(v string) (Handle, bool) {
	if v == BootstrapArg1 {
		var h Handle
		if Sys_beryl_startup_handle(&h) != OK {
			return HandleInvalid, false
		}
		return h, true
	}
	n, err := strconv.ParseUint(v, 0, 32)
	if err != nil {
		return HandleInvalid, false
	}
	return Handle(n), true
}

// The launcher names the bootstrap channel in ZX_BOOTSTRAP; read the
// startup message before main runs. Outside Beryl (no such variable)
// nothing happens.
func init() {
	v := os.Getenv("ZX_BOOTSTRAP")
	if v == "" {
		return
	}
	ch, ok := bootstrapChannel(v)
	if !ok {
		return
	}
	defer Sys_handle_close(ch)
	var msg [512]byte
	var hs [64]Handle
	var nb, nh uint32
	if Sys_channel_read(ch, 0, unsafe.Pointer(&msg[0]), &hs[0], uint32(len(msg)), uint32(len(hs)), &nb, &nh) != OK {
		return
	}
	if nb < 12 || string(msg[:8]) != bootstrapMagic {
		return
	}
	count := binary.LittleEndian.Uint32(msg[8:])
	var proc, vmar, thread, job Handle
	for i := uint32(0); i < count && i < nh && 12+4*i+4 <= nb; i++ {
		switch pa := binary.LittleEndian.Uint32(msg[12+4*i:]); pa {
		case PAProcSelf:
			proc = hs[i]
		case PAVmarRoot:
			vmar = hs[i]
		case PAThreadSelf:
			thread = hs[i]
		case PAJobDefault:
			job = hs[i]
		default:
			extraStartup.Store(pa, hs[i])
		}
	}
	SetStartupHandles(proc, vmar, thread, job)
}
