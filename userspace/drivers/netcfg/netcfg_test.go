package netcfg_test

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"beryl/userspace/drivers/netcfg"
	"beryl/userspace/drivers/netcfg/netcfgtest"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/pci/pcitest"
	"beryl/userspace/drivers/virtio"
	"beryl/userspace/drivers/virtio/virtionet"
	"beryl/userspace/drivers/virtio/virtiotest"
)

// rig is the whole userspace path on the host: PCI enumeration through
// the ports, the virtio-net driver on the device model, and a slirp-like
// gateway behind the device.
func rig(t *testing.T, gw *netcfgtest.Gateway) (*virtionet.Driver, *virtiotest.Net) {
	t.Helper()
	mem := virtiotest.NewMem()
	dev := virtiotest.NewNet(mem)
	cfg := pcitest.New()
	dev.AddTo(cfg, pci.Addr{Device: 2})
	d := (&pci.Bus{Config: &pci.PortConfig{Ports: cfg.Ports()}, SizeBARs: true}).Probe(pci.Addr{Device: 2})
	l, err := virtio.ParseLayout(d)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := virtio.Open(l, dev.BAR)
	if err != nil {
		t.Fatal(err)
	}
	dev.OnSend = func(f []byte) {
		for _, r := range gw.Handle(f) {
			go dev.Inject(r) // the model calls OnSend under the driver's Send
		}
	}
	drv, err := virtionet.New(tr, mem, virtionet.IRQ{Interrupt: dev.Vectors[0], MSIX: true}, virtionet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { drv.Close() })
	return drv, dev
}

func TestUp(t *testing.T) {
	gw := netcfgtest.New()
	gw.DropDHCP = 1 // the first DISCOVER is lost: the client resends
	drv, dev := rig(t, gw)
	r, err := netcfg.Up(drv, 0x1234abcd, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Lease.IP.Equal(net.IPv4(10, 0, 2, 15)) || !r.Lease.Router.Equal(net.IPv4(10, 0, 2, 2)) || r.Lease.Duration != 24*time.Hour {
		t.Errorf("lease %v", r.Lease)
	}
	if ones, _ := r.Lease.Mask.Size(); ones != 24 {
		t.Errorf("mask %v", r.Lease.Mask)
	}
	if r.GatewayMAC.String() != "52:55:0a:00:02:02" || r.RTT <= 0 {
		t.Errorf("gateway %v rtt %v", r.GatewayMAC, r.RTT)
	}
	// What went on the wire, decoded again: DISCOVER twice, REQUEST,
	// ARP request, echo request; all from the driver's MAC, all at
	// least the Ethernet minimum.
	var kinds []string
	for _, f := range dev.Frames() {
		if len(f) < 60 {
			t.Errorf("runt frame of %d bytes", len(f))
		}
		p := netcfg.Decode(f)
		if e := p.ErrorLayer(); e != nil {
			t.Errorf("frame does not decode: %v", e.Error())
		}
		eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		if !bytes.Equal(eth.SrcMAC, drv.MAC()) {
			t.Errorf("source MAC %v", eth.SrcMAC)
		}
		switch {
		case p.Layer(layers.LayerTypeDHCPv4) != nil:
			kinds = append(kinds, "dhcp")
		case p.Layer(layers.LayerTypeARP) != nil:
			kinds = append(kinds, "arp")
		case p.Layer(layers.LayerTypeICMPv4) != nil:
			kinds = append(kinds, "icmp")
		}
	}
	if got := join(kinds); got != "dhcp dhcp dhcp arp icmp" {
		t.Errorf("sent %s", got)
	}
}

func join(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(x)
	}
	return b.String()
}

// TestUpRestricted: a lease without a router (QEMU's restrict=on) uses
// the DHCP server as the gateway.
func TestUpRestricted(t *testing.T) {
	gw := netcfgtest.New()
	gw.Restricted = true
	drv, _ := rig(t, gw)
	r, err := netcfg.Up(drv, 5, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Lease.Router != nil || !r.GatewayIsServer || !r.Gateway.Equal(net.IPv4(10, 0, 2, 2)) || r.GatewayMAC.String() != "52:55:0a:00:02:02" {
		t.Errorf("report %+v", r)
	}
	if s := r.Lease.String(); s != "10.0.2.15/24 from 10.0.2.2 for 24h0m0s" {
		t.Errorf("lease %q", s)
	}
}

func TestNAK(t *testing.T) {
	gw := netcfgtest.New()
	gw.NAK = true
	drv, _ := rig(t, gw)
	if _, err := netcfg.DHCP(drv, 1, 5*time.Second); !errors.Is(err, netcfg.ErrNAK) {
		t.Errorf("NAK: %v", err)
	}
}

func TestNoServer(t *testing.T) {
	gw := netcfgtest.New()
	gw.DropDHCP = 1 << 30
	drv, _ := rig(t, gw)
	t0 := time.Now()
	if _, err := netcfg.DHCP(drv, 1, 2500*time.Millisecond); !errors.Is(err, netcfg.ErrTimeout) {
		t.Errorf("no server: %v", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if _, err := netcfg.ARP(drv, net.IPv4(10, 0, 2, 15), net.IPv4(10, 0, 2, 99), 300*time.Millisecond); !errors.Is(err, netcfg.ErrTimeout) {
		t.Errorf("ARP for a missing host: %v", err)
	}
}
