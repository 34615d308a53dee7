package pci_test

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
)

// machine builds a q35-like topology: host bridge, a multi-function ISA
// bridge, a PCI bridge to bus 1 with a device behind it, and a virtio-net
// function with a 64-bit BAR, MSI-X and virtio vendor capabilities.
func machine() *pcitest.Fake {
	f := pcitest.New()
	f.Add(pci.Addr{Bus: 0, Device: 0}, 0x8086, 0x29c0, 0x06, 0x00, 0)
	lpc := f.Add(pci.Addr{Bus: 0, Device: 0x1f}, 0x8086, 0x2918, 0x06, 0x01, 0)
	lpc.SetMultiFunction()
	sata := f.Add(pci.Addr{Bus: 0, Device: 0x1f, Function: 2}, 0x8086, 0x2922, 0x01, 0x06, 1)
	sata.SetBAR(4, pci.BARIO, 0xc040, 0x20, false)
	sata.SetBAR(5, pci.BARMem32, 0xfebf1000, 0x1000, false)
	sata.AddCap(0x80, pci.CapMSI, []byte{0x80, 0x00}) // 64-bit, 1 vector
	sata.SetInterrupt(1, 10)

	br := f.Add(pci.Addr{Bus: 0, Device: 0x1e}, 0x1b36, 0x0001, 0x06, 0x04, 0)
	br.SetBridge(0, 1, 1)
	br.SetBAR(0, pci.BARMem32, 0xfe800000, 0x100, false)
	f.Add(pci.Addr{Bus: 1, Device: 3}, 0x1234, 0x1111, 0x03, 0x00, 0).SetBAR(0, pci.BARMem32, 0xfd000000, 16<<20, true)

	net := f.Add(pci.Addr{Bus: 0, Device: 2}, 0x1af4, 0x1041, 0x02, 0x00, 0)
	net.SetBAR(1, pci.BARMem32, 0xfebf2000, 0x1000, false)
	net.SetBAR(4, pci.BARMem64, 0xfe000000, 0x4000, true)
	net.SetInterrupt(1, 11)
	msix := make([]byte, 10)
	binary.LittleEndian.PutUint16(msix[0:], 2)       // 3 vectors
	binary.LittleEndian.PutUint32(msix[2:], 0|1)     // table in BAR 1 at 0
	binary.LittleEndian.PutUint32(msix[6:], 0x800|1) // PBA in BAR 1 at 0x800
	net.AddCap(0x98, pci.CapMSIX, msix)
	net.AddCap(0x84, pci.CapVendor, []byte{16, 1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0}[:14]) // common cfg
	net.AddCap(0x70, pci.CapVendor, []byte{20, 2, 4, 0, 0, 0, 0, 0x30, 0, 0, 0, 0x10, 0, 0, 4, 0, 0, 0})
	return f
}

func enumerate(t *testing.T, cfg pci.Config) []*pci.Device {
	t.Helper()
	b := &pci.Bus{Config: cfg, SizeBARs: true}
	return b.Enumerate(0)
}

