// Package kmain is the kernel's main program once the Go runtime runs:
// it parses the boot information and command line, sets up logging,
// interrupt routing (ACPI MADT, I/O APIC) and the console, reports memory,
// prints the ready line, and then runs the in-kernel tests (test image) or
// the console.
package kmain

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"beryl/arch/x86"
	"beryl/boot/bootinfo"
	"beryl/kernel/acpi"
	"beryl/kernel/console"
	"beryl/kernel/klog"
	"beryl/kernel/ktest"
	"beryl/kernel/object"
	"beryl/kernel/options"
	"beryl/kernel/proc"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

// Boot is what kmain learned at boot, for tests and later subsystems.
var Boot struct {
	Info    *bootinfo.Info
	Options options.Options
	MADT    *acpi.MADT
	// RSDP is the ACPI root pointer (nil without ACPI).
	RSDP []byte
	// FADT is the decoded FADT (nil when absent).
	FADT    *acpi.FADT
	IOAPICs []x86.IOAPIC
	// ReadyNs is the monotonic time of the ready line.
	ReadyNs int64
}

// TestImage is set by the test image's main: run the in-kernel tests.
var TestImage bool

// Main runs the kernel. It does not return.
func Main(magic uint32, infoAddr uint64) {
	klog.Init(logSink, rt.Nanotime, klog.Info)
	log := klog.For("boot")
	info, err := bootinfo.Parse(magic, PhysMem, infoAddr)
	if err != nil {
		log.Errorf("boot information: %v", err)
		info = &bootinfo.Info{}
	}
	Boot.Info = info
	opts, warns := options.Parse(info.CmdLine)
	Boot.Options = opts
	if l, ok := klog.ParseLevel(opts.LogLevel); ok {
		klog.SetLevel(l)
	}
	setupScreen(info, opts)
	for _, w := range warns {
		klog.Warnf("options", "%s", w)
	}
	log.Infof("%s from %q, command line %q", info.Protocol, info.BootloaderName, info.CmdLine)
	total, free, _ := kmem.Stats()
	log.Infof("memory: %d MiB managed, %d MiB free, %d KiB used", total>>8, free>>8, (total-free)*4)
	setupMemory(opts)
	findACPI(info)
	calibrateClock()
	log.Infof("clock: TSC %d.%03d MHz from %s, LAPIC timer %d Hz input, tick %d Hz, x2APIC %v",
		rt.TSCHz()/1e6, rt.TSCHz()/1e3%1e3, rt.ClockSource(), rt.LAPICTimerHz(), opts.TimerHz, x86.Local.X2())
	cr4 := x86.ReadCR4()
	log.Infof("cpu: SMEP %v, SMAP %v; random: kernel %s, user processes seeded by %s",
		cr4&x86.CR4SMEP != 0, cr4&x86.CR4SMAP != 0, rt.RandomSource(), proc.RandomSource())
	if uint64(opts.TimerHz) != rt.TimerHz {
		rt.SetTimerHz(uint64(opts.TimerHz))
	}
	if err := setupInterrupts(info); err != nil {
		log.Errorf("interrupts: %v", err)
	}
	if opts.SMP {
		rt.EnableSMP()
	}
	startCPUs(opts)
	if rt.SMP() {
		// The runtime sized GOMAXPROCS from sched_getaffinity at its
		// start, when one CPU was up.
		runtime.GOMAXPROCS(rt.SchedCPUs())
		log.Infof("smp: threads run on %d CPUs, GOMAXPROCS %d", rt.SchedCPUs(), runtime.GOMAXPROCS(0))
	}
	setupPower()
	setupTestRAM(opts)
	setupResources(info)
	x86.SetupPAT()
	for _, m := range info.Modules {
		log.Infof("module %q at %#x-%#x", m.CmdLine, m.Start, m.End)
	}
	Boot.ReadyNs = rt.Nanotime()
	fmt.Printf("beryl: ready in %d us\n", Boot.ReadyNs/1000)
	if opts.TestFault {
		log.Infof("test.fault: faulting on purpose")
		deliberateFault()
	}
	if opts.ReadyExit {
		os.Exit(0)
	}
	setupSyscalls()
	// With one CPU running threads (smp=off, or one CPU online), user
	// x87 state can stay in its registers; otherwise a thread may resume
	// on another CPU.
	x86.SetLazyFPU(opts.FPU == "lazy" && rt.SchedCPUs() == 1)
	if wait, ok := startInit(info, opts); ok {
		// startInit's copy of the boot filesystem is garbage now (execve
		// reads the bootfs VMO): collect it and give its pages back
		// once, rather than when a memory episode happens to do it.
		debug.FreeOSMemory()
		if consoleIn != nil {
			go pumpConsole(consoleIn)
		} else if opts.UserIO == "console" {
			// Interactive boots keep the console while init runs.
			go runConsole()
		}
		code := wait()
		fmt.Printf("beryl: init exited with status %d\n", code)
		os.Exit(code)
	}
	if TestImage {
		_, failed := ktest.Run(os.Stdout, opts.TestSelected)
		if failed > 0 {
			os.Exit(1)
		}
		os.Exit(0)
	}
	runConsole()
}

