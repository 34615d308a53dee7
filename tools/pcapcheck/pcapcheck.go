// Package pcapcheck reads a capture of a guest's network traffic (QEMU's
// -object filter-dump writes classic pcap) with gopacket's pcapgo and
// checks the exchange a Beryl network driver performs at boot: DHCP
// DISCOVER/OFFER/REQUEST/ACK for the driver's MAC, ARP for the gateway
// and its reply, an ICMP echo request and its reply, every IPv4, UDP and
// ICMP checksum valid.
package pcapcheck

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Read decodes every frame of the pcap file at path.
func Read(path string) ([]gopacket.Packet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, err
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		return nil, fmt.Errorf("pcapcheck: link type %v, want Ethernet", r.LinkType())
	}
	var out []gopacket.Packet
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		p.Metadata().CaptureInfo = ci
		out = append(out, p)
	}
}

// ChecksumErrors returns a description of each bad IPv4 header, UDP or
// ICMPv4 checksum in p (a UDP checksum of 0, "none", is accepted).
func ChecksumErrors(p gopacket.Packet) []string {
	var bad []string
	ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if !ok {
		return nil
	}
	opts := gopacket.SerializeOptions{ComputeChecksums: true}
	c := *ip
	if err := c.SerializeTo(gopacket.NewSerializeBuffer(), opts); err != nil || c.Checksum != ip.Checksum {
		bad = append(bad, fmt.Sprintf("IPv4 header checksum %#04x, want %#04x", ip.Checksum, c.Checksum))
	}
	if u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && u.Checksum != 0 {
		c := *u
		c.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, opts, &c, gopacket.Payload(u.Payload)); err != nil || c.Checksum != u.Checksum {
			bad = append(bad, fmt.Sprintf("UDP checksum %#04x, want %#04x", u.Checksum, c.Checksum))
		}
	}
	if e, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok {
		c := *e
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, opts, &c, gopacket.Payload(e.Payload)); err != nil || c.Checksum != e.Checksum {
			bad = append(bad, fmt.Sprintf("ICMP checksum %#04x, want %#04x", e.Checksum, c.Checksum))
		}
	}
	return bad
}

// Exchange is what Check found.
type Exchange struct {
	Lease, Gateway net.IP
	GatewayMAC     net.HardwareAddr
	Frames         int
}

func dhcpType(d *layers.DHCPv4) layers.DHCPMsgType {
	for _, o := range d.Options {
		if o.Type == layers.DHCPOptMessageType && len(o.Data) == 1 {
			return layers.DHCPMsgType(o.Data[0])
		}
	}
	return 0
}

// Check verifies the boot exchange of the driver with address mac in
// packets, in order: DISCOVER, OFFER, REQUEST, ACK (same xid, chaddr
// mac), ARP request for the ACK's router (else its DHCP server) and its
// reply, ICMP echo
// request from the leased address to the gateway and its reply. Every
// frame must decode and carry valid checksums; every frame the guest
// sent must come from mac.
func Check(packets []gopacket.Packet, mac net.HardwareAddr) (*Exchange, error) {
	var problems []string
	stage := 0
	var xid uint32
	ex := &Exchange{Frames: len(packets)}
	var echoID, echoSeq uint16
	for i, p := range packets {
		if e := p.ErrorLayer(); e != nil {
			problems = append(problems, fmt.Sprintf("frame %d: does not decode: %v", i, e.Error()))
			continue
		}
		for _, b := range ChecksumErrors(p) {
			problems = append(problems, fmt.Sprintf("frame %d: %s", i, b))
		}
		eth, ok := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		if !ok {
			problems = append(problems, fmt.Sprintf("frame %d: not Ethernet", i))
			continue
		}
		fromGuest := eth.SrcMAC.String() == mac.String()
		if d, ok := p.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4); ok {
			if d.ClientHWAddr.String() != mac.String() {
				problems = append(problems, fmt.Sprintf("frame %d: DHCP for chaddr %v", i, d.ClientHWAddr))
				continue
			}
			t := dhcpType(d)
			switch {
			case stage == 0 && t == layers.DHCPMsgTypeDiscover && fromGuest:
				xid, stage = d.Xid, 1
			case stage <= 2 && t == layers.DHCPMsgTypeDiscover && fromGuest:
				xid = d.Xid // a resent DISCOVER
			case stage == 1 && t == layers.DHCPMsgTypeOffer && d.Xid == xid:
				stage = 2
			case stage == 2 && t == layers.DHCPMsgTypeRequest && fromGuest && d.Xid == xid:
				stage = 3
			case stage == 3 && t == layers.DHCPMsgTypeRequest && fromGuest:
				// resent
			case stage == 3 && t == layers.DHCPMsgTypeAck && d.Xid == xid:
				ex.Lease = d.YourClientIP.To4()
				var router, server net.IP
				for _, o := range d.Options {
					if o.Type == layers.DHCPOptRouter && len(o.Data) >= 4 {
						router = net.IP(append([]byte(nil), o.Data[:4]...))
					}
					if o.Type == layers.DHCPOptServerID && len(o.Data) == 4 {
						server = net.IP(append([]byte(nil), o.Data...))
					}
				}
				// Without a router option (QEMU's restrict=on) the
				// driver uses the DHCP server as its gateway.
				ex.Gateway = router
				if router == nil {
					ex.Gateway = server
				}
				stage = 4
			}
			continue
		}
		if a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP); ok {
			switch {
			case stage == 4 && fromGuest && a.Operation == layers.ARPRequest && net.IP(a.DstProtAddress).Equal(ex.Gateway) &&
				net.IP(a.SourceProtAddress).Equal(ex.Lease) && net.HardwareAddr(a.SourceHwAddress).String() == mac.String():
				stage = 5
			case stage == 5 && a.Operation == layers.ARPReply && net.IP(a.SourceProtAddress).Equal(ex.Gateway) &&
				net.HardwareAddr(a.DstHwAddress).String() == mac.String():
				ex.GatewayMAC = append(net.HardwareAddr(nil), a.SourceHwAddress...)
				stage = 6
			}
			continue
		}
		ip, ok1 := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		e, ok2 := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if ok1 && ok2 {
			switch {
			case stage == 6 && fromGuest && e.TypeCode.Type() == layers.ICMPv4TypeEchoRequest && ip.SrcIP.Equal(ex.Lease) && ip.DstIP.Equal(ex.Gateway) &&
				eth.DstMAC.String() == ex.GatewayMAC.String():
				echoID, echoSeq, stage = e.Id, e.Seq, 7
			case stage == 7 && e.TypeCode.Type() == layers.ICMPv4TypeEchoReply && ip.SrcIP.Equal(ex.Gateway) && ip.DstIP.Equal(ex.Lease) &&
				e.Id == echoID && e.Seq == echoSeq && eth.DstMAC.String() == mac.String():
				stage = 8
			}
		}
	}
	steps := []string{"DHCP DISCOVER", "DHCP OFFER", "DHCP REQUEST", "DHCP ACK", "ARP request for the gateway", "ARP reply", "ICMP echo request", "ICMP echo reply"}
	if stage < len(steps) {
		problems = append(problems, fmt.Sprintf("exchange stops before the %s (%d frames)", steps[stage], len(packets)))
	}
	if len(problems) > 0 {
		return ex, errors.New("pcapcheck: " + strings.Join(problems, "; "))
	}
	return ex, nil
}
