package virtionet_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
	"beryl/userspace/drivers/virtio"
	"beryl/userspace/drivers/virtio/virtionet"
	"beryl/userspace/drivers/virtio/virtiotest"
)

// setup enumerates a fake bus holding the device model, finds the
// virtio-net function the way the bus program does, and opens it.
func setup(t testing.TB, dev *virtiotest.Net) *virtio.Transport {
	t.Helper()
	cfg := pcitest.New()
	cfg.Add(pci.Addr{}, 0x8086, 0x29c0, 0x06, 0, 0)
	dev.AddTo(cfg, pci.Addr{Device: 3})
	var found *pci.Device
	for _, d := range (&pci.Bus{Config: &pci.PortConfig{Ports: cfg.Ports()}, SizeBARs: true}).Enumerate(0) {
		if d.VendorID == virtio.VendorID && d.DeviceID == virtio.ModernDeviceID+virtio.DeviceTypeNet {
			found = d
		}
	}
	if found == nil {
		t.Fatal("virtio-net function not enumerated")
	}
	l, err := virtio.ParseLayout(found)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := virtio.Open(l, dev.BAR)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func frame(n int, seq int) []byte {
	f := make([]byte, n)
	copy(f, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x88, 0xb5})
	for i := 14; i < n; i++ {
		f[i] = byte(seq + i)
	}
	return f
}

