// Package screen draws the kernel console on the display: a linear
// framebuffer (the multiboot2 framebuffer tag: UEFI GOP or VESA, 16/24/32
// bits per pixel) with the built-in 8×16 font, or the VGA text screen
// (80×25 at 0xB8000) under BIOS and multiboot v1. It keeps a shadow of
// every cell, scrolls, understands the few VT100 sequences a line editor
// sends (cursor moves, erase, SGR colours), and colours kernel log lines
// by level (the letter after the timestamp: E red, W yellow, D grey).
//
// PutByte is on the trap path (fault dumps reach the screen through
// arch/x86's console hook): it and everything it calls are nosplit, never
// allocate, and store no pointers. Callers serialise output (the
// runtime's console write path holds interrupts off).
package screen

import "beryl/kernel/screen/font"

// Modes.
const (
	modeNone = iota
	modeText
	modePixels
)

// Colour indices (the VGA palette order).
const (
	Black     = 0
	Red       = 4
	LightGrey = 7
	DarkGrey  = 8
	Green     = 10
	Yellow    = 14
	White     = 15
	defaultFG = LightGrey
)

// palette is the 16 VGA colours as 0xRRGGBB.
var palette = [16]uint32{
	0x000000, 0x0000AA, 0x00AA00, 0x00AAAA, 0xAA0000, 0xAA00AA, 0xAA5500, 0xAAAAAA,
	0x555555, 0x5555FF, 0x55FF55, 0x55FFFF, 0xFF5555, 0xFF55FF, 0xFFFF55, 0xFFFFFF,
}

// maxCells bounds the shadow (e.g. 320×135 cells: 2560×2160 pixels).
const maxCells = 320 * 135

var (
	mode                       uint8
	base                       uintptr // mapped framebuffer or text buffer
	pitch, bpp                 uint32
	cols, rows                 uint32
	curX, curY                 uint32
	fg                         uint8
	cells                      [maxCells]uint16 // char | colour<<8
	escState                   uint8
	escParams                  [4]uint32
	escN                       uint8
	prefixState                uint8 // log-prefix recogniser: 0 start, 1 in "[...", 2 after ']', 3 after "] X", 9 done
	prefixLetter               byte
	widthPx, heightPx          uint32
	fbPhys                     uint64
	redShift, greenShift, blue uint8
)

// Info describes the active screen for the boot log and tests.
type Info struct {
	Mode                  string // "framebuffer", "vga-text" or "none"
	Width, Height, BPP    uint32 // pixels (framebuffer) or cells (text)
	Cols, Rows            uint32
	Phys                  uint64
	FontWidth, FontHeight uint32
}

// Current returns the active screen's geometry.
func Current() Info {
	i := Info{Mode: "none", Width: widthPx, Height: heightPx, BPP: bpp, Cols: cols, Rows: rows, Phys: fbPhys}
	switch mode {
	case modeText:
		i.Mode = "vga-text"
	case modePixels:
		i.Mode, i.FontWidth, i.FontHeight = "framebuffer", font.Width, font.Height
	}
	return i
}

// SetupFramebuffer starts drawing on a linear framebuffer mapped at va.
// It clears the screen. Unsupported depths leave the screen off.
func SetupFramebuffer(va uintptr, phys uint64, w, h, pitchBytes, depth uint32) bool {
	if depth != 16 && depth != 24 && depth != 32 || w < font.Width || h < font.Height {
		return false
	}
	c, r := w/font.Width, h/font.Height
	if c*r > maxCells {
		r = maxCells / c
	}
	base, pitch, bpp, widthPx, heightPx, fbPhys = va, pitchBytes, depth, w, h, phys
	cols, rows = c, r
	redShift, greenShift, blue = 16, 8, 0
	fg = defaultFG
	mode = modePixels
	clearAll()
	return true
}

// SetupText starts drawing on a VGA text screen (character, attribute
// words) of c×r cells mapped at va.
func SetupText(va uintptr, phys uint64, c, r uint32) bool {
	if c == 0 || r == 0 || c*r > maxCells {
		return false
	}
	base, cols, rows, widthPx, heightPx, fbPhys, bpp = va, c, r, c, r, phys, 16
	fg = defaultFG
	mode = modeText
	clearAll()
	return true
}