// logSink writes kernel log lines to the console and keeps them in the
// debuglog (pid 0), which the shell's dmesg reads, with Zircon's severity
// for the level letter after the timestamp.
func logSink(b []byte) {
	os.Stdout.Write(b)
	for _, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
		sev := uint8(0x30) // DEBUGLOG_INFO
		if i := bytes.Index(l, []byte("] ")); i >= 0 && i+2 < len(l) && l[0] == '[' {
			switch l[i+2] {
			case 'D':
				sev = 0x20
			case 'W':
				sev = 0x40
			case 'E':
				sev = 0x50
			}
			l = l[i+2:] // the record has its own timestamp
		}
		object.DebuglogWrite(0, 0, sev, 0, l)
	}
}

func setupInterrupts(info *bootinfo.Info) error {
	rsdp := Boot.RSDP
	if rsdp == nil {
		return acpi.ErrNoRSDP
	}
	t, err := acpi.FindTable(PhysMem, rsdp, "APIC")
	if err != nil {
		return err
	}
	madt, err := acpi.ParseMADT(t)
	if err != nil {
		return err
	}
	Boot.MADT = madt
	for _, io := range madt.IOAPICs {
		f := kmem.Lock()
		va, ok := kmem.MapMMIO(uint64(io.Addr), kmem.PageSize, false)
		var a x86.IOAPIC
		if ok {
			a = x86.NewIOAPIC(va, io.GSIBase)
		}
		kmem.Unlock(f)
		if !ok {
			return fmt.Errorf("cannot map I/O APIC at %#x", io.Addr)
		}
		Boot.IOAPICs = append(Boot.IOAPICs, a)
		klog.Infof("irq", "I/O APIC %d at %#x: GSIs %d-%d", io.ID, io.Addr, io.GSIBase, io.GSIBase+a.Pins-1)
	}
	klog.Infof("irq", "%d CPUs in the MADT, %d interrupt overrides", len(madt.LAPICIDs), len(madt.Overrides))
	gsi, low, level := madt.ISAToGSI(4) // COM1
	console.Start(gsi, func() { routeGSI(gsi, low, level) })
	kg, klow, klevel := madt.ISAToGSI(1) // PS/2 keyboard
	if console.StartKeyboard(kg, func() { routeGSI(kg, klow, klevel) }) {
		klog.Infof("console", "PS/2 keyboard (i8042) on GSI %d", kg)
	} else {
		klog.Infof("console", "no PS/2 keyboard controller; serial input only")
	}
	return nil
}

// routeGSI points a GSI at its vector on the boot CPU.
func routeGSI(gsi uint32, activeLow, level bool) {
	for i := range Boot.IOAPICs {
		a := &Boot.IOAPICs[i]
		if gsi >= a.GSIBase && gsi < a.GSIBase+a.Pins {
			f := kmem.Lock()
			a.Route(gsi-a.GSIBase, uint8(rt.VectorIRQBase+gsi), x86.Local.ID(), activeLow, level)
			kmem.Unlock(f)
		}
	}
}

// runConsole echoes console input, line by line, for `make run`.
func runConsole() {
	fmt.Println("beryl: console ready; type a line (it is echoed back)")
	var line []byte
	for {
		c := console.ReadByte()
		switch c {
		case '\r', '\n':
			fmt.Printf("\nberyl: you typed %q (%d goroutines idle, uptime %v)\n", line, 0, time.Duration(rt.Nanotime()))
			line = line[:0]
		default:
			line = append(line, c)
			os.Stdout.Write([]byte{c})
		}
	}
}
