package zx

import "testing"

func TestParseECAM(t *testing.T) {
	w := ParseECAM("0xb0000000:0:0:255,bad,0xc0000000:1:2:3,0x1:0:5:4")
	if len(w) != 2 || w[0].Base != 0xb0000000 || w[0].Size() != 256<<20 || w[1].Segment != 1 || w[1].StartBus != 2 || w[1].Size() != 2<<20 {
		t.Fatalf("%+v", w)
	}
	if len(ParseECAM("")) != 0 {
		t.Fatal("empty")
	}
	if PAHnd(PAResource, 2) != PAResource|2<<16 {
		t.Fatal("PAHnd")
	}
}
