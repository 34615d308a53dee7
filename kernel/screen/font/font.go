// Package font is the screen console's built-in bitmap font (printable
// ASCII, 8×16 cells), generated from the public-domain X11 misc-fixed
// 6×13 font. It is plain data, so host tests use it to decode screen
// dumps back into text.
package font

//go:generate go run ../../../tools/mkfont font_gen.go

// Cell size in pixels.
const (
	Width  = 8
	Height = 16
)

// Glyph returns the rows of c's glyph; bytes outside printable ASCII get
// a filled box.
//
//go:nosplit
func Glyph(c byte) *[16]uint8 {
	if c < 0x20 || c > 0x7e {
		return &box
	}
	return &Glyphs[c-0x20]
}

var box = [16]uint8{0, 0, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0, 0, 0}
