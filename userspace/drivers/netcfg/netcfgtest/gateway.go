// Package netcfgtest is a gateway for host tests that answers like
// QEMU's user network (slirp): DHCP from 10.0.2.2 handing out 10.0.2.15,
// ARP for the gateway and DNS addresses, and ICMP echo to them.
package netcfgtest

import (
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"beryl/userspace/drivers/netcfg"
)

// Gateway is the slirp-like peer.
type Gateway struct {
	MAC       net.HardwareAddr
	IP, DNS   net.IP
	Offer     net.IP
	Mask      net.IPMask
	LeaseSecs uint32
	DropDHCP  int // ignore this many DHCP messages first (retransmission tests)
	NAK       bool
	// Restricted leaves the router and DNS options out, as QEMU's user
	// network does with restrict=on.
	Restricted bool
}

// New returns a gateway with slirp's addresses.
func New() *Gateway {
	return &Gateway{
		MAC:       net.HardwareAddr{0x52, 0x55, 0x0a, 0x00, 0x02, 0x02},
		IP:        net.IPv4(10, 0, 2, 2).To4(),
		DNS:       net.IPv4(10, 0, 2, 3).To4(),
		Offer:     net.IPv4(10, 0, 2, 15).To4(),
		Mask:      net.CIDRMask(24, 32),
		LeaseSecs: 86400,
	}
}

// Handle returns the frames the gateway sends in answer to frame.
func (g *Gateway) Handle(frame []byte) [][]byte {
	p := netcfg.Decode(frame)
	eth, ok := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	if !ok {
		return nil
	}
	if a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP); ok && a.Operation == layers.ARPRequest {
		target := net.IP(a.DstProtAddress)
		if !target.Equal(g.IP) && !target.Equal(g.DNS) {
			return nil
		}
		f, _ := netcfg.Serialize(
			&layers.Ethernet{SrcMAC: g.MAC, DstMAC: eth.SrcMAC, EthernetType: layers.EthernetTypeARP},
			&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: layers.ARPReply, SourceHwAddress: g.MAC, SourceProtAddress: target.To4(),
				DstHwAddress: a.SourceHwAddress, DstProtAddress: a.SourceProtAddress})
		return [][]byte{f}
	}
	if d, ok := p.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4); ok && d.Operation == layers.DHCPOpRequest {
		if g.DropDHCP > 0 {
			g.DropDHCP--
			return nil
		}
		var t layers.DHCPMsgType
		for _, o := range d.Options {
			if o.Type == layers.DHCPOptMessageType && len(o.Data) == 1 {
				t = layers.DHCPMsgType(o.Data[0])
			}
		}
		var rt layers.DHCPMsgType
		switch t {
		case layers.DHCPMsgTypeDiscover:
			rt = layers.DHCPMsgTypeOffer
		case layers.DHCPMsgTypeRequest:
			rt = layers.DHCPMsgTypeAck
			if g.NAK {
				rt = layers.DHCPMsgTypeNak
			}
		default:
			return nil
		}
		lease := []byte{byte(g.LeaseSecs >> 24), byte(g.LeaseSecs >> 16), byte(g.LeaseSecs >> 8), byte(g.LeaseSecs)}
		opts := layers.DHCPOptions{
			layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(rt)}),
			layers.NewDHCPOption(layers.DHCPOptServerID, g.IP),
			layers.NewDHCPOption(layers.DHCPOptLeaseTime, lease),
			layers.NewDHCPOption(layers.DHCPOptSubnetMask, g.Mask),
		}
		if !g.Restricted {
			opts = append(opts, layers.NewDHCPOption(layers.DHCPOptRouter, g.IP), layers.NewDHCPOption(layers.DHCPOptDNS, g.DNS))
		}
		r := &layers.DHCPv4{
			Operation: layers.DHCPOpReply, HardwareType: layers.LinkTypeEthernet, Xid: d.Xid, Flags: d.Flags,
			ClientIP: net.IPv4zero, YourClientIP: g.Offer, NextServerIP: g.IP, RelayAgentIP: net.IPv4zero,
			ClientHWAddr: d.ClientHWAddr,
			Options:      opts,
		}
		f, _ := netcfg.Serialize(
			&layers.Ethernet{SrcMAC: g.MAC, DstMAC: netcfg.Broadcast, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, TTL: 255, Protocol: layers.IPProtocolUDP, SrcIP: g.IP, DstIP: net.IPv4bcast},
			&layers.UDP{SrcPort: 67, DstPort: 68}, r)
		return [][]byte{f}
	}
	ip, ok1 := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	e, ok2 := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if ok1 && ok2 && e.TypeCode.Type() == layers.ICMPv4TypeEchoRequest && (ip.DstIP.Equal(g.IP) || ip.DstIP.Equal(g.DNS)) {
		f, _ := netcfg.Serialize(
			&layers.Ethernet{SrcMAC: g.MAC, DstMAC: eth.SrcMAC, EthernetType: layers.EthernetTypeIPv4},
			&layers.IPv4{Version: 4, TTL: 255, Protocol: layers.IPProtocolICMPv4, SrcIP: ip.DstIP, DstIP: ip.SrcIP},
			&layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoReply, 0), Id: e.Id, Seq: e.Seq},
			gopacket.Payload(e.Payload))
		return [][]byte{f}
	}
	return nil
}
