package acpi

import (
	"encoding/binary"
	"errors"
	"testing"
)

func table(sig string, n int) []byte {
	t := make([]byte, n)
	copy(t, sig)
	binary.LittleEndian.PutUint32(t[4:], uint32(n))
	return t
}

func TestParseFADT(t *testing.T) {
	f := table("FACP", 244)
	le := binary.LittleEndian
	le.PutUint32(f[40:], 0x7FE0040)
	le.PutUint32(f[48:], 0xB2)
	f[52] = 0xF1
	le.PutUint32(f[64:], 0x604)
	le.PutUint32(f[76:], 0x608)
	f[91] = 4
	le.PutUint32(f[112:], fadtTmrValExt|fadtResetRegSup)
	f[116], f[117] = GASIO, 8
	le.PutUint64(f[120:], 0xCF9)
	f[128] = 6
	le.PutUint64(f[140:], 0x7FE1000)
	f[208] = GASIO
	le.PutUint64(f[212:], 0xB008)
	got, err := ParseFADT(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.DSDT != 0x7FE1000 || got.SMICmd != 0xB2 || got.ACPIEnable != 0xF1 || got.PM1aCnt != 0x604 ||
		got.PMTimer != 0xB008 || !got.PMTimer32 || !got.ResetSup || got.ResetReg.Addr != 0xCF9 ||
		got.ResetReg.Space != GASIO || got.ResetValue != 6 {
		t.Errorf("ParseFADT = %+v", got)
	}
	// ACPI 1.0 length: no reset register, 32-bit fields only.
	short := f[:116]
	copy(short, "FACP")
	got, err = ParseFADT(short)
	if err != nil || got.ResetSup || got.DSDT != 0x7FE0040 || got.PMTimer != 0x608 {
		t.Errorf("ACPI 1.0 FADT = %+v, %v", got, err)
	}
	if _, err := ParseFADT(f[:100]); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated FADT: %v", err)
	}
}

func TestHPETBase(t *testing.T) {
	h := table("HPET", 56)
	binary.LittleEndian.PutUint64(h[44:], 0xFED00000)
	if a, err := HPETBase(h); err != nil || a != 0xFED00000 {
		t.Errorf("HPETBase = %#x, %v", a, err)
	}
	h[40] = GASIO
	if _, err := HPETBase(h); err == nil {
		t.Errorf("HPET in I/O space accepted")
	}
	if _, err := HPETBase(h[:40]); err == nil {
		t.Errorf("short HPET table accepted")
	}
}

func TestFindS5(t *testing.T) {
	hdr := table("DSDT", 36)
	cases := []struct {
		name string
		aml  []byte
		a, b uint8
		err  bool
	}{
		// QEMU's: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })
		{"qemu", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00}, 0, 0, false},
		{"root-prefix-bytes", []byte{0x10, 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0A, 0x04, 0x0A, 0x07, 0x0A, 0x05, 0x00, 0x00}, 7, 5, false},
		{"one-and-word", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x02, 0x01, 0x0B, 0x03, 0x00}, 1, 3, false},
		{"two-byte-pkglength", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x0C, 0x05, 0, 0, 0, 0x0A, 0x06}, 5, 6, false},
		// A method reference to _S5_ (no NameOp) is skipped, the real one found.
		{"skip-reference", []byte{0x70, '_', 'S', '5', '_', 0x60, 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, 0x02, 0x01}, 2, 1, false},
		{"none", []byte{0x08, '_', 'S', '4', '_', 0x12, 0x05, 0x02, 0x00, 0x00}, 0, 0, true},
		{"truncated", []byte{0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A}, 0, 0, true},
		{"not-a-package", []byte{0x08, '_', 'S', '5', '_', 0x0A, 0x05}, 0, 0, true},
	}
	for _, c := range cases {
		a, b, err := FindS5(append(append([]byte(nil), hdr...), c.aml...))
		if c.err {
			if err == nil {
				t.Errorf("%s: FindS5 = %d, %d, want an error", c.name, a, b)
			}
			continue
		}
		if err != nil || a != c.a || b != c.b {
			t.Errorf("%s: FindS5 = %d, %d, %v; want %d, %d", c.name, a, b, err, c.a, c.b)
		}
	}
}

func FuzzFindS5(f *testing.F) {
	f.Add([]byte{0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, aml []byte) {
		FindS5(aml) // must not panic
	})
}
