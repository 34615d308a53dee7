package acpi

import (
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

type fakeMem map[uint64][]byte

func (m fakeMem) ReadPhys(addr uint64, p []byte) error {
	for base, b := range m {
		if addr >= base && addr+uint64(len(p)) <= base+uint64(len(b)) {
			copy(p, b[addr-base:])
			return nil
		}
	}
	// Unbacked memory reads as zeros, like RAM.
	for i := range p {
		p[i] = 0
	}
	return nil
}

func fix(b []byte, at int) []byte {
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
	return fix(t, 9)
}

func madtBody() []byte {
	b := []byte{0, 0, 0xE0, 0xFE, 1, 0, 0, 0} // LAPIC addr 0xFEE00000, flags
	b = append(b, 0, 8, 0, 0, 1, 0, 0, 0)     // CPU 0, APIC 0, enabled
	b = append(b, 0, 8, 1, 1, 0, 0, 0, 0)     // CPU 1 disabled
	b = append(b, 1, 12, 2, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0)
	b = append(b, 2, 10, 0, 0, 2, 0, 0, 0, 0, 0)   // IRQ0 -> GSI2
	b = append(b, 2, 10, 0, 9, 9, 0, 0, 0, 0xF, 0) // IRQ9 level, active low
	return b
}

func machine(xsdt bool) fakeMem {
	m := fakeMem{}
	madt := sdt("APIC", madtBody())
	m[0x7000] = madt
	m[0x6000] = sdt("FACP", nil)
	var rsdp []byte
	if xsdt {
		ptrs := make([]byte, 16)
		binary.LittleEndian.PutUint64(ptrs, 0x6000)
		binary.LittleEndian.PutUint64(ptrs[8:], 0x7000)
		m[0x5000] = sdt("XSDT", ptrs)
		rsdp = make([]byte, 36)
		copy(rsdp, "RSD PTR ")
		rsdp[15] = 2
		binary.LittleEndian.PutUint64(rsdp[24:], 0x5000)
		binary.LittleEndian.PutUint32(rsdp[20:], 36)
		fix(rsdp[:20], 8)
		fix(rsdp, 32)
	} else {
		ptrs := make([]byte, 8)
		binary.LittleEndian.PutUint32(ptrs, 0x6000)
		binary.LittleEndian.PutUint32(ptrs[4:], 0x7000)
		m[0x5000] = sdt("RSDT", ptrs)
		rsdp = make([]byte, 20)
		copy(rsdp, "RSD PTR ")
		binary.LittleEndian.PutUint32(rsdp[16:], 0x5000)
		fix(rsdp, 8)
	}
	area := make([]byte, 0x20000)
	copy(area[0x30:], rsdp)
	m[0xE0000] = area
	return m
}

func TestFindMADT(t *testing.T) {
	for _, x := range []bool{false, true} {
		mem := machine(x)
		rsdp, at, err := FindRSDP(mem)
		if err != nil || at != 0xE0030 {
			t.Fatalf("xsdt=%v: FindRSDP = %#x, %v", x, at, err)
		}
		tab, err := FindTable(mem, rsdp, "APIC")
		if err != nil {
			t.Fatalf("xsdt=%v: %v", x, err)
		}
		m, err := ParseMADT(tab)
		if err != nil {
			t.Fatal(err)
		}
		if m.LocalAPICAddr != 0xFEE00000 || len(m.LAPICIDs) != 1 || len(m.IOAPICs) != 1 || m.IOAPICs[0].Addr != 0xFEC00000 {
			t.Fatalf("MADT = %+v", m)
		}
		if g, lo, lv := m.ISAToGSI(0); g != 2 || lo || lv {
			t.Errorf("IRQ0 -> %d %v %v", g, lo, lv)
		}
		if g, lo, lv := m.ISAToGSI(9); g != 9 || !lo || !lv {
			t.Errorf("IRQ9 -> %d %v %v", g, lo, lv)
		}
		if g, _, _ := m.ISAToGSI(4); g != 4 {
			t.Errorf("IRQ4 -> %d", g)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, _, err := FindRSDP(fakeMem{}); !errors.Is(err, ErrNoRSDP) {
		t.Errorf("empty memory: %v", err)
	}
	mem := machine(false)
	rsdp, _, _ := FindRSDP(mem)
	if _, err := FindTable(mem, rsdp, "HPET"); !errors.Is(err, ErrNoTable) {
		t.Errorf("missing table: %v", err)
	}
	mem[0x7000][20]++ // corrupt the MADT
	if _, err := FindTable(mem, rsdp, "APIC"); !errors.Is(err, ErrChecksum) {
		t.Errorf("corrupt table: %v", err)
	}
	if _, err := FindTable(mem, []byte("junk"), "APIC"); !errors.Is(err, ErrNoRSDP) {
		t.Errorf("bad rsdp: %v", err)
	}
	bad := sdt("APIC", append(madtBody(), 1, 40))
	if _, err := ParseMADT(bad); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated entry: %v", err)
	}
}

// TestMADTCPUs: local APIC and local x2APIC entries, more than 8 CPUs,
// 32-bit IDs, disabled entries skipped, duplicates dropped.
func TestMADTCPUs(t *testing.T) {
	b := []byte{0, 0, 0xE0, 0xFE, 1, 0, 0, 0}
	var want []uint32
	for i := 0; i < 10; i++ {
		b = append(b, 0, 8, byte(i), byte(i), 1, 0, 0, 0)
		want = append(want, uint32(i))
	}
	b = append(b, 0, 8, 10, 10, 0, 0, 0, 0) // disabled
	x2 := func(id uint32, flags byte) {
		e := make([]byte, 16)
		e[0], e[1] = 9, 16
		binary.LittleEndian.PutUint32(e[4:], id)
		e[8] = flags
		b = append(b, e...)
	}
	x2(300, 1)
	x2(0x12345, 1)
	x2(301, 0) // disabled
	x2(3, 1)   // already listed as a local APIC
	want = append(want, 300, 0x12345)
	m, err := ParseMADT(sdt("APIC", b))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.LAPICIDs, want) {
		t.Errorf("LAPICIDs = %v, want %v", m.LAPICIDs, want)
	}
	if _, err := ParseMADT(sdt("APIC", append(b, 9, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))); err != nil {
		t.Errorf("short x2APIC entry: %v", err)
	}
}

// On UEFI with multiboot v1 the RSDP is only in ACPI memory the caller
// names.
func TestFindRSDPInExtraRegions(t *testing.T) {
	mem := machine(true)
	area := mem[0xE0000]
	rsdp := append([]byte(nil), area[0x30:0x30+36]...)
	delete(mem, 0xE0000)
	region := make([]byte, 0x30000)
	copy(region[0x21230:], rsdp)
	mem[0x7ee0000] = region
	if _, _, err := FindRSDP(mem); !errors.Is(err, ErrNoRSDP) {
		t.Fatalf("found an RSDP without the region: %v", err)
	}
	got, at, err := FindRSDP(mem, [2]uint64{0x7ee0000, 0x30000})
	if err != nil || at != 0x7ee0000+0x21230 || len(got) != 36 {
		t.Fatalf("FindRSDP = %#x, %v", at, err)
	}
}
