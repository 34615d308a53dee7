package pci_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"beryl/userspace/drivers/pci"
)

type physMem map[uint64][]byte

func (m physMem) ReadPhys(addr uint64, p []byte) error {
	for base, b := range m {
		if addr >= base && addr+uint64(len(p)) <= base+uint64(len(b)) {
			copy(p, b[addr-base:])
			return nil
		}
	}
	return fmt.Errorf("no memory at %#x", addr)
}

func fixSum(b []byte, at int) []byte {
	b[at] = 0
	var s byte
	for _, c := range b {
		s += c
	}
	b[at] = -s
	return b
}

func sdt(sig string, body []byte) []byte {
	t := make([]byte, 36+len(body))
	copy(t, sig)
	binary.LittleEndian.PutUint32(t[4:], uint32(len(t)))
	copy(t[36:], body)
	return fixSum(t, 9)
}

func acpiMachine(xsdt bool, mcfg []byte) physMem {
	m := physMem{}
	bios := make([]byte, 0x20000)
	rsdp := bios[0x100:]
	copy(rsdp, "RSD PTR ")
	m[0x7000] = sdt("FACP", make([]byte, 8))
	m[0x8000] = mcfg
	if xsdt {
		rsdp[15] = 2
		body := make([]byte, 16)
		binary.LittleEndian.PutUint64(body, 0x7000)
		binary.LittleEndian.PutUint64(body[8:], 0x8000)
		m[0x6000] = sdt("XSDT", body)
		binary.LittleEndian.PutUint64(rsdp[24:], 0x6000)
		binary.LittleEndian.PutUint32(rsdp[20:], 36)
		fixSum(rsdp[:20], 8)
		fixSum(rsdp[:36], 32)
	} else {
		body := make([]byte, 8)
		binary.LittleEndian.PutUint32(body, 0x7000)
		binary.LittleEndian.PutUint32(body[4:], 0x8000)
		m[0x6000] = sdt("RSDT", body)
		binary.LittleEndian.PutUint32(rsdp[16:], 0x6000)
		fixSum(rsdp[:20], 8)
	}
	m[0xE0000] = bios
	return m
}

func mcfgTable(entries ...pci.MCFGEntry) []byte {
	body := make([]byte, 8+16*len(entries))
	for i, e := range entries {
		o := 8 + 16*i
		binary.LittleEndian.PutUint64(body[o:], e.Base)
		binary.LittleEndian.PutUint16(body[o+8:], e.Segment)
		body[o+10], body[o+11] = e.StartBus, e.EndBus
	}
	return sdt("MCFG", body)
}

func TestFindMCFG(t *testing.T) {
	want := pci.MCFGEntry{Base: 0xb0000000, StartBus: 0, EndBus: 255}
	for _, xsdt := range []bool{true, false} {
		m := acpiMachine(xsdt, mcfgTable(want))
		rsdp, err := pci.FindRSDP(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pci.FindMCFG(m, rsdp)
		if err != nil {
			t.Fatalf("xsdt=%v: %v", xsdt, err)
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("xsdt=%v: %+v", xsdt, got)
		}
		if got[0].BusBase(3) != 0xb0300000 {
			t.Errorf("BusBase(3) = %#x", got[0].BusBase(3))
		}
	}
}

func TestMCFGErrors(t *testing.T) {
	// No MCFG: the i440fx machine (-machine pc).
	m := acpiMachine(true, sdt("SSDT", nil))
	rsdp, _ := pci.FindRSDP(m)
	if _, err := pci.FindMCFG(m, rsdp); !errors.Is(err, pci.ErrNoMCFG) {
		t.Errorf("no MCFG: %v", err)
	}
	if _, err := pci.FindRSDP(physMem{0xE0000: make([]byte, 0x20000)}); !errors.Is(err, pci.ErrNoRSDP) {
		t.Errorf("no RSDP: %v", err)
	}
	bad := mcfgTable(pci.MCFGEntry{Base: 0xb0000000, StartBus: 4, EndBus: 2})
	if _, err := pci.ParseMCFG(bad); err == nil {
		t.Error("EndBus < StartBus accepted")
	}
	corrupt := mcfgTable(pci.MCFGEntry{Base: 0xb0000000, EndBus: 255})
	corrupt[50]++
	m = acpiMachine(false, corrupt)
	rsdp, _ = pci.FindRSDP(m)
	if _, err := pci.FindMCFG(m, rsdp); err == nil {
		t.Error("bad checksum accepted")
	}
}

func TestParseECAMList(t *testing.T) {
	got, err := pci.ParseECAMList("0xb0000000:0:0:255")
	if err != nil || len(got) != 1 || got[0] != (pci.MCFGEntry{Base: 0xb0000000, EndBus: 255}) {
		t.Errorf("%+v %v", got, err)
	}
	if got, err := pci.ParseECAMList(""); err != nil || got != nil {
		t.Errorf("empty: %+v %v", got, err)
	}
	for _, bad := range []string{"0xb0000000:0:0", "0xb0000000:0:5:4", "0xb0000001:0:0:1", "x:0:0:1", "0xb0000000:0:0:256"} {
		if _, err := pci.ParseECAMList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
