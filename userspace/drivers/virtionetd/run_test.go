package main

import (
	"strings"
	"testing"
	"time"

	"beryl/userspace/drivers/netcfg/netcfgtest"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
	"beryl/userspace/drivers/virtio/virtiotest"
)

// TestRun: the driver program's path on the host, from the handoff the
// bus program writes (encoded and decoded) to the link report.
func TestRun(t *testing.T) {
	for _, mode := range []string{pci.IRQModeMSIX, pci.IRQModeINTx} {
		t.Run(mode, func(t *testing.T) {
			mem := virtiotest.NewMem()
			dev := virtiotest.NewNet(mem)
			cfg := pcitest.New()
			dev.AddTo(cfg, pci.Addr{Device: 2})
			d := (&pci.Bus{Config: cfg, SizeBARs: true}).Probe(pci.Addr{Device: 2})
			s, err := (&pci.Handoff{Device: d, IRQMode: mode}).Encode()
			if err != nil {
				t.Fatal(err)
			}
			ho, err := pci.DecodeHandoff(s)
			if err != nil {
				t.Fatal(err)
			}
			gw := netcfgtest.New()
			dev.OnSend = func(f []byte) {
				for _, r := range gw.Handle(f) {
					go dev.Inject(r)
				}
			}
			irq := dev.INTx
			if mode == pci.IRQModeMSIX {
				irq = dev.Vectors[0]
			}
			var out strings.Builder
			drv, err := start(ho, Resources{BAR: dev.BAR, DMA: mem, IRQ: irq}, &out)
			if err != nil {
				t.Fatal(err)
			}
			defer drv.Close()
			r, err := up(drv, ho.Device.Addr, &out, 5*time.Second)
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{
				"virtionetd: 0000:00:02.0: virtio-net mac 52:54:00:12:34:56 link up, interrupt " + mode,
				"virtionetd: 0000:00:02.0: leased 10.0.2.15/24 gateway 10.0.2.2",
				"virtionetd: 0000:00:02.0: gateway 10.0.2.2 is at 52:55:0a:00:02:02, ping",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			var bout strings.Builder
			if err := bench(drv, r, []int{64, 1500}, 20*time.Millisecond, &bout); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(bout.String(), "frames/s"); n != 4 {
				t.Errorf("bench output:\n%s", bout.String())
			}
		})
	}
}

func TestNotVirtioNet(t *testing.T) {
	d := &pci.Device{VendorID: 0x8086, DeviceID: 0x100e}
	if _, err := start(&pci.Handoff{Device: d, IRQMode: pci.IRQModeINTx}, Resources{}, &strings.Builder{}); err == nil {
		t.Error("started on an e1000")
	}
}

func TestCmdlineDuration(t *testing.T) {
	if d := cmdlineDuration("run=pcibus net.bench=2s system=none", "net.bench"); d != 2*time.Second {
		t.Errorf("got %v", d)
	}
	if d := cmdlineDuration("net.bench=x", "net.bench"); d != 0 {
		t.Errorf("malformed: %v", d)
	}
}
