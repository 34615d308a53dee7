package qemu

import (
	"bufio"
	"bytes"
	"fmt"
	img "image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"beryl/kernel/screen/font"
)

// readPPM decodes the binary PPM (P6) QEMU's screendump writes.
func readPPM(path string) (*img.RGBA, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(b))
	var magic string
	var w, h, max int
	if _, err := fmt.Fscan(r, &magic, &w, &h, &max); err != nil || magic != "P6" || max != 255 {
		return nil, fmt.Errorf("%s: not a P6 PPM (%q %d %d %d): %v", path, magic, w, h, max, err)
	}
	r.ReadByte() // the single whitespace after maxval
	im := img.NewRGBA(img.Rect(0, 0, w, h))
	px := make([]byte, 3*w*h)
	if _, err := io_ReadFull(r, px); err != nil {
		return nil, err
	}
	for i := 0; i < w*h; i++ {
		im.Pix[4*i], im.Pix[4*i+1], im.Pix[4*i+2], im.Pix[4*i+3] = px[3*i], px[3*i+1], px[3*i+2], 255
	}
	return im, nil
}

func io_ReadFull(r *bufio.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// decodeFramebuffer turns a screendump of the framebuffer console back
// into text with the console's own font: each 8×16 cell's ink (pixels
// that differ from the black background) must equal one glyph's bitmap
// exactly; cells that match none become '?'. It also returns each row's
// dominant ink colour.
func decodeFramebuffer(im *img.RGBA) (rows []string, inks [][]color.RGBA) {
	glyphs := map[[16]uint8]byte{}
	for c := byte(0x20); c <= 0x7e; c++ {
		if _, dup := glyphs[*font.Glyph(c)]; !dup {
			glyphs[*font.Glyph(c)] = c
		}
	}
	b := im.Bounds()
	for cy := 0; (cy+1)*font.Height <= b.Dy(); cy++ {
		var line []byte
		var lineInk []color.RGBA
		for cx := 0; (cx+1)*font.Width <= b.Dx(); cx++ {
			var bits [16]uint8
			var ink color.RGBA
			for y := 0; y < font.Height; y++ {
				for x := 0; x < font.Width; x++ {
					p := im.RGBAAt(cx*font.Width+x, cy*font.Height+y)
					if p.R|p.G|p.B != 0 {
						bits[y] |= 0x80 >> x
						ink = p
					}
				}
			}
			c, ok := glyphs[bits]
			if !ok {
				c = '?'
			}
			line = append(line, c)
			lineInk = append(lineInk, ink)
		}
		rows = append(rows, strings.TrimRight(string(line), " "))
		inks = append(inks, lineInk)
	}
	return rows, inks
}

// vgaText reads the 80×25 VGA text buffer through the monitor's xp.
func vgaText(q *QMP) ([]string, error) {
	rows, _, err := vgaTextAttrs(q)
	return rows, err
}

// vgaTextAttrs is vgaText with each row's first attribute byte.
func vgaTextAttrs(q *QMP) ([]string, []uint8, error) {
	out, err := q.Execute("human-monitor-command", map[string]any{"command-line": "xp /2000hx 0xb8000"})
	if err != nil {
		return nil, nil, err
	}
	s, _ := out.(string)
	var words []uint16
	for _, l := range strings.Split(s, "\n") {
		_, rest, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(rest) {
			v, err := strconv.ParseUint(strings.TrimPrefix(f, "0x"), 16, 16)
			if err == nil {
				words = append(words, uint16(v))
			}
		}
	}
	if len(words) < 2000 {
		return nil, nil, fmt.Errorf("xp returned %d words", len(words))
	}
	var rows []string
	var attrs []uint8
	for r := 0; r < 25; r++ {
		var b []byte
		for c := 0; c < 80; c++ {
			b = append(b, byte(words[r*80+c]))
		}
		rows = append(rows, strings.TrimRight(string(b), " \x00"))
		attrs = append(attrs, uint8(words[r*80]>>8))
	}
	return rows, attrs, nil
}

// checkTextInk compares the VGA text memory with the screendump: QEMU
// renders 80×25 cells of 9×16 (720×400) or 8×16 pixels; a cell shows ink
// exactly when it holds a visible character.
func checkTextInk(t *testing.T, im *img.RGBA, rows []string) {
	cw := im.Bounds().Dx() / 80
	ch := im.Bounds().Dy() / 25
	bad := 0
	for r, line := range rows {
		for c := 0; c < 80; c++ {
			want := c < len(line) && line[c] > ' ' && line[c] < 0x7f
			ink := false
			for y := 0; y < ch && !ink; y++ {
				for x := 0; x < cw; x++ {
					p := im.RGBAAt(c*cw+x, r*ch+y)
					if p.R|p.G|p.B != 0 {
						ink = true
						break
					}
				}
			}
			if ink != want && bad < 5 {
				bad++
				t.Errorf("row %d col %d: character %q but ink %v", r, c, line[min(c, len(line)-1)], ink)
			}
		}
	}
}

// screenBoots are the machines the screen and keyboard tests boot: the
// kernel through QEMU's multiboot v1 loader (SeaBIOS, VGA text mode), and
// the GRUB ISO through multiboot2 under SeaBIOS (VBE framebuffer) and OVMF
// (GOP framebuffer), with `-vga std` and `-device VGA`.
func screenBoots(t *testing.T) []struct {
	name string
	cfg  Config
	text bool
} {
	return []struct {
		name string
		cfg  Config
		text bool
	}{
		{"seabios-multiboot1-vga-text", Config{Kernel: image(t, "beryl.elf"), Cmdline: "bogus.screen.option=1 system=none",
			Extra: []string{"-initrd", image(t, "bootfs.cpio"), "-vga", "std"}}, true},
		{"seabios-grub-multiboot2-device-VGA", Config{ISO: image(t, "beryl-shell.iso"), Extra: []string{"-vga", "none", "-device", "VGA"}}, false},
		{"ovmf-grub-multiboot2-vga-std", Config{ISO: image(t, "beryl-shell.iso"), OVMF: true, Extra: []string{"-vga", "std"}}, false},
	}
}

// screenRows returns what the screen shows as text: decoded from the
// screendump with the console's font (framebuffer), or read from VGA text
// memory and checked against the screendump's ink (text mode, where QEMU
// draws with the VGA BIOS font).
func screenRows(t *testing.T, q *QMP, text bool) ([]string, [][]color.RGBA) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "screen.ppm")
	if _, err := q.Execute("screendump", map[string]any{"filename": path}); err != nil {
		t.Fatal(err)
	}
	im, err := readPPM(path)
	if err != nil {
		t.Fatal(err)
	}
	if !text {
		return decodeFramebuffer(im)
	}
	rows, err := vgaText(q)
	if err != nil {
		t.Fatal(err)
	}
	checkTextInk(t, im, rows)
	return rows, nil
}