// Disable stops drawing (e.g. when the display is handed to a driver).
func Disable() { mode = modeNone }

// Cell returns the character and colour index at (x, y).
func Cell(x, y uint32) (byte, uint8) {
	if x >= cols || y >= rows {
		return 0, 0
	}
	v := cells[y*cols+x]
	return byte(v), uint8(v >> 8)
}

//go:nosplit
func clearAll() {
	for y := uint32(0); y < rows; y++ {
		for x := uint32(0); x < cols; x++ {
			cells[y*cols+x] = ' ' | defaultFG<<8
			drawCell(x, y)
		}
	}
	curX, curY = 0, 0
}

// Write draws b (see PutByte).
//
//go:nosplit
func Write(b []byte) {
	for i := 0; i < len(b); i++ {
		PutByte(b[i])
	}
}

// PutByte draws one byte of console output. Trap path: nosplit, no
// allocation.
//
//go:nosplit
func PutByte(c byte) {
	if mode == modeNone {
		return
	}
	switch escState {
	case 1: // after ESC
		if c == '[' {
			escState, escN = 2, 0
			escParams[0] = 0
			return
		}
		escState = 0
		return
	case 2: // CSI parameters
		switch {
		case c >= '0' && c <= '9':
			if escN < uint8(len(escParams)) {
				escParams[escN] = escParams[escN]*10 + uint32(c-'0')
			}
			return
		case c == ';':
			if escN+1 < uint8(len(escParams)) {
				escN++
				escParams[escN] = 0
			}
			return
		case c == '?':
			return
		}
		escState = 0
		csi(c)
		return
	}
	switch c {
	case 0x1b:
		escState = 1
	case '\r':
		curX = 0
	case '\n':
		newline()
	case '\b':
		if curX > 0 {
			curX--
		}
	case '\t':
		for {
			putChar(' ')
			if curX%8 == 0 {
				break
			}
		}
	case 7: // bell
	default:
		if c < 0x20 {
			return
		}
		logPrefix(c)
		putChar(c)
	}
}

// redPrefixes start lines drawn in red: the fault dump.
var redPrefixes = [...]string{"FAULT ", "beryl: FATAL"}

// logPrefix follows "[   12.345678] X subsys:" at the start of a line and
// colours the line by the level letter X; fault-dump lines are red.
//
//go:nosplit
func logPrefix(c byte) {
	for i := range redPrefixes {
		p := redPrefixes[i]
		if curX+1 == uint32(len(p)) && p[curX] == c && curY < rows && rowHasPrefix(p[:curX]) {
			recolour(Red)
		}
	}
	switch prefixState {
	case 0:
		prefixState = 9
		if curX == 0 && c == '[' {
			prefixState = 1
		}
	case 1:
		if c == ']' {
			prefixState = 2
		} else if !(c == ' ' || c == '.' || c >= '0' && c <= '9') || curX > 20 {
			prefixState = 9
		}
	case 2:
		if c == ' ' {
			prefixState = 3
		} else {
			prefixState = 9
		}
	case 3:
		prefixState, prefixLetter = 4, c
	case 4:
		prefixState = 9
		if c != ' ' {
			return
		}
		col := uint8(defaultFG)
		switch prefixLetter {
		case 'E':
			col = Red
		case 'W':
			col = Yellow
		case 'D':
			col = DarkGrey
		}
		recolour(col)
	}
}

// rowHasPrefix reports whether the current row starts with p.
//
//go:nosplit
func rowHasPrefix(p string) bool {
	for i := 0; i < len(p); i++ {
		if uint32(i) >= cols || byte(cells[curY*cols+uint32(i)]) != p[i] {
			return false
		}
	}
	return true
}

// recolour sets the colour for the rest of the line and redraws what the
// line already shows in it.
//
//go:nosplit
func recolour(col uint8) {
	fg = col
	for x := uint32(0); x < curX && x < cols; x++ {
		i := curY*cols + x
		cells[i] = cells[i]&0xff | uint16(col)<<8
		drawCell(x, curY)
	}
}

