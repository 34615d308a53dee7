// Command virtionetd drives one virtio-net function that the PCI bus
// program hands it (pci.Handoff in BERYL_PCI_DEVICE; its BARs, interrupt
// and BTI as startup handles). It brings the link up: DHCP lease from the
// network's server, ARP for the gateway, one ICMP echo to it, and prints
// what it got. With -bench it then measures packets per second.
package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"beryl/userspace/drivers/hw"
	"beryl/userspace/drivers/netcfg"
	"beryl/userspace/drivers/pci"
	"beryl/userspace/drivers/virtio"
	"beryl/userspace/drivers/virtio/virtionet"
)

// Resources are what the driver works with, from zx handles in Beryl or
// from fakes in tests.
type Resources struct {
	BAR func(index int) (hw.MMIO, error)
	DMA hw.DMAAllocator
	IRQ hw.Interrupt
}

// start opens the device and returns a running driver.
func start(ho *pci.Handoff, res Resources, out io.Writer) (*virtionet.Driver, error) {
	d := ho.Device
	if virtio.DeviceType(d) != virtio.DeviceTypeNet {
		return nil, fmt.Errorf("%s is not a virtio-net function", d)
	}
	l, err := virtio.ParseLayout(d)
	if err != nil {
		return nil, err
	}
	t, err := virtio.Open(l, res.BAR)
	if err != nil {
		return nil, err
	}
	drv, err := virtionet.New(t, res.DMA, virtionet.IRQ{Interrupt: res.IRQ, MSIX: ho.IRQMode == pci.IRQModeMSIX}, virtionet.Options{})
	if err != nil {
		return nil, err
	}
	link := "down"
	if drv.LinkUp() {
		link = "up"
	}
	fmt.Fprintf(out, "virtionetd: %s: virtio-net mac %s link %s, interrupt %s\n", d.Addr, drv.MAC(), link, ho.IRQMode)
	return drv, nil
}

// up runs DHCP, ARP and ping and reports them.
func up(drv *virtionet.Driver, addr pci.Addr, out io.Writer, timeout time.Duration) (*netcfg.Report, error) {
	r, err := netcfg.Up(drv, rand.Uint32(), timeout)
	if r != nil && r.Lease != nil {
		fmt.Fprintf(out, "virtionetd: %s: leased %s\n", addr, r.Lease)
	}
	if err != nil {
		return r, err
	}
	how := ""
	if r.GatewayIsServer {
		how = " (the DHCP server: the lease names no router)"
	}
	fmt.Fprintf(out, "virtionetd: %s: gateway %s%s is at %s, ping %v\n", addr, r.Gateway, how, r.GatewayMAC, r.RTT)
	return r, nil
}
