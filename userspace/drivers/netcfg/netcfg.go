// Package netcfg brings an Ethernet link up over any frame-level driver:
// it asks a DHCP server for an address (DISCOVER, OFFER, REQUEST, ACK;
// RFC 2131), resolves the gateway with ARP (RFC 826) and pings it (ICMP
// echo, RFC 792). Every packet is built and parsed with gopacket's
// layers; nothing here computes a byte offset or a checksum by hand.
package netcfg

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link is a network device that sends and receives whole Ethernet
// frames (the virtio-net driver is one).
type Link interface {
	MAC() net.HardwareAddr
	Send(frame []byte) error
	Receive(timeout time.Duration) ([]byte, error)
}

// Lease is what the DHCP server handed out.
type Lease struct {
	IP       net.IP
	Mask     net.IPMask
	Router   net.IP
	DNS      net.IP
	Server   net.IP
	Duration time.Duration
}

func (l *Lease) String() string {
	ones, _ := l.Mask.Size()
	s := fmt.Sprintf("%s/%d", l.IP, ones)
	if l.Router != nil {
		s += fmt.Sprintf(" gateway %s", l.Router)
	}
	if l.DNS != nil {
		s += fmt.Sprintf(" dns %s", l.DNS)
	}
	return s + fmt.Sprintf(" from %s for %v", l.Server, l.Duration)
}

// Errors.
var (
	ErrTimeout = errors.New("netcfg: no answer")
	ErrNAK     = errors.New("netcfg: DHCP server refused the request (NAK)")
)

// Broadcast is the Ethernet broadcast address.
var Broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

var serializeOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// Serialize builds a frame from layers, with lengths and checksums
// filled in (and short frames padded to 60 bytes by the Ethernet layer).
func Serialize(ls ...gopacket.SerializableLayer) ([]byte, error) {
	for _, l := range ls {
		if u, ok := l.(*layers.UDP); ok {
			for _, n := range ls {
				if ip, ok := n.(*layers.IPv4); ok {
					u.SetNetworkLayerForChecksum(ip)
				}
			}
		}
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, serializeOpts, ls...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode parses a frame from the Ethernet layer up.
func Decode(frame []byte) gopacket.Packet {
	return gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.Default)
}

// await receives frames until match accepts one or timeout passes.
func await(l Link, timeout time.Duration, match func(gopacket.Packet) bool) error {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return ErrTimeout
		}
		f, err := l.Receive(left)
		if err != nil {
			if time.Now().After(deadline) {
				return ErrTimeout
			}
			return err
		}
		if match(Decode(f)) {
			return nil
		}
	}
}

func dhcpFrame(mac net.HardwareAddr, xid uint32, opts ...layers.DHCPOption) ([]byte, error) {
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: Broadcast, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IPv4zero, DstIP: net.IPv4bcast}
	udp := &layers.UDP{SrcPort: 68, DstPort: 67}
	d := &layers.DHCPv4{
		Operation:    layers.DHCPOpRequest,
		HardwareType: layers.LinkTypeEthernet,
		Xid:          xid,
		Flags:        0x8000, // answer by broadcast: we have no address yet
		ClientIP:     net.IPv4zero,
		YourClientIP: net.IPv4zero,
		NextServerIP: net.IPv4zero,
		RelayAgentIP: net.IPv4zero,
		ClientHWAddr: mac,
		Options:      opts,
	}
	return Serialize(eth, ip, udp, d)
}

func msgType(t layers.DHCPMsgType) layers.DHCPOption {
	return layers.NewDHCPOption(layers.DHCPOptMessageType, []byte{byte(t)})
}