func findRow(rows []string, re *regexp.Regexp) int {
	for i, r := range rows {
		if re.MatchString(r) {
			return i
		}
	}
	return -1
}

// TestScreenConsole boots each screen configuration and takes a QMP
// screendump once init is idle: the console's text must be on the screen
// (the ready line and init's report on a framebuffer, decoded glyph by
// glyph; the last rows in text mode, ink where characters are), and log
// lines must be coloured by level (the warning about the unknown option
// yellow, info lines grey).
func TestScreenConsole(t *testing.T) {
	for _, b := range screenBoots(t) {
		t.Run(b.name, func(t *testing.T) {
			sock := QMPSocket()
			cfg := b.cfg
			cfg.QMP, cfg.Timeout = sock, 3*time.Minute
			var rows []string
			var inks [][]color.RGBA
			cfg.OnLine = func(l string) []byte {
				if strings.Contains(l, "init: nothing left to run") && rows == nil {
					q, err := DialQMP(sock, 5*time.Second)
					if err != nil {
						t.Error(err)
						return nil
					}
					defer q.Close()
					time.Sleep(300 * time.Millisecond)
					rows, inks = screenRows(t, q, b.text)
				}
				return nil
			}
			cfg.StopOn = "init: nothing left to run"
			res, err := Boot(cfg)
			if err != nil {
				t.Fatalf("boot: %v\n%s", err, tail(res))
			}
			if rows == nil {
				t.Fatalf("no screendump taken\n%s", res.Tail(20))
			}
			t.Logf("screen:\n%s", strings.Join(rows, "\n"))
			if findRow(rows, regexp.MustCompile(`^init: memory: \d+ MiB`)) < 0 {
				t.Errorf("init's report is not on the screen")
			}
			if b.text {
				return
			}
			if findRow(rows, regexp.MustCompile(`^beryl: ready in \d+ us$`)) < 0 {
				t.Errorf("the ready line is not on the screen")
			}
			colour := func(re string) color.RGBA {
				i := findRow(rows, regexp.MustCompile(re))
				if i < 0 {
					t.Errorf("no row matching %s", re)
					return color.RGBA{}
				}
				for _, c := range inks[i] {
					if c.A != 0 {
						return c
					}
				}
				return color.RGBA{}
			}
			if c := colour(`\] W options: .*bogus\.screen\.option`); c != (color.RGBA{0xFF, 0xFF, 0x55, 0xFF}) {
				t.Errorf("warning line drawn in %v, want yellow", c)
			}
			if c := colour(`\] I bootfs: `); c != (color.RGBA{0xAA, 0xAA, 0xAA, 0xFF}) {
				t.Errorf("info line drawn in %v, want light grey", c)
			}
		})
	}
}

