package linux

import (
	"testing"

	"beryl/arch/x86"
)

func TestFrameRoundTrip(t *testing.T) {
	f := x86.Frame{R8: 8, R9: 9, R10: 10, R11: 11, R12: 12, R13: 13, R14: 14, R15: 15,
		RDI: 21, RSI: 22, RBP: 23, RBX: 24, RDX: 25, RAX: 26, RCX: 27, RSP: 0x7000_1000, RIP: 0x401000,
		RFLAGS: 0x246, CS: 0x2b, SS: 0x23, Vector: 14, ErrorCode: 4}
	frame, fp := Place(f.RSP, false, 0, 0)
	if fp%64 != 0 || (frame+8)%16 != 0 || fp < frame+FrameLen || fp+FPStateLen > f.RSP-redZone {
		t.Fatalf("layout frame %#x fp %#x", frame, fp)
	}
	var b [FrameLen]byte
	EncodeFrame(&b, &f, frame, 0xdead, fp, 0, 0, 0x55, SIGSEGV, SegvMaperr, 0x10)
	if get64(b[:], 0) != 0xdead || get64(b[InfoOffset:], 0) != SIGSEGV || get64(b[InfoOffset:], 16) != 0x10 {
		t.Fatalf("header or siginfo wrong")
	}
	g := f
	Enter(&g, 0x5000, frame, SIGSEGV)
	if g.RIP != 0x5000 || g.RSP != frame || g.RDI != SIGSEGV || g.RSI != frame+InfoOffset || g.RDX != frame+UCOffset {
		t.Fatalf("enter: %+v", g)
	}
	// The handler changes the context (as Go's asyncPreempt injection
	// does) and returns; DecodeContext restores it.
	uc := (*[UCLen]byte)(b[UCOffset : UCOffset+UCLen])
	put64(uc[ucMctxOff:], scRIP, 0x402000)
	put64(uc[ucMctxOff:], scEFLAGS, 0x200|1) // tries to flip IF; only CF may change
	var h x86.Frame
	h.RFLAGS = 0x202
	gotFP, mask := DecodeContext(uc, &h)
	if gotFP != fp || mask != 0x55 || h.RIP != 0x402000 || h.RSP != f.RSP || h.R15 != 15 || h.RFLAGS != 0x203 {
		t.Fatalf("decode: fp %#x mask %#x frame %+v", gotFP, mask, h)
	}
}

func TestAltStack(t *testing.T) {
	alt, size := uint64(0x10000), uint64(0x8000)
	frame, fp := Place(0x7000_0000, true, alt, size)
	if !OnStack(frame, alt, size) || !OnStack(fp, alt, size) {
		t.Fatalf("not on the alternate stack: %#x %#x", frame, fp)
	}
	// Already on it: nest below the current SP.
	frame2, _ := Place(frame, true, alt, size)
	if frame2 >= frame || !OnStack(frame2, alt, size) {
		t.Fatalf("nested frame %#x", frame2)
	}
	if OnStack(alt, alt, size) || !OnStack(alt+size, alt, size) || OnStack(alt+1, alt, 0) {
		t.Fatalf("OnStack bounds")
	}
}
