package main

import (
	"fmt"
	"io"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"beryl/userspace/drivers/netcfg"
	"beryl/userspace/drivers/virtio/virtionet"
)

// bench measures frames per second sent (UDP datagrams to the gateway's
// discard port) and received (ICMP echo replies from the gateway, up to
// window requests outstanding) with frames of each size, for d each.
func bench(drv *virtionet.Driver, r *netcfg.Report, sizes []int, d time.Duration, out io.Writer) error {
	ip := r.Lease.IP
	for _, size := range sizes {
		udp := &layers.UDP{SrcPort: 9, DstPort: 9}
		f, err := netcfg.Serialize(
			&layers.Ethernet{SrcMAC: drv.MAC(), DstMAC: r.GatewayMAC, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: ip, DstIP: r.Gateway},
			udp, gopacket.Payload(make([]byte, max(0, size-14-20-8))))
		if err != nil {
			return err
		}
		n := 0
		t0 := time.Now()
		for time.Since(t0) < d {
			for i := 0; i < 64; i++ {
				if err := drv.Send(f); err != nil {
					return err
				}
			}
			n += 64
		}
		fmt.Fprintf(out, "virtionetd: bench tx %d-byte frames: %.0f frames/s\n", len(f), float64(n)/time.Since(t0).Seconds())

		got, err := echoFlood(drv, r, size, d)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "virtionetd: bench rx %d-byte frames: %.0f frames/s\n", size, got)
	}
	return nil
}

// echoFlood keeps up to 16 echo requests of size-byte frames in flight
// to the gateway for d and returns replies per second.
func echoFlood(drv *virtionet.Driver, r *netcfg.Report, size int, d time.Duration) (float64, error) {
	const window = 16
	payload := make([]byte, max(0, size-14-20-8))
	req := func(seq uint16) ([]byte, error) {
		return netcfg.Serialize(
			&layers.Ethernet{SrcMAC: drv.MAC(), DstMAC: r.GatewayMAC, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: r.Lease.IP, DstIP: r.Gateway, Id: seq},
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: 0xbe, Seq: seq},
			gopacket.Payload(payload))
	}
	var seq uint16
	inflight, replies := 0, 0
	t0 := time.Now()
	for time.Since(t0) < d {
		for inflight < window {
			f, err := req(seq)
			if err != nil {
				return 0, err
			}
			if err := drv.Send(f); err != nil {
				return 0, err
			}
			seq++
			inflight++
		}
		f, err := drv.Receive(time.Second)
		if err != nil {
			inflight = 0 // lost: start a new window
			continue
		}
		p := netcfg.Decode(f)
		if e, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok && e.TypeCode.Type() == layers.ICMPv4TypeEchoReply && e.Id == 0xbe {
			if ipl, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok && ipl.SrcIP.Equal(net.IP(r.Gateway)) {
				replies++
				inflight--
			}
		}
	}
	return float64(replies) / time.Since(t0).Seconds(), nil
}
