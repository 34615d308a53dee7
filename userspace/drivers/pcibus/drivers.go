package main

import (
	"fmt"
	"os"
	"sync"

	"beryl/userspace/drivers/pci"
	"beryl/userspace/launch"
	"beryl/userspace/launch/bootfs"
	"beryl/userspace/zx"
)

// startDrivers starts a driver process for every function a driver
// exists for, each with only its own device's resources, and waits for
// them. It returns the exit status: 0 if every driver exited 0.
func startDrivers(p *zxPlatform, s *Scan, driverArgs []string) int {
	h, ok := zx.TakeStartupHandle(zx.PAVmoBootfs)
	if !ok {
		fmt.Fprintln(os.Stderr, "pcibus: no boot filesystem: cannot start drivers")
		return 1
	}
	fs, err := bootfs.Open(zx.Vmo{Handle: h})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pcibus:", err)
		return 1
	}
	status := 0
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, d := range s.Devices {
		prog := driverFor(d)
		if prog == "" {
			continue
		}
		proc, err := p.handOff(fs, s.Bus, d, prog, driverArgs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "pcibus: %s: %s: %v\n", d.Addr, prog, err)
			status = 1
			continue
		}
		fmt.Printf("pcibus: %s: started %s (koid %d)\n", d.Addr, prog, koid(proc.Handle))
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer proc.Close()
			code, err := proc.Wait()
			mu.Lock()
			defer mu.Unlock()
			if err != nil || code != 0 {
				fmt.Fprintf(os.Stderr, "pcibus: %s: %s exited %d %v\n", d.Addr, prog, code, err)
				status = 1
			}
		}()
	}
	wg.Wait()
	return status
}

func koid(h zx.Handle) uint64 {
	info, err := h.BasicInfo()
	if err != nil {
		return 0
	}
	return uint64(info.Koid)
}

// handOff prepares d for its driver (memory decoding and bus mastering
// on, its interrupt set up) and starts prog with the device's resources
// only: a physical VMO per memory BAR, the interrupt, a BTI.
func (z *zxPlatform) handOff(fs *bootfs.FS, bus *pci.Bus, d *pci.Device, prog string, args []string) (*launch.Process, error) {
	file, ok := fs.Lookup(prog)
	if !ok {
		return nil, fmt.Errorf("not in the boot filesystem")
	}
	img, _ := fs.OpenFile(file)
	var handles []launch.Handle
	fail := func(err error) (*launch.Process, error) {
		for _, h := range handles {
			h.Handle.Close()
		}
		return nil, err
	}
	var msixVMO zx.Handle
	for _, b := range d.BARs {
		if b.Kind != pci.BARMem32 && b.Kind != pci.BARMem64 || b.Size == 0 {
			continue
		}
		size := max(b.Size, 4096)
		vmo, err := z.physVMO(b.Base, size)
		if err != nil {
			return fail(fmt.Errorf("BAR %d: %w", b.Index, err))
		}
		handles = append(handles, launch.Handle{Type: zx.PAUser0 | uint32(b.Index)<<16, Handle: vmo})
		if d.MSIX != nil && d.MSIX.TableBAR == b.Index {
			msixVMO = vmo
		}
	}
	ho := &pci.Handoff{Device: d}
	irq, err := z.interrupt(bus, d, msixVMO, ho)
	if err != nil {
		return fail(fmt.Errorf("interrupt: %w", err))
	}
	handles = append(handles, launch.Handle{Type: zx.PAUser1, Handle: irq})
	bti, err := z.bti(d)
	if err != nil {
		return fail(fmt.Errorf("BTI: %w", err))
	}
	handles = append(handles, launch.Handle{Type: zx.PAUser2, Handle: bti})
	bus.SetCommand(d, pci.CmdMemSpace|pci.CmdBusMaster, 0)
	env, err := ho.Encode()
	if err != nil {
		return fail(err)
	}
	return launch.Start(img, launch.Config{
		Argv:    append([]string{prog}, args...),
		Env:     append(os.Environ(), pci.HandoffEnv+"="+env),
		Handles: handles,
	})
}