// reply returns the DHCP message in p if it answers xid for mac.
func reply(p gopacket.Packet, mac net.HardwareAddr, xid uint32) (*layers.DHCPv4, layers.DHCPMsgType) {
	d, ok := p.Layer(layers.LayerTypeDHCPv4).(*layers.DHCPv4)
	if !ok || d.Operation != layers.DHCPOpReply || d.Xid != xid || d.ClientHWAddr.String() != mac.String() {
		return nil, 0
	}
	for _, o := range d.Options {
		if o.Type == layers.DHCPOptMessageType && len(o.Data) == 1 {
			return d, layers.DHCPMsgType(o.Data[0])
		}
	}
	return nil, 0
}

func leaseOf(d *layers.DHCPv4) *Lease {
	l := &Lease{IP: d.YourClientIP.To4()}
	for _, o := range d.Options {
		switch o.Type {
		case layers.DHCPOptSubnetMask:
			if len(o.Data) == 4 {
				l.Mask = net.IPMask(o.Data)
			}
		case layers.DHCPOptRouter:
			if len(o.Data) >= 4 {
				l.Router = net.IP(o.Data[:4])
			}
		case layers.DHCPOptDNS:
			if len(o.Data) >= 4 {
				l.DNS = net.IP(o.Data[:4])
			}
		case layers.DHCPOptServerID:
			if len(o.Data) == 4 {
				l.Server = net.IP(o.Data)
			}
		case layers.DHCPOptLeaseTime:
			if len(o.Data) == 4 {
				l.Duration = time.Duration(uint32(o.Data[0])<<24|uint32(o.Data[1])<<16|uint32(o.Data[2])<<8|uint32(o.Data[3])) * time.Second
			}
		}
	}
	return l
}

// DHCP obtains a lease: DISCOVER (resent every second), OFFER, REQUEST
// of the offered address from the offering server, ACK.
func DHCP(l Link, xid uint32, timeout time.Duration) (*Lease, error) {
	mac := l.MAC()
	params := layers.NewDHCPOption(layers.DHCPOptParamsRequest, []byte{
		byte(layers.DHCPOptSubnetMask), byte(layers.DHCPOptRouter), byte(layers.DHCPOptDNS), byte(layers.DHCPOptLeaseTime)})
	discover, err := dhcpFrame(mac, xid, msgType(layers.DHCPMsgTypeDiscover), params)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	var offer *layers.DHCPv4
	for offer == nil {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w to DHCP DISCOVER", ErrTimeout)
		}
		if err := l.Send(discover); err != nil {
			return nil, err
		}
		err := await(l, min(time.Second, time.Until(deadline)), func(p gopacket.Packet) bool {
			d, t := reply(p, mac, xid)
			if t == layers.DHCPMsgTypeOffer && d.YourClientIP.To4() != nil && !d.YourClientIP.IsUnspecified() {
				offer = d
			}
			return offer != nil
		})
		if err != nil && !errors.Is(err, ErrTimeout) {
			return nil, err
		}
	}
	offered := leaseOf(offer)
	if offered.Server == nil {
		return nil, fmt.Errorf("netcfg: DHCP OFFER without a server identifier")
	}
	request, err := dhcpFrame(mac, xid, msgType(layers.DHCPMsgTypeRequest),
		layers.NewDHCPOption(layers.DHCPOptRequestIP, offered.IP.To4()),
		layers.NewDHCPOption(layers.DHCPOptServerID, offered.Server.To4()), params)
	if err != nil {
		return nil, err
	}
	var lease *Lease
	var nak bool
	for lease == nil && !nak {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w to DHCP REQUEST", ErrTimeout)
		}
		if err := l.Send(request); err != nil {
			return nil, err
		}
		err := await(l, min(time.Second, time.Until(deadline)), func(p gopacket.Packet) bool {
			d, t := reply(p, mac, xid)
			switch t {
			case layers.DHCPMsgTypeAck:
				lease = leaseOf(d)
			case layers.DHCPMsgTypeNak:
				nak = true
			}
			return lease != nil || nak
		})
		if err != nil && !errors.Is(err, ErrTimeout) {
			return nil, err
		}
	}
	if nak {
		return nil, ErrNAK
	}
	return lease, nil
}

