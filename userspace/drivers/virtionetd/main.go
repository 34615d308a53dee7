package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"beryl/userspace/drivers/pci"
)

func main() {
	benchFor := flag.Duration("bench", 0, "after the link is up, measure frames per second for this long per size")
	timeout := flag.Duration("timeout", 20*time.Second, "give up on DHCP, ARP or ping after this long")
	flag.Parse()
	if *benchFor == 0 {
		*benchFor = cmdlineDuration(os.Getenv("BERYL_CMDLINE"), "net.bench")
	}
	ho, err := pci.DecodeHandoff(os.Getenv(pci.HandoffEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "virtionetd:", err)
		os.Exit(1)
	}
	res, dmaMem, err := zxResources()
	if err != nil {
		fmt.Fprintf(os.Stderr, "virtionetd: %s: %v\n", ho.Device.Addr, err)
		os.Exit(1)
	}
	drv, err := start(ho, res, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "virtionetd: %s: %v\n", ho.Device.Addr, err)
		os.Exit(1)
	}
	defer func() {
		drv.Close()
		if err := dmaMem.unpinAll(); err != nil {
			fmt.Fprintf(os.Stderr, "virtionetd: %s: %v\n", ho.Device.Addr, err)
		}
	}()
	// The driver holds its own device's resources only.
	if b, ok := lastMemBAR(ho.Device); ok {
		st, err := checkIsolation(b.Base, b.Size)
		if err != nil {
			fmt.Fprintf(os.Stderr, "virtionetd: %s: not isolated: %v\n", ho.Device.Addr, err)
			os.Exit(1)
		}
		fmt.Printf("virtionetd: %s: memory beside BAR %d out of reach (vmo_create_physical: %v)\n", ho.Device.Addr, b.Index, st)
	}
	r, err := up(drv, ho.Device.Addr, os.Stdout, *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "virtionetd: %s: %v\n", ho.Device.Addr, err)
		os.Exit(1)
	}
	if *benchFor > 0 {
		if err := bench(drv, r, []int{64, 1500}, *benchFor, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "virtionetd: bench: %v\n", err)
			os.Exit(1)
		}
	}
	s := drv.Stats()
	fmt.Printf("virtionetd: %s: %d frames sent, %d received, %d interrupts\n", ho.Device.Addr, s.TxFrames, s.RxFrames, s.Interrupts)
}

// cmdlineDuration returns the duration of option name=D on the kernel
// command line (0 if absent or malformed), so that a boot can ask the
// driver for its benchmark (net.bench=2s) without arguments to pass.
func cmdlineDuration(cmdline, name string) time.Duration {
	for _, f := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			d, _ := time.ParseDuration(v)
			return d
		}
	}
	return 0
}

// lastMemBAR returns the device's last memory BAR.
func lastMemBAR(d *pci.Device) (pci.BAR, bool) {
	var out pci.BAR
	ok := false
	for _, b := range d.BARs {
		if b.Kind == pci.BARMem32 || b.Kind == pci.BARMem64 {
			out, ok = b, true
		}
	}
	return out, ok
}
