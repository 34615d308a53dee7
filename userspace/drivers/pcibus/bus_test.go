package main

import (
	"errors"
	"strings"
	"testing"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
	"beryl/userspace/drivers/virtio/virtiotest"
)

type fakePlatform struct {
	cfg      *pcitest.Fake
	ecamBase uint64
	portsErr error
	maps     []uint64
}

func (f *fakePlatform) Ports(base, n uint16) (hw.Ports, error) {
	if f.portsErr != nil {
		return nil, f.portsErr
	}
	if base != 0xCF8 || n != 8 {
		return nil, errors.New("unexpected ports")
	}
	return f.cfg.Ports(), nil
}

func (f *fakePlatform) MapMMIO(base, size uint64) (hw.MMIO, error) {
	f.maps = append(f.maps, base)
	if size != 1<<20 || (base-f.ecamBase)%(1<<20) != 0 {
		return nil, errors.New("unexpected mapping")
	}
	return f.cfg.ECAMBus(uint8((base - f.ecamBase) >> 20)), nil
}

func machine() *pcitest.Fake {
	f := pcitest.New()
	f.Add(pci.Addr{}, 0x8086, 0x29c0, 6, 0, 0)
	virtiotest.NewNet(virtiotest.NewMem()).AddTo(f, pci.Addr{Device: 1})
	return f
}

func TestScanECAM(t *testing.T) {
	p := &fakePlatform{cfg: machine(), ecamBase: 0xb0000000}
	var out strings.Builder
	s, err := scan(p, "0xb0000000:0:0:255", &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Devices) != 2 || !strings.Contains(out.String(), "through ECAM segment 0 buses 0-255 at 0xb0000000") ||
		!strings.Contains(out.String(), "pcibus: 0000:00:01.0 1af4:1041 class 020000 (Ethernet)") {
		t.Errorf("output:\n%s", out.String())
	}
	if len(p.maps) != 1 || p.maps[0] != 0xb0000000 {
		t.Errorf("mapped %x (want bus 0 only)", p.maps)
	}
	if driverFor(s.Devices[1]) != "bin/virtionetd" || driverFor(s.Devices[0]) != "" {
		t.Error("driver choice")
	}
}

func TestScanPorts(t *testing.T) {
	p := &fakePlatform{cfg: machine()}
	var out strings.Builder
	s, err := scan(p, "", &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Devices) != 2 || !strings.Contains(out.String(), "through ports 0xCF8/0xCFC") || !strings.Contains(out.String(), "pcibus: 2 functions") {
		t.Errorf("output:\n%s", out.String())
	}
	p.portsErr = errors.New("ZX_ERR_ACCESS_DENIED")
	if _, err := scan(p, "", &out); err == nil || !strings.Contains(err.Error(), "ACCESS_DENIED") {
		t.Errorf("without ports: %v", err)
	}
	if _, err := scan(p, "junk", &out); err == nil {
		t.Error("bad ECAM list accepted")
	}
}

func TestHasOption(t *testing.T) {
	for c, want := range map[string]bool{"run=pcibus pci.intx": true, "pci.intx=1": true, "pci.intx=0": false, "pci.intxx": false, "": false} {
		if hasOption(c, "pci.intx") != want {
			t.Errorf("%q: want %v", c, want)
		}
	}
}
