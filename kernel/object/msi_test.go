package object

import "testing"

func TestMSIClaim(t *testing.T) {
	freed := 0
	m := NewMSI(4, 2, 0xfee00000, 0x64, func() { freed++ })
	wantStatus(t, "claim 0", m.Claim(0), OK)
	wantStatus(t, "claim 0 again", m.Claim(0), ErrAlreadyBound)
	wantStatus(t, "claim 2", m.Claim(2), ErrInvalidArgs)
	m.Unclaim(0)
	wantStatus(t, "claim 0 after unclaim", m.Claim(0), OK)
	m.Release()
	if freed != 1 {
		t.Fatalf("freed %d", freed)
	}
}
