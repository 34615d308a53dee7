package font

import "testing"

// Every printable character has its own bitmap (screen dumps decode back
// to text), and only the space is blank.
func TestGlyphsDistinct(t *testing.T) {
	seen := map[[16]uint8]byte{}
	for c := byte(0x20); c <= 0x7e; c++ {
		g := *Glyph(c)
		if prev, dup := seen[g]; dup {
			t.Errorf("%q and %q share a glyph", prev, c)
		}
		seen[g] = c
		if (g == [16]uint8{}) != (c == ' ') {
			t.Errorf("%q: blank %v", c, g == [16]uint8{})
		}
	}
	if *Glyph(0x01) != box {
		t.Errorf("control byte not drawn as a box")
	}
}