// TestFaultOnScreen: a kernel fault's dump reaches the screen (VGA text
// here), in red. QEMU runs without the debug-exit device so the machine
// halts after the dump, as hardware does, and the screen can be read.
func TestFaultOnScreen(t *testing.T) {
	sock := QMPSocket()
	var rows []string
	var attrs []uint8
	var qerr error
	cfg := Config{Kernel: image(t, "beryl.elf"), Cmdline: "test.fault", QMP: sock, NoDebugExit: true,
		ExitZeroOK: true, Timeout: 2 * time.Minute, Extra: []string{"-vga", "std"}}
	cfg.OnLine = func(l string) []byte {
		if l == "FAULT end" {
			q, err := DialQMP(sock, 10*time.Second)
			if err != nil {
				qerr = err
				return nil
			}
			time.Sleep(200 * time.Millisecond)
			rows, attrs, qerr = vgaTextAttrs(q)
			q.Execute("quit", nil)
			q.Close()
		}
		return nil
	}
	res, err := Boot(cfg)
	if err != nil || qerr != nil {
		t.Fatalf("boot: %v, QMP: %v\n%s", err, qerr, tail(res))
	}
	t.Logf("screen:\n%s", strings.Join(rows, "\n"))
	seen := 0
	for i, r := range rows {
		if strings.HasPrefix(r, "FAULT vector=6 (#UD)") || r == "FAULT end" {
			seen++
			if attrs[i]&0x0f != 4 {
				t.Errorf("row %q has attribute %#x, want red (4)", r, attrs[i])
			}
		}
	}
	if seen != 2 {
		t.Errorf("the screen lacks the dump's first or last line")
	}
}

// TestScreenWithoutSerial boots the GRUB ISO on a machine without a
// serial port (-serial none): the console comes up on the screen alone,
// and the shell answers the keyboard there.
func TestScreenWithoutSerial(t *testing.T) {
	sock := QMPSocket()
	cfg := Config{ISO: image(t, "beryl-shell.iso"), QMP: sock, NoSerial: true, ExitZeroOK: true,
		Timeout: 3 * time.Minute, Extra: []string{"-vga", "std"}}
	errc := make(chan error, 1)
	var rows []string
	go func() {
		q, err := DialQMP(sock, 30*time.Second)
		if err != nil {
			errc <- err
			return
		}
		defer q.Close()
		defer q.Execute("quit", nil)
		waitFor := func(re *regexp.Regexp) bool {
			for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
				path := filepath.Join(t.TempDir(), "s.ppm")
				if _, err := q.Execute("screendump", map[string]any{"filename": path}); err != nil {
					continue
				}
				im, err := readPPM(path)
				if err != nil {
					continue
				}
				rows, _ = decodeFramebuffer(im)
				if re.MatchString(strings.Join(rows, "\n")) {
					return true
				}
			}
			return false
		}
		if !waitFor(regexp.MustCompile(`(?m)^beryl shell: type help`)) {
			errc <- fmt.Errorf("the shell never showed on the screen")
			return
		}
		for _, k := range []string{"c", "p", "u", "s", "ret"} {
			if err := q.SendCombo(k); err != nil {
				errc <- err
				return
			}
		}
		if !waitFor(regexp.MustCompile(`(?m)^beryl> cpus\n` + SMP(cfg.SMP) + ` CPUs online`)) {
			errc <- fmt.Errorf("cpus' output never showed on the screen")
			return
		}
		errc <- nil
	}()
	res, err := Boot(cfg)
	if err != nil {
		t.Fatalf("boot: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("%v; screen:\n%s", err, strings.Join(rows, "\n"))
	}
	if len(res.Lines) != 0 {
		t.Errorf("serial output without a serial port: %q", res.Lines[:min(3, len(res.Lines))])
	}
}