//go:nosplit
func putChar(c byte) {
	if curX >= cols {
		newline()
	}
	cells[curY*cols+curX] = uint16(c) | uint16(fg)<<8
	drawCell(curX, curY)
	curX++
}

//go:nosplit
func newline() {
	curX = 0
	prefixState = 0
	if fg != 0 && (fg == Red || fg == Yellow || fg == DarkGrey) {
		fg = defaultFG // level colours last one line
	}
	if curY+1 < rows {
		curY++
		return
	}
	scroll()
}

// scroll moves every row up by one and blanks the last. Only cells whose
// content changes are redrawn: log lines are mostly blank on the right.
//
//go:nosplit
func scroll() {
	for y := uint32(0); y+1 < rows; y++ {
		for x := uint32(0); x < cols; x++ {
			n := cells[(y+1)*cols+x]
			if cells[y*cols+x] != n {
				cells[y*cols+x] = n
				drawCell(x, y)
			}
		}
	}
	eraseLine(rows-1, 0)
}

//go:nosplit
func eraseLine(y, from uint32) {
	for x := from; x < cols; x++ {
		if cells[y*cols+x] != ' '|defaultFG<<8 {
			cells[y*cols+x] = ' ' | defaultFG<<8
			drawCell(x, y)
		}
	}
}

// csi runs a CSI sequence ending in final.
//
//go:nosplit
func csi(final byte) {
	n := escParams[0]
	if n == 0 {
		n = 1
	}
	switch final {
	case 'A':
		if curY >= n {
			curY -= n
		} else {
			curY = 0
		}
	case 'B':
		curY = min(curY+n, rows-1)
	case 'C':
		curX = min(curX+n, cols-1)
	case 'D':
		if curX >= n {
			curX -= n
		} else {
			curX = 0
		}
	case 'K':
		eraseLine(curY, min(curX, cols))
	case 'J':
		eraseLine(curY, min(curX, cols))
		for y := curY + 1; y < rows; y++ {
			eraseLine(y, 0)
		}
	case 'H':
		r, c := escParams[0], escParams[1]
		if escN == 0 {
			c = 1
		}
		curY, curX = min(max(r, 1)-1, rows-1), min(max(c, 1)-1, cols-1)
	case 'm':
		for i := uint8(0); i <= escN && i < uint8(len(escParams)); i++ {
			switch p := escParams[i]; {
			case p == 0:
				fg = defaultFG
			case p >= 30 && p <= 37:
				fg = ansiToVGA[p-30]
			case p >= 90 && p <= 97:
				fg = ansiToVGA[p-90] + 8
			}
		}
	}
}

// ansiToVGA maps ANSI colour numbers (black, red, green, yellow, blue,
// magenta, cyan, white) to VGA palette indices.
var ansiToVGA = [8]uint8{0, 4, 2, 6, 1, 5, 3, 7}

// drawCell draws the shadow cell (x, y) to the screen.
//
//go:nosplit
func drawCell(x, y uint32) {
	v := cells[y*cols+x]
	switch mode {
	case modeText:
		writeText(y*cols+x, v&0xff|uint16(v>>8&0xf)<<8) // black background
	case modePixels:
		g := font.Glyph(byte(v))
		fgc, bgc := pixel(palette[v>>8&0xf]), pixel(palette[Black])
		px, py := x*font.Width, y*font.Height
		for r := uint32(0); r < font.Height; r++ {
			bits := g[r]
			row := base + uintptr((py+r)*pitch)
			for cx := uint32(0); cx < font.Width; cx++ {
				c := bgc
				if bits&(0x80>>cx) != 0 {
					c = fgc
				}
				writePixel(row, px+cx, c)
			}
		}
	}
}

// pixel converts 0xRRGGBB to the framebuffer's format (16 bpp: RGB 565).
//
//go:nosplit
func pixel(rgb uint32) uint32 {
	r, g, b := rgb>>16&0xff, rgb>>8&0xff, rgb&0xff
	if bpp == 16 {
		return r>>3<<11 | g>>2<<5 | b>>3
	}
	return r<<redShift | g<<greenShift | b<<blue
}
