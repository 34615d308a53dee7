package pcapcheck_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"beryl/tools/pcapcheck"
	"beryl/userspace/drivers/netcfg"
	"beryl/userspace/drivers/netcfg/netcfgtest"
)

// link plays the guest: frames it sends go to the slirp-like gateway,
// and both directions are recorded as filter-dump would.
type link struct {
	mac   net.HardwareAddr
	gw    *netcfgtest.Gateway
	in    [][]byte
	trace [][]byte
}

func (l *link) MAC() net.HardwareAddr { return l.mac }
func (l *link) Send(f []byte) error {
	l.trace = append(l.trace, append([]byte(nil), f...))
	for _, r := range l.gw.Handle(f) {
		l.trace = append(l.trace, r)
		l.in = append(l.in, r)
	}
	return nil
}
func (l *link) Receive(time.Duration) ([]byte, error) {
	if len(l.in) == 0 {
		return nil, netcfg.ErrTimeout
	}
	f := l.in[0]
	l.in = l.in[1:]
	return f, nil
}

func capture(t *testing.T, frames [][]byte) string {
	path := filepath.Join(t.TempDir(), "net.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Now(), CaptureLength: len(fr), Length: len(fr)}, fr)
	}
	f.Close()
	return path
}

var mac = net.HardwareAddr{0x52, 0x54, 0, 0x12, 0x34, 0x56}

func exchange(t *testing.T) [][]byte { return exchangeWith(t, netcfgtest.New()) }

func exchangeWith(t *testing.T, gw *netcfgtest.Gateway) [][]byte {
	l := &link{mac: mac, gw: gw}
	if _, err := netcfg.Up(l, 7, time.Second); err != nil {
		t.Fatal(err)
	}
	return l.trace
}

func TestCheck(t *testing.T) {
	pkts, err := pcapcheck.Read(capture(t, exchange(t)))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := pcapcheck.Check(pkts, mac)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Lease.String() != "10.0.2.15" || ex.Gateway.String() != "10.0.2.2" || ex.GatewayMAC.String() != "52:55:0a:00:02:02" || ex.Frames != 8 {
		t.Errorf("%+v", ex)
	}
}

// TestCheckRestricted: the lease names no router; the gateway is the
// DHCP server.
func TestCheckRestricted(t *testing.T) {
	gw := netcfgtest.New()
	gw.Restricted = true
	pkts, err := pcapcheck.Read(capture(t, exchangeWith(t, gw)))
	if err != nil {
		t.Fatal(err)
	}
	ex, err := pcapcheck.Check(pkts, mac)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Gateway.String() != "10.0.2.2" {
		t.Errorf("%+v", ex)
	}
}

func TestCheckFindsFaults(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func([][]byte) [][]byte
		want string
	}{
		{"bad IP checksum", func(f [][]byte) [][]byte { f[6][24] ^= 1; return f }, "IPv4 header checksum"},
		{"bad ICMP checksum", func(f [][]byte) [][]byte { f[6][42] ^= 1; return f }, "ICMP checksum"}, // byte 42: the first payload byte (the frame is padded)
		{"bad UDP checksum", func(f [][]byte) [][]byte { f[0][len(f[0])-10] ^= 1; return f }, "UDP checksum"},
		{"no echo reply", func(f [][]byte) [][]byte { return f[:7] }, "before the ICMP echo reply"},
		{"no ARP reply", func(f [][]byte) [][]byte { return append(f[:5], f[6:]...) }, "before the ARP reply"},
		{"other MAC", func(f [][]byte) [][]byte { return f }, "DHCP for chaddr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkts, err := pcapcheck.Read(capture(t, c.mod(exchange(t))))
			if err != nil {
				t.Fatal(err)
			}
			m := mac
			if c.name == "other MAC" {
				m = net.HardwareAddr{2, 0, 0, 0, 0, 1}
			}
			if _, err := pcapcheck.Check(pkts, m); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
