package main

import (
	"fmt"
	"io"
	"strings"
)

// Options tune a report.
type Options struct {
	// After is how many instructions to show past the faulting one.
	After int
	// Before limits the instructions shown before the faulting one (0 shows
	// all from the function entry). Decoding always starts at the entry.
	Before int
	Syntax Syntax
}

// ByteCheck is the result of comparing logged code bytes with the image.
type ByteCheck struct {
	Compared int // logged bytes that fall inside the image's text
	Differ   int
	First    uint64 // address of the first differing byte
	Log, ELF byte   // the first differing byte in the log and in the image
}

// CompareBytes compares the bytes the kernel logged at addr with the image's
// bytes at the same addresses. A difference means the log came from another
// build, or the code was overwritten at run time; either way the listing
// from the image cannot be trusted.
func CompareBytes(k *Kernel, addr uint64, logged []byte) ByteCheck {
	var c ByteCheck
	for i, b := range logged {
		a := addr + uint64(i)
		img := k.ReadText(a, 1)
		if len(img) == 0 {
			continue
		}
		c.Compared++
		if img[0] != b {
			if c.Differ == 0 {
				c.First, c.Log, c.ELF = a, b, img[0]
			}
			c.Differ++
		}
	}
	return c
}

// Report writes the human-readable report for one dump. n and total number
// the dump within the log.
func Report(w io.Writer, k *Kernel, d *Dump, n, total int, opt Options) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	end := ""
	if !d.Ended {
		end = ", INCOMPLETE: no FAULT end"
	}
	p("=== Fault %d of %d (log lines %d-%d%s) ===", n, total, d.FirstLine, d.LastLine, end)

	rip, hasRIP := d.RIP()
	var warns []string
	warns = append(warns, d.Warnings...)

	if d.HasVector {
		p("exception   %s", VectorString(d.Vector))
		v, known := Vectors[d.Vector]
		if d.Mnemonic != "" && known && v.Mnemonic != d.Mnemonic {
			warns = append(warns, fmt.Sprintf("log names vector %d %q, but it is %s", d.Vector, d.Mnemonic, VectorString(d.Vector)))
		}
		switch {
		case d.HasError:
			p("error code  %s", DecodeErrorCode(d.Vector, d.ErrorCode))
		case known && v.HasError:
			warns = append(warns, "this vector pushes an error code, but the log has none")
		}
	} else {
		p("exception   unknown (no vector= line)")
		if d.HasError {
			p("error code  %#x", d.ErrorCode)
		}
	}
	if d.HasCR2 {
		p("cr2         %#x%s", d.CR2, cr2Hint(k, d))
	}
	if hasRIP {
		p("rip         %#x %s", rip, where(k, rip))
	} else {
		warns = append(warns, "no rip in the dump: cannot locate the fault")
	}
	if cs, ok := Get(d.Trap, "cs"); ok {
		ring := cs & 3
		mode := "kernel"
		if ring == 3 {
			mode = "user"
		}
		p("cs          %#x (ring %d, %s mode)", cs, ring, mode)
	}
	if f, ok := Get(d.Trap, "rflags"); ok {
		p("rflags      %#x [%s]", f, DecodeRFLAGS(f))
	}
	if v, ok := Get(d.Trap, "rsp"); ok {
		p("rsp         %#x", v)
	}
	if v, ok := Get(d.Trap, "ss"); ok {
		p("ss          %#x", v)
	}

	if len(d.GPRs) > 0 {
		p("")
		p("registers:")
		for i := 0; i < len(d.GPRs); i += 4 {
			var row []string
			for _, r := range d.GPRs[i:min(i+4, len(d.GPRs))] {
				row = append(row, fmt.Sprintf("%-4s0x%016x", r.Name, r.Value))
			}
			p("  %s", strings.Join(row, "  "))
		}
		// A register holding a code address is usually a return address or
		// function pointer worth naming.
		for _, r := range d.GPRs {
			if loc, ok := k.Lookup(r.Value); ok && k.InText(r.Value) {
				p("  %s points to %s", r.Name, FormatLocation(r.Value, loc))
			}
		}
	}

	if hasRIP {
		p("")
		warns = append(warns, reportCode(w, k, d, rip, opt)...)
	}

	if len(d.Frames) > 0 {
		p("")
		p("backtrace:")
		for i, f := range d.Frames {
			// Frames other than the faulting instruction hold return
			// addresses, which point after the call and may already belong
			// to the next line or function; Go's tracebacks look up pc-1.
			lookup := f.PC
			if !(i == 0 && hasRIP && f.PC == rip) && f.PC > 0 {
				lookup = f.PC - 1
			}
			s := "?"
			if loc, ok := k.Lookup(lookup); ok {
				s = loc.Func
				if loc.File != "" {
					s += fmt.Sprintf(" %s:%d", loc.File, loc.Line)
				}
			}
			if f.Text != "" {
				s += "    (kernel: " + f.Text + ")"
			}
			p("  #%-2d %#x %s", i, f.PC, s)
		}
	}

	if len(warns) > 0 {
		p("")
		for _, w := range warns {
			p("WARNING: %s", w)
		}
	}
	p("")
}