func TestSendReceive(t *testing.T) {
	for _, msix := range []bool{true, false} {
		t.Run(fmt.Sprintf("msix=%v", msix), func(t *testing.T) {
			mem := virtiotest.NewMem()
			dev := virtiotest.NewNet(mem)
			tr := setup(t, dev)
			irq := virtionet.IRQ{Interrupt: dev.INTx}
			if msix {
				irq = virtionet.IRQ{Interrupt: dev.Vectors[0], MSIX: true}
			}
			d, err := virtionet.New(tr, mem, irq, virtionet.Options{Entries: 16})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if got := dev.Status(); got != virtio.StatusAcknowledge|virtio.StatusDriver|virtio.StatusFeaturesOK|virtio.StatusDriverOK {
				t.Errorf("status %#x", got)
			}
			if f := dev.DriverFeatures(); f != virtio.FeatureVersion1|virtionet.FeatureMAC|virtionet.FeatureStatus {
				t.Errorf("accepted features %#x (CSUM must stay off)", f)
			}
			if d.MAC().String() != "52:54:00:12:34:56" || !d.LinkUp() {
				t.Errorf("mac %v link %v", d.MAC(), d.LinkUp())
			}
			// More frames than entries: the ring wraps and slots recycle.
			const n = 100
			for i := 0; i < n; i++ {
				if err := d.Send(frame(60+i, i)); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			sent := dev.Frames()
			if len(sent) != n {
				t.Fatalf("device got %d frames", len(sent))
			}
			for i, f := range sent {
				if !bytes.Equal(f, frame(60+i, i)) {
					t.Fatalf("frame %d differs", i)
				}
			}
			for i := 0; i < n; i++ {
				dev.Inject(frame(1514-i, i))
				got, err := d.Receive(2 * time.Second)
				if err != nil {
					t.Fatalf("receive %d: %v", i, err)
				}
				if !bytes.Equal(got, frame(1514-i, i)) {
					t.Fatalf("received frame %d differs", i)
				}
			}
			if len(dev.Errors) != 0 {
				t.Errorf("device saw: %v", dev.Errors)
			}
			if s := d.Stats(); s.TxFrames != n || s.RxFrames != n || s.Interrupts == 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestReceiveBurst(t *testing.T) {
	mem := virtiotest.NewMem()
	dev := virtiotest.NewNet(mem)
	d, err := virtionet.New(setup(t, dev), mem, virtionet.IRQ{Interrupt: dev.Vectors[0], MSIX: true}, virtionet.Options{Entries: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// 50 frames into 8 buffers: the model holds them until the driver
	// refills, which it does on each interrupt.
	for i := 0; i < 50; i++ {
		dev.Inject(frame(64, i))
	}
	for i := 0; i < 50; i++ {
		got, err := d.Receive(2 * time.Second)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, frame(64, i)) {
			t.Fatalf("frame %d out of order", i)
		}
	}
}

func TestNegotiationFailures(t *testing.T) {
	mem := virtiotest.NewMem()
	dev := virtiotest.NewNet(mem)
	dev.Offered &^= virtio.FeatureVersion1 // a legacy-only device
	if _, err := virtionet.New(setup(t, dev), mem, virtionet.IRQ{Interrupt: dev.INTx}, virtionet.Options{}); !errors.Is(err, virtio.ErrMissing) {
		t.Errorf("without VERSION_1: %v", err)
	}
	if dev.Status()&virtio.StatusFailed == 0 {
		t.Errorf("status %#x: FAILED not set", dev.Status())
	}

	dev = virtiotest.NewNet(mem)
	dev.Refuse = virtionet.FeatureStatus
	if _, err := virtionet.New(setup(t, dev), mem, virtionet.IRQ{Interrupt: dev.INTx}, virtionet.Options{}); !errors.Is(err, virtio.ErrFeatures) {
		t.Errorf("FEATURES_OK cleared: %v", err)
	}

	dev = virtiotest.NewNet(mem)
	dev.Offered &^= virtionet.FeatureMAC
	d, err := virtionet.New(setup(t, dev), mem, virtionet.IRQ{Interrupt: dev.INTx}, virtionet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.MAC()[0]&2 == 0 {
		t.Errorf("without FeatureMAC the MAC %v is not locally administered", d.MAC())
	}
	d.Close()
}

func TestSendTooLong(t *testing.T) {
	mem := virtiotest.NewMem()
	dev := virtiotest.NewNet(mem)
	d, err := virtionet.New(setup(t, dev), mem, virtionet.IRQ{Interrupt: dev.INTx}, virtionet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Send(make([]byte, 1515)); !errors.Is(err, virtionet.ErrTooLong) {
		t.Errorf("1515 bytes: %v", err)
	}
	d.Close()
	if err := d.Send(make([]byte, 60)); !errors.Is(err, virtionet.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	if dev.Status() != 0 {
		t.Errorf("status after close %#x, want reset", dev.Status())
	}
}

// TestInterruptDestroyed: the interrupt goroutine ends when the
// interrupt object goes away, and the driver reports closed.
func TestInterruptDestroyed(t *testing.T) {
	mem := virtiotest.NewMem()
	dev := virtiotest.NewNet(mem)
	d, err := virtionet.New(setup(t, dev), mem, virtionet.IRQ{Interrupt: dev.INTx}, virtionet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dev.INTx.Destroy()
	if _, err := d.Receive(2 * time.Second); !errors.Is(err, virtionet.ErrClosed) {
		t.Errorf("receive after destroy: %v", err)
	}
}

func benchmarkSend(b *testing.B, size int) {
	mem := virtiotest.NewMem()
	dev := virtiotest.NewNet(mem)
	d, err := virtionet.New(setup(b, dev), mem, virtionet.IRQ{Interrupt: dev.Vectors[0], MSIX: true}, virtionet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	f := frame(size, 0)
	dev.OnSend = func([]byte) {}
	b.SetBytes(int64(size))
	for i := 0; i < b.N; i++ {
		if err := d.Send(f); err != nil {
			b.Fatal(err)
		}
	}
}

// The model's cost dominates these; they watch the driver's ring path
// for regressions on the host. The in-Beryl numbers come from the QEMU
// benchmark.
func BenchmarkSend64(b *testing.B)   { benchmarkSend(b, 64) }
func BenchmarkSend1500(b *testing.B) { benchmarkSend(b, 1500) }