func TestEnumerate(t *testing.T) {
	f := machine()
	devs := enumerate(t, f)
	var got []string
	for _, d := range devs {
		got = append(got, d.Addr.String())
	}
	want := []string{"0000:00:00.0", "0000:00:02.0", "0000:00:1e.0", "0000:01:03.0", "0000:00:1f.0", "0000:00:1f.2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	byAddr := map[string]*pci.Device{}
	for _, d := range devs {
		byAddr[d.Addr.String()] = d
	}
	net := byAddr["0000:00:02.0"]
	if net.VendorID != 0x1af4 || net.DeviceID != 0x1041 || net.Class != 2 || net.InterruptPin != 1 || net.InterruptLine != 11 {
		t.Errorf("net header: %+v", net)
	}
	wantBARs := []pci.BAR{
		{Index: 1, Kind: pci.BARMem32, Base: 0xfebf2000, Size: 0x1000},
		{Index: 4, Kind: pci.BARMem64, Prefetchable: true, Base: 0xfe000000, Size: 0x4000},
	}
	if !reflect.DeepEqual(net.BARs, wantBARs) {
		t.Errorf("net BARs %+v, want %+v", net.BARs, wantBARs)
	}
	if net.MSIX == nil || net.MSIX.TableSize != 3 || net.MSIX.TableBAR != 1 || net.MSIX.TableOffset != 0 || net.MSIX.PBABAR != 1 || net.MSIX.PBAOffset != 0x800 {
		t.Errorf("MSI-X: %+v", net.MSIX)
	}
	vc := net.VendorCaps()
	if len(vc) != 2 || vc[0].Offset != 0x84 || len(vc[0].Data) != 16 || vc[1].Offset != 0x70 || len(vc[1].Data) != 20 {
		t.Errorf("vendor caps: %+v", vc)
	}
	sata := byAddr["0000:00:1f.2"]
	if sata.MSI == nil || !sata.MSI.Is64Bit || sata.MSI.MaxVectors != 1 || sata.MSI.DataOffset != 0x80+12 {
		t.Errorf("MSI: %+v", sata.MSI)
	}
	if b, ok := sata.BAR(4); !ok || b.Kind != pci.BARIO || b.Base != 0xc040 || b.Size != 0x20 {
		t.Errorf("sata IO BAR: %+v", b)
	}
	br := byAddr["0000:00:1e.0"]
	if br.HeaderType != 1 || br.SecondaryBus != 1 || len(br.BARs) != 1 {
		t.Errorf("bridge: %+v", br)
	}
	vga := byAddr["0000:01:03.0"]
	if b, _ := vga.BAR(0); b.Size != 16<<20 || !b.Prefetchable {
		t.Errorf("vga BAR: %+v", b)
	}
	if s := net.String(); !strings.Contains(s, "1af4:1041") || !strings.Contains(s, "Ethernet") || !strings.Contains(s, "msix/3") {
		t.Errorf("String: %q", s)
	}
}

// TestSizingRestores: BARs and the command register hold what the
// firmware wrote after sizing.
func TestSizingRestores(t *testing.T) {
	f := machine()
	net := f.Funcs[pci.Addr{Device: 2}]
	net.Space[pci.RegCommand] = pci.CmdMemSpace | pci.CmdBusMaster
	before := net.Space
	enumerate(t, f)
	if net.Writes == 0 {
		t.Fatal("sizing wrote nothing")
	}
	if net.Space != before {
		t.Errorf("configuration space changed by enumeration")
	}
}

// TestAccessPaths: the ports (CF8/CFC) and ECAM find the same devices.
func TestAccessPaths(t *testing.T) {
	f := machine()
	direct := enumerate(t, f)
	ports := enumerate(t, &pci.PortConfig{Ports: f.Ports()})
	ecam := enumerate(t, &pci.ECAM{StartBus: 0, EndBus: 255, Bus: f.ECAMBus})
	for _, d := range direct {
		d.Caps = nil // the fake's caps beyond 0x100 are not reachable by ports; all ours are below
	}
	for _, got := range [][]*pci.Device{ports, ecam} {
		if len(got) != len(direct) {
			t.Fatalf("found %d devices, want %d", len(got), len(direct))
		}
		for i := range got {
			got[i].Caps = nil
			if !reflect.DeepEqual(got[i], direct[i]) {
				t.Errorf("device %d: %+v, want %+v", i, got[i], direct[i])
			}
		}
	}
}

// TestECAMBusRange: buses outside the MCFG range read as absent.
func TestECAMBusRange(t *testing.T) {
	f := machine()
	mapped := map[uint8]int{}
	e := &pci.ECAM{StartBus: 0, EndBus: 0, Bus: func(b uint8) hw.MMIO { mapped[b]++; return f.ECAMBus(b) }}
	devs := enumerate(t, e)
	for _, d := range devs {
		if d.Addr.Bus != 0 {
			t.Errorf("found %v beyond EndBus", d.Addr)
		}
	}
	if mapped[0] != 1 || len(mapped) != 1 {
		t.Errorf("bus windows mapped: %v (want bus 0 once)", mapped)
	}
	if v := e.Read(pci.Addr{Bus: 1}, 0, 4); v != 0xFFFFFFFF {
		t.Errorf("bus 1 read %#x", v)
	}
}

// TestCapLoop: a capability list that loops ends.
func TestCapLoop(t *testing.T) {
	f := pcitest.New()
	fn := f.Add(pci.Addr{}, 1, 2, 0xff, 0, 0)
	fn.AddCap(0x40, pci.CapPM, []byte{0, 0})
	fn.AddCap(0x50, pci.CapPCIe, []byte{0, 0})
	fn.Space[0x51] = 0x40 // back to the first
	d := (&pci.Bus{Config: f}).Probe(pci.Addr{})
	if len(d.Caps) != 2 {
		t.Errorf("caps %+v", d.Caps)
	}
}

// TestPortConfigLimits: the ports reach 256 bytes; misaligned accesses panic.
func TestPortConfigLimits(t *testing.T) {
	p := &pci.PortConfig{Ports: pcitest.New().Ports()}
	if p.Limit() != 256 {
		t.Fatal(p.Limit())
	}
	for _, c := range []struct {
		off   uint16
		width int
	}{{256, 1}, {1, 2}, {2, 4}, {0, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("access %d@%#x did not panic", c.width, c.off)
				}
			}()
			p.Read(pci.Addr{}, c.off, c.width)
		}()
	}
	if v := p.Read(pci.Addr{Segment: 1}, 0, 2); v != 0xFFFF {
		t.Errorf("segment 1 through ports: %#x", v)
	}
}

func ExampleDevice_String() {
	f := machine()
	for _, d := range (&pci.Bus{Config: f, SizeBARs: true}).Enumerate(0)[:2] {
		fmt.Println(d)
	}
	// Output:
	// 0000:00:00.0 8086:29c0 class 060000 (host bridge)
	// 0000:00:02.0 1af4:1041 class 020000 (Ethernet) bar1=mem32:0xfebf2000+0x1000 bar4=mem64:0xfe000000+0x4000 intA msix/3
}