// TestKeyboard types on the PS/2 keyboard with QMP send-key once init's
// shell is up, under each screen configuration: plain keys, Backspace,
// Up (history), Shift, Ctrl-U (kill line) and Left (editing in the
// middle) reach the shell like serial input; the commands' output
// appears on the serial line and the screen.
func TestKeyboard(t *testing.T) {
	for _, b := range screenBoots(t) {
		t.Run(b.name, func(t *testing.T) {
			sock := QMPSocket()
			cfg := b.cfg
			cfg.QMP, cfg.Timeout, cfg.ExitZeroOK = sock, 3*time.Minute, true
			ready, mem := make(chan bool, 1), make(chan bool, 1)
			cfg.OnLine = func(l string) []byte {
				switch {
				case strings.Contains(l, "beryl shell: type help"):
					ready <- true
				case strings.HasPrefix(l, "physical: "):
					mem <- true
				}
				return nil
			}
			var rows []string
			errc := make(chan error, 1)
			go func() {
				q, err := DialQMP(sock, 30*time.Second)
				if err != nil {
					errc <- err
					return
				}
				defer q.Close()
				select {
				case <-ready:
				case <-time.After(2 * time.Minute):
					errc <- fmt.Errorf("no shell")
					q.Execute("quit", nil)
					return
				}
				keys := [][]string{
					{"p"}, {"s"}, {"x"}, {"backspace"}, {"ret"}, // ps
					{"up"}, {"ret"}, // ps again, from the history
					{"shift", "b"}, {"o"}, {"g"}, {"u"}, {"s"}, {"ret"}, // Bogus
					{"j"}, {"u"}, {"n"}, {"k"}, {"ctrl", "u"}, // killed line
					{"m"}, {"m"}, {"left"}, {"e"}, {"ret"}, // mem
				}
				for _, k := range keys {
					if err := q.SendCombo(k...); err != nil {
						errc <- err
						return
					}
				}
				select {
				case <-mem:
				case <-time.After(time.Minute):
					errc <- fmt.Errorf("mem's output never came")
					q.Execute("quit", nil)
					return
				}
				time.Sleep(300 * time.Millisecond)
				rows, _ = screenRows(t, q, b.text)
				q.Execute("quit", nil)
				errc <- nil
			}()
			res, err := Boot(cfg)
			if err != nil {
				t.Fatalf("boot: %v\n%s", err, tail(res))
			}
			if err := <-errc; err != nil {
				t.Fatalf("%v\n%s", err, res.Tail(30))
			}
			log := strings.Join(res.Lines, "\n")
			for _, re := range []string{
				`KOID +TYPE[\s\S]*KOID +TYPE`, // ps, then ps again from the history
				`(?m)^Bogus: unknown command \(type help\)$`,
				`\nphysical: `, // the line editor's escapes precede it; the screen shows the result
			} {
				if !regexp.MustCompile(re).MatchString(log) {
					t.Errorf("serial output does not match %s:\n%s", re, res.Tail(40))
				}
			}
			if strings.Contains(log, "unknown command") && regexp.MustCompile(`junk\S*: unknown command`).MatchString(log) {
				t.Errorf("Ctrl-U did not kill the line")
			}
			screen := strings.Join(rows, "\n")
			t.Logf("screen:\n%s", screen)
			// The first ps's prompt line may have scrolled off a 25-row
			// text screen (init has a thread per CPU running Go code).
			for _, re := range []string{`(?m)^KOID +TYPE[\s\S]*^beryl> ps\nKOID +TYPE`, `(?m)^beryl> Bogus\nBogus: unknown`, `(?m)^beryl> mem\nphysical: `} {
				if !regexp.MustCompile(re).MatchString(screen) {
					t.Errorf("the screen does not show %s (typed commands as edited, and their output)", re)
				}
			}
		})
	}
}
