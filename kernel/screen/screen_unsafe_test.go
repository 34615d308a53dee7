package screen

import (
	"strings"
	"testing"
	"unsafe"

	"beryl/kernel/screen/font"
)

func row(y uint32) string {
	var b strings.Builder
	for x := uint32(0); x < cols; x++ {
		c, _ := Cell(x, y)
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " ")
}

// The shadow, the pixels drawn from it, scrolling, VT100 editing
// sequences and level colours, on a framebuffer in host memory.
func TestFramebuffer(t *testing.T) {
	const w, h = 80, 48 // 10×3 cells
	fb := make([]uint32, w*h)
	if !SetupFramebuffer(uintptr(unsafe.Pointer(&fb[0])), 0, w, h, w*4, 32) {
		t.Fatal("setup failed")
	}
	defer Disable()
	Write([]byte("hello\r\nab\x1b[Dc\x1b[K\n"))
	if row(0) != "hello" || row(1) != "ac" {
		t.Fatalf("rows %q %q", row(0), row(1))
	}
	// The pixels of cell (0,0) are the glyph of 'h' in light grey.
	g := font.Glyph('h')
	for y := 0; y < font.Height; y++ {
		for x := 0; x < font.Width; x++ {
			want := uint32(0)
			if g[y]&(0x80>>x) != 0 {
				want = palette[LightGrey]
			}
			if got := fb[y*w+x]; got != want {
				t.Fatalf("pixel (%d,%d) = %#x, want %#x", x, y, got, want)
			}
		}
	}
	Write([]byte("[ 1.0] E x\n"))
	Write([]byte("[ 2.0] W y\n"))
	if row(0) != "[ 1.0] E x" || row(1) != "[ 2.0] W y" || row(2) != "" {
		t.Fatalf("after scrolling: %q %q %q", row(0), row(1), row(2))
	}
	if _, c := Cell(0, 0); c != Red {
		t.Errorf("error line colour %d, want red", c)
	}
	if _, c := Cell(9, 1); c != Yellow {
		t.Errorf("warning line colour %d, want yellow", c)
	}
	Write([]byte("plain"))
	if _, c := Cell(0, 2); c != LightGrey {
		t.Errorf("colour after a log line %d, want the default", c)
	}
	// Long lines wrap.
	Write([]byte("\n0123456789AB"))
	if row(1) != "0123456789" || row(2) != "AB" {
		t.Errorf("wrapped rows %q %q", row(1), row(2))
	}
	// Fault dumps are red.
	Write([]byte("\nFAULT x"))
	if _, c := Cell(0, 2); row(2) != "FAULT x" || c != Red {
		t.Errorf("fault line %q in colour %d, want red", row(2), c)
	}
}

func TestText(t *testing.T) {
	buf := make([]uint16, 4*2)
	if !SetupText(uintptr(unsafe.Pointer(&buf[0])), 0xB8000, 4, 2) {
		t.Fatal("setup failed")
	}
	defer Disable()
	Write([]byte("ab\ncd\nef"))
	if buf[0] != 'c'|LightGrey<<8 || buf[4] != 'e'|LightGrey<<8 || buf[5] != 'f'|LightGrey<<8 || buf[6] != ' '|LightGrey<<8 {
		t.Errorf("text memory %#x", buf)
	}
}
