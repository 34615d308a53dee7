package virtio_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
	"beryl/userspace/drivers/virtio"
	"beryl/userspace/drivers/virtio/virtiotest"
)

func probe(fn func(f *pcitest.Func)) *pci.Device {
	cfg := pcitest.New()
	f := cfg.Add(pci.Addr{}, virtio.VendorID, 0x1041, 2, 0, 0)
	f.SetBAR(4, pci.BARMem64, 0xfe000000, 0x4000, true)
	fn(f)
	return (&pci.Bus{Config: cfg, SizeBARs: true}).Probe(pci.Addr{})
}

func TestParseLayout(t *testing.T) {
	mem := virtiotest.NewMem()
	cfg := pcitest.New()
	virtiotest.NewNet(mem).AddTo(cfg, pci.Addr{})
	d := (&pci.Bus{Config: cfg, SizeBARs: true}).Probe(pci.Addr{})
	l, err := virtio.ParseLayout(d)
	if err != nil {
		t.Fatal(err)
	}
	if l.Common != (virtio.Region{BAR: 4, Offset: 0, Length: 0x1000}) || l.Notify.Offset != 0x3000 || l.NotifyMultiplier != 4 || l.ISR.Offset != 0x1000 || !l.HasDeviceConfig() {
		t.Errorf("layout %+v", l)
	}

	r := virtio.Region{BAR: 4, Offset: 0, Length: 0x1000}
	// Missing common configuration.
	d = probe(func(f *pcitest.Func) {
		f.AddCap(0x40, pci.CapVendor, virtio.CapBody(virtio.CapNotify, r, 4))
		f.AddCap(0x60, pci.CapVendor, virtio.CapBody(virtio.CapISR, r, 0))
	})
	if _, err := virtio.ParseLayout(d); !errors.Is(err, virtio.ErrNotModern) {
		t.Errorf("no common cfg: %v", err)
	}
	// A structure past the end of its BAR.
	d = probe(func(f *pcitest.Func) {
		f.AddCap(0x40, pci.CapVendor, virtio.CapBody(virtio.CapCommon, virtio.Region{BAR: 4, Offset: 0x3800, Length: 0x1000}, 0))
	})
	if _, err := virtio.ParseLayout(d); err == nil {
		t.Error("region outside the BAR accepted")
	}
	// A structure in an unimplemented BAR.
	d = probe(func(f *pcitest.Func) {
		f.AddCap(0x40, pci.CapVendor, virtio.CapBody(virtio.CapCommon, virtio.Region{BAR: 2, Length: 0x100}, 0))
	})
	if _, err := virtio.ParseLayout(d); err == nil {
		t.Error("region in a missing BAR accepted")
	}
}

func TestQueue(t *testing.T) {
	mem := virtiotest.NewMem()
	if _, err := virtio.NewQueue(mem, 0, 12); err == nil {
		t.Error("size 12 accepted")
	}
	q, err := virtio.NewQueue(mem, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if q.DescAddr()%16 != 0 || q.AvailAddr()%4 != 0 || q.UsedAddr()%4 != 0 {
		t.Errorf("ring alignment %#x %#x %#x", q.DescAddr(), q.AvailAddr(), q.UsedAddr())
	}
	h1, err := q.Add(virtio.Buf{Addr: 0x1000, Len: 10}, virtio.Buf{Addr: 0x2000, Len: 20, DeviceWrites: true}, virtio.Buf{Addr: 0x3000, Len: 30, DeviceWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Add(virtio.Buf{}, virtio.Buf{}); !errors.Is(err, virtio.ErrQueueFull) {
		t.Errorf("4th and 5th descriptor: %v", err)
	}
	h2, _ := q.Add(virtio.Buf{Addr: 0x4000, Len: 40})
	if q.NumFree() != 0 {
		t.Errorf("free %d", q.NumFree())
	}
	q.Publish()
	// Play the device: check the chain, then complete h2 before h1.
	ring, _ := mem.Resolve(q.DescAddr(), virtio.RingBytes(4))
	w := hw.WindowOf(ring)
	availOff := q.AvailAddr() - q.DescAddr()
	usedOff := q.UsedAddr() - q.DescAddr()
	if idx := w.Read16(availOff + 2); idx != 2 {
		t.Fatalf("avail idx %d", idx)
	}
	d := w.Read16(availOff + 4)
	var lens []uint32
	for {
		e := ring[16*int(d):]
		lens = append(lens, binary.LittleEndian.Uint32(e[8:]))
		if binary.LittleEndian.Uint16(e[12:])&virtio.DescNext == 0 {
			break
		}
		if binary.LittleEndian.Uint16(e[12:])&virtio.DescWrite == 0 && len(lens) > 1 {
			t.Error("write flag lost")
		}
		d = binary.LittleEndian.Uint16(e[14:])
	}
	if len(lens) != 3 || lens[0] != 10 || lens[2] != 30 {
		t.Errorf("chain lengths %v", lens)
	}
	if _, _, ok := q.PopUsed(); ok {
		t.Error("used entry before the device wrote one")
	}
	w.Write32(usedOff+4, uint32(h2))
	w.Write32(usedOff+8, 0)
	w.Write32(usedOff+12, uint32(h1))
	w.Write32(usedOff+16, 50)
	w.Write32(usedOff, 2<<16)
	if h, n, ok := q.PopUsed(); !ok || h != h2 || n != 0 || q.NumFree() != 1 {
		t.Errorf("first used: %d %d %v free %d", h, n, ok, q.NumFree())
	}
	if h, n, ok := q.PopUsed(); !ok || h != h1 || n != 50 || q.NumFree() != 4 {
		t.Errorf("second used: %d %d %v free %d", h, n, ok, q.NumFree())
	}
	// All four descriptors are reusable as one chain.
	if _, err := q.Add(make([]virtio.Buf, 4)...); err != nil {
		t.Errorf("reuse: %v", err)
	}
}

func TestDeviceType(t *testing.T) {
	for _, c := range []struct {
		vendor, device, subsys uint16
		want                   int
	}{
		{0x1af4, 0x1041, 0, DeviceTypeNetForTest},
		{0x1af4, 0x1000, 1, DeviceTypeNetForTest}, // transitional virtio-net
		{0x1af4, 0x1001, 2, 2},
		{0x1af4, 0x1110, 0, 0}, // ivshmem
		{0x8086, 0x1041, 0, 0},
	} {
		d := &pci.Device{VendorID: c.vendor, DeviceID: c.device, SubsysID: c.subsys}
		if got := virtio.DeviceType(d); got != c.want {
			t.Errorf("%04x:%04x/%d: type %d, want %d", c.vendor, c.device, c.subsys, got, c.want)
		}
	}
}

const DeviceTypeNetForTest = virtio.DeviceTypeNet
