package qemu

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"beryl/tools/pcapcheck"
)

// The guest's NIC on QEMU's user network, isolated from the host
// (restrict=on: slirp answers DHCP, ARP and ping itself and forwards
// nothing), its traffic recorded by filter-dump.
const guestMAC = "52:54:00:12:34:56"

func netArgs(pcap string) []string {
	a := []string{"-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0,mac=" + guestMAC}
	if pcap != "" {
		a = append(a, "-object", "filter-dump,id=f0,netdev=n0,file="+pcap)
	}
	return a
}

// pciBootfs holds init, the bus program and the virtio-net driver.
func pciBootfs(t testing.TB) string {
	t.Helper()
	files := []bootFile{}
	for _, n := range []string{"init", "pcibus", "virtionetd"} {
		img, err := os.ReadFile(image(t, n+".elf"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, bootFile{"bin/" + n, img})
	}
	files = append(files, bootFile{"etc/policy", readRepo(t, "userspace/etc/policy")})
	return bootfsOf(t, files...)
}

var pcibusLine = regexp.MustCompile(`^pcibus: ([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ([0-9a-f]{4}):([0-9a-f]{4}) `)

// qemuPCI lists QEMU's own view of the PCI functions (QMP query-pci) as
// "BB:DD.F VVVV:DDDD" strings.
func qemuPCI(q *QMP) ([]string, error) {
	r, err := q.Execute("query-pci", nil)
	if err != nil {
		return nil, err
	}
	var out []string
	var walk func(devs []any)
	walk = func(devs []any) {
		for _, d := range devs {
			m, _ := d.(map[string]any)
			id, _ := m["id"].(map[string]any)
			out = append(out, fmt.Sprintf("%02x:%02x.%d %04x:%04x", int(m["bus"].(float64)), int(m["slot"].(float64)), int(m["function"].(float64)),
				int(id["vendor"].(float64)), int(id["device"].(float64))))
			if br, ok := m["pci_bridge"].(map[string]any); ok {
				if sub, ok := br["devices"].([]any); ok {
					walk(sub)
				}
			}
		}
	}
	for _, b := range r.([]any) {
		walk(b.(map[string]any)["devices"].([]any))
	}
	sort.Strings(out)
	return out, nil
}

// TestPCIEnumeration boots the bus program on a q35 machine (ECAM, the
// MCFG's window) and on a pc machine (i440FX: no MCFG, ports
// 0xCF8/0xCFC) and checks it lists exactly the functions QEMU reports,
// BARs included for the virtio-net device.
func TestPCIEnumeration(t *testing.T) {
	for _, c := range []struct{ machine, mode string }{
		{"q35", "through ECAM segment 0 buses 0-255 at 0xb0000000"},
		{"pc", "through ports 0xCF8/0xCFC"},
	} {
		t.Run(c.machine, func(t *testing.T) {
			sock := QMPSocket()
			qc := make(chan []string, 1)
			go func() {
				q, err := DialQMP(sock, time.Minute)
				if err != nil {
					t.Error(err)
					qc <- nil
					return
				}
				defer q.Close()
				l, err := qemuPCI(q)
				if err != nil {
					t.Error(err)
				}
				qc <- l
			}()
			res, err := Boot(Config{
				Kernel:  image(t, "beryl.elf"),
				Cmdline: "run=pcibus system=none",
				Extra:   append([]string{"-initrd", pciBootfs(t), "-machine", c.machine}, netArgs("")...),
				Timeout: 3 * time.Minute,
				StopOn:  "init: pcibus exited",
				QMP:     sock,
			})
			if err != nil {
				t.Fatalf("boot: %v\n%s", err, tail(res))
			}
			want := <-qc
			out := strings.Join(res.Lines, "\n")
			if !strings.Contains(out, "pcibus: configuration space "+c.mode) {
				t.Errorf("no %q line:\n%s", c.mode, tail(res))
			}
			var got []string
			for _, l := range res.Lines {
				if m := pcibusLine.FindStringSubmatch(l); m != nil {
					got = append(got, fmt.Sprintf("%s:%s.%s %s:%s", m[2], m[3], m[4], m[5], m[6]))
				}
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) == 0 {
				t.Errorf("pcibus found:\n%s\nQEMU reports:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// QEMU's virtio-net-pci: legacy I/O BAR 0, MSI-X table in BAR 1,
			// the modern registers in the 16 KiB 64-bit BAR 4.
			if !regexp.MustCompile(`pcibus: 0000:00:0[0-9a-f]\.0 1af4:1000 class 020000 \(Ethernet\) bar0=io:0x[0-9a-f]+\+0x20 bar1=mem32:0x[0-9a-f]+\+0x1000 bar4=mem64:0x[0-9a-f]+\+0x4000 intA msix/\d`).MatchString(out) {
				t.Errorf("virtio-net line not as expected:\n%s", tail(res))
			}
			if !strings.Contains(out, fmt.Sprintf("pcibus: %d functions", len(want))) {
				t.Errorf("no function count %d", len(want))
			}
		})
	}
}

// TestVirtioNetWire boots with a virtio-net device on QEMU's user
// network, on q35 (ECAM) and on pc (ports 0xCF8/0xCFC), interrupted by
// MSI-X, and on pc by its legacy line (pci.intx): the bus
// program starts the driver, which leases an address, resolves the
// gateway and pings it. The host decodes the recorded traffic with
// gopacket (tools/pcapcheck) and checks the exchange and its checksums.
func TestVirtioNetWire(t *testing.T) {
	for _, c := range []struct{ machine, cmdline, irq string }{
		{"q35", "", "msix"},
		{"pc", "", "msix"},
		{"pc", "pci.intx", "intx"},
	} {
		t.Run(c.machine+"/"+c.irq, func(t *testing.T) {
			pcap := filepath.Join(t.TempDir(), "net.pcap")
			res, err := Boot(Config{
				Kernel:  image(t, "beryl.elf"),
				Cmdline: "run=pcibus system=none " + c.cmdline,
				Extra:   append([]string{"-initrd", pciBootfs(t), "-machine", c.machine}, netArgs(pcap)...),
				Timeout: 4 * time.Minute,
				StopOn:  "init: pcibus exited",
			})
			if err != nil {
				t.Fatalf("boot: %v\n%s", err, tail(res))
			}
			out := strings.Join(res.Lines, "\n")
			for _, want := range []string{
				"virtionetd: 0000:00:0",
				"virtio-net mac " + guestMAC + " link up, interrupt " + c.irq,
				"leased 10.0.2.15/24 from 10.0.2.2",
				"gateway 10.0.2.2 (the DHCP server: the lease names no router) is at 52:55:0a:00:02:02, ping",
				"out of reach (vmo_create_physical: ZX_ERR_",
				"init: pcibus exited with status 0",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in the output:\n%s", want, tail(res))
				}
			}
			pkts, err := pcapcheck.Read(pcap)
			if err != nil {
				t.Fatal(err)
			}
			mac, _ := net.ParseMAC(guestMAC)
			ex, err := pcapcheck.Check(pkts, mac)
			if err != nil {
				t.Fatalf("%v (%d frames)", err, len(pkts))
			}
			if ex.Lease.String() != "10.0.2.15" || ex.Gateway.String() != "10.0.2.2" {
				t.Errorf("exchange %+v", ex)
			}
			t.Logf("%d frames on the wire, lease %s, gateway %s at %s", ex.Frames, ex.Lease, ex.Gateway, ex.GatewayMAC)
		})
	}
}

// TestNetAtBoot: with a virtio-net NIC and no command-line option, the
// default boot (make run's bootfs) brings the link up on its own: init
// starts the bus program, which lists the devices and starts the driver,
// which reports the device, its lease and the gateway's ping time.
func TestNetAtBoot(t *testing.T) {
	res, err := Boot(Config{
		Kernel:  image(t, "beryl.elf"),
		Extra:   append([]string{"-initrd", image(t, "bootfs.cpio")}, netArgs("")...),
		Timeout: 3 * time.Minute,
		StopOn:  "is at 52:55:0a:00:02:02, ping",
	})
	if err != nil {
		t.Fatalf("boot: %v\n%s", err, tail(res))
	}
	if res.StopAt == 0 {
		t.Fatalf("no ping line:\n%s", tail(res))
	}
	out := strings.Join(res.Lines, "\n")
	for _, re := range []string{
		`pcibus: configuration space through ports 0xCF8/0xCFC`,
		`pcibus: 0000:00:0[0-9a-f]\.0 1af4:1000 class 020000 \(Ethernet\)`,
		`virtionetd: 0000:00:0[0-9a-f]\.0: virtio-net mac 52:54:00:12:34:56 link up`,
		`virtionetd: 0000:00:0[0-9a-f]\.0: leased 10\.0\.2\.15/24 from 10\.0\.2\.2`,
		`virtionetd: 0000:00:0[0-9a-f]\.0: gateway 10\.0\.2\.2 .*is at 52:55:0a:00:02:02, ping [0-9.]+[µm]?s`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no match for %s:\n%s", re, tail(res))
		}
	}
}

var benchLine = regexp.MustCompile(`^virtionetd: bench (tx|rx) (\d+)-byte frames: (\d+) frames/s`)

// BenchmarkVirtioNet boots q35 with the virtio-net device and reports
// the driver's frames per second sent and received (echo replies from
// QEMU's user network) with 64- and 1500-byte frames, under TCG.
func BenchmarkVirtioNet(b *testing.B) {
	for i := 0; i < b.N; i++ {
		res, err := Boot(Config{
			Kernel:  image(b, "beryl.elf"),
			Cmdline: "run=pcibus system=none net.bench=2s",
			Extra:   append([]string{"-initrd", pciBootfs(b), "-machine", "q35"}, netArgs("")...),
			Timeout: 4 * time.Minute,
			StopOn:  "init: pcibus exited",
		})
		if err != nil {
			b.Fatalf("boot: %v\n%s", err, tail(res))
		}
		n := 0
		for _, l := range res.Lines {
			if m := benchLine.FindStringSubmatch(l); m != nil {
				v, _ := strconv.ParseFloat(m[3], 64)
				b.ReportMetric(v, m[1]+m[2]+"-frames/s")
				n++
			}
		}
		if n != 4 {
			b.Fatalf("%d bench lines:\n%s", n, tail(res))
		}
	}
}