// ARP asks who has target, telling our own address, and returns the
// answer's hardware address.
func ARP(l Link, ours, target net.IP, timeout time.Duration) (net.HardwareAddr, error) {
	mac := l.MAC()
	eth := &layers.Ethernet{SrcMAC: mac, DstMAC: Broadcast, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{
		AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4,
		HwAddressSize: 6, ProtAddressSize: 4, Operation: layers.ARPRequest,
		SourceHwAddress: mac, SourceProtAddress: ours.To4(),
		DstHwAddress: make([]byte, 6), DstProtAddress: target.To4(),
	}
	f, err := Serialize(eth, arp)
	if err != nil {
		return nil, err
	}
	var hw net.HardwareAddr
	for tries := 0; hw == nil; tries++ {
		if tries == 3 {
			return nil, fmt.Errorf("%w to ARP for %s", ErrTimeout, target)
		}
		if err := l.Send(f); err != nil {
			return nil, err
		}
		err := await(l, timeout/3, func(p gopacket.Packet) bool {
			a, ok := p.Layer(layers.LayerTypeARP).(*layers.ARP)
			if ok && a.Operation == layers.ARPReply && net.IP(a.SourceProtAddress).Equal(target) {
				hw = append(net.HardwareAddr(nil), a.SourceHwAddress...)
			}
			return hw != nil
		})
		if err != nil && !errors.Is(err, ErrTimeout) {
			return nil, err
		}
	}
	return hw, nil
}

// Ping sends one ICMP echo request to dst (at dstMAC on the link) and
// waits for the matching reply; it returns the round-trip time.
func Ping(l Link, ours net.IP, dstMAC net.HardwareAddr, dst net.IP, id, seq uint16, payload []byte, timeout time.Duration) (time.Duration, error) {
	eth := &layers.Ethernet{SrcMAC: l.MAC(), DstMAC: dstMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolICMPv4, SrcIP: ours.To4(), DstIP: dst.To4(), Id: seq}
	icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(layers.ICMPv4TypeEchoRequest, 0), Id: id, Seq: seq}
	f, err := Serialize(eth, ip, icmp, gopacket.Payload(payload))
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := l.Send(f); err != nil {
		return 0, err
	}
	err = await(l, timeout, func(p gopacket.Packet) bool {
		ipr, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		e, ok2 := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		return ok && ok2 && ipr.SrcIP.Equal(dst) && e.TypeCode.Type() == layers.ICMPv4TypeEchoReply && e.Id == id && e.Seq == seq
	})
	if err != nil {
		return 0, fmt.Errorf("ping %s: %w", dst, err)
	}
	return time.Since(t0), nil
}

// Report is what Up found.
type Report struct {
	Lease *Lease
	// Gateway is the lease's router, or the DHCP server when the lease
	// names none (GatewayIsServer).
	Gateway         net.IP
	GatewayIsServer bool
	GatewayMAC      net.HardwareAddr
	RTT             time.Duration
}

// Up leases an address, resolves the gateway (the lease's router, else
// the DHCP server) and pings it once.
func Up(l Link, xid uint32, timeout time.Duration) (*Report, error) {
	lease, err := DHCP(l, xid, timeout)
	if err != nil {
		return nil, err
	}
	r := &Report{Lease: lease, Gateway: lease.Router}
	if r.Gateway == nil {
		// No router option (QEMU's user network in restrict=on mode
		// leaves it out): the DHCP server is on the link; use it.
		r.Gateway, r.GatewayIsServer = lease.Server, true
	}
	if r.GatewayMAC, err = ARP(l, lease.IP, r.Gateway, timeout); err != nil {
		return r, err
	}
	r.RTT, err = Ping(l, lease.IP, r.GatewayMAC, r.Gateway, uint16(xid), 1, []byte("beryl ping"), timeout)
	return r, err
}