func where(k *Kernel, pc uint64) string {
	if loc, ok := k.Lookup(pc); ok {
		return FormatLocation(pc, loc)
	}
	if !k.InText(pc) {
		return "(outside the kernel image's text)"
	}
	return "(in text, but no symbol covers it)"
}

// cr2Hint adds the usual first guess for a page-fault address.
func cr2Hint(k *Kernel, d *Dump) string {
	if !d.HasVector || d.Vector != 14 {
		return ""
	}
	switch {
	case d.CR2 < 0x1000:
		return " (first page: nil pointer dereference)"
	case k.InText(d.CR2):
		return " (in kernel text: " + where(k, d.CR2) + ")"
	}
	if sp, ok := Get(d.Trap, "rsp"); ok && d.CR2 < sp+0x1000 && sp-d.CR2 < 0x10000 {
		return " (just below rsp: stack overflow into a guard page?)"
	}
	return ""
}

// reportCode prints the listing around rip and returns warnings for the
// end of the report.
func reportCode(w io.Writer, k *Kernel, d *Dump, rip uint64, opt Options) []string {
	var warns []string
	var check ByteCheck
	if d.HasBytes {
		check = CompareBytes(k, d.BytesAddr, d.Bytes)
		switch {
		case check.Differ > 0:
			warns = append(warns, fmt.Sprintf("logged code bytes differ from the kernel ELF at %d of %d bytes "+
				"(first at %#x: log %02x, ELF %02x): wrong kernel image, or code corrupted at run time",
				check.Differ, check.Compared, check.First, check.Log, check.ELF))
		case check.Compared < len(d.Bytes) && check.Compared > 0:
			fmt.Fprintf(w, "logged bytes match the kernel ELF where they overlap its text (%d of %d)\n", check.Compared, len(d.Bytes))
		case check.Compared > 0:
			fmt.Fprintf(w, "logged bytes match the kernel ELF (%d bytes)\n", check.Compared)
		}
	}

	if loc, ok := k.Lookup(rip); ok && k.InText(rip) {
		l := DisasmFunction(k, loc, rip, opt.After, opt.Syntax)
		printListing(w, k, l, opt)
		warns = append(warns, l.Notes...)
		if check.Differ > 0 {
			// Show what the CPU actually ran too.
			if l2, ok := DisasmBytes(d.Bytes, d.BytesAddr, rip, opt.After, opt.Syntax, k.SymName); ok {
				fmt.Fprintln(w)
				printListing(w, k, l2, opt)
			}
		}
		return warns
	}

	if k.InText(rip) {
		warns = append(warns, "rip is in the kernel's text but no function covers it")
	} else {
		warns = append(warns, "rip is outside the kernel ELF's text (user code, or a wild jump); decoded the logged bytes")
	}
	if !d.HasBytes {
		return append(warns, "no bytes@ line in the dump: nothing to disassemble")
	}
	l, ok := DisasmBytes(d.Bytes, d.BytesAddr, rip, opt.After, opt.Syntax, k.SymName)
	if !ok {
		return append(warns, fmt.Sprintf("rip %#x is outside the logged bytes %#x..%#x: nothing to disassemble",
			rip, d.BytesAddr, d.BytesAddr+uint64(len(d.Bytes))))
	}
	printListing(w, k, l, opt)
	return append(warns, l.Notes...)
}

func printListing(w io.Writer, k *Kernel, l Listing, opt Options) {
	name := "Go"
	if opt.Syntax == IntelSyntax {
		name = "Intel"
	}
	fmt.Fprintf(w, "code (%s syntax; %s):\n", name, l.Source)
	first := 0
	if opt.Before > 0 && l.Mark > opt.Before {
		first = l.Mark - opt.Before
		fmt.Fprintf(w, "        ... %d instructions from the entry not shown\n", first)
	}
	var last string
	for i, in := range l.Insts[first:] {
		i += first
		// Annotate each change of function or source line, like objdump -S.
		if loc, ok := k.Lookup(in.PC); ok {
			hdr := loc.Func
			if loc.File != "" {
				hdr += fmt.Sprintf(" %s:%d", loc.File, loc.Line)
			}
			if hdr != last {
				fmt.Fprintf(w, "      %s\n", hdr)
				last = hdr
			}
		}
		mark := "  "
		if i == l.Mark {
			mark = "=>"
			if !l.Exact {
				mark = "?>" // RIP is inside this instruction
			}
		}
		fmt.Fprintf(w, "  %s %#x  %-20x  %s\n", mark, in.PC, in.Bytes, in.Text)
	}
}
