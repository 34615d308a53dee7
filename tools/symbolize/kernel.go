package main

import (
	"debug/elf"
	"debug/gosym"
	"errors"
	"fmt"
	"os"
	"sort"
)

// Kernel is a kernel ELF image opened for symbolization. Functions come
// from the Go line table (.gopclntab), which survives `-ldflags=-s`, with
// the ELF symbol table as a fallback for code the Go linker does not
// describe (externally linked objects).
type Kernel struct {
	Path  string
	table *gosym.Table // nil when the image has no usable .gopclntab
	syms  []elf.Symbol // STT_FUNC symbols sorted by address; may be empty
	data  []elf.Symbol // STT_OBJECT symbols sorted by address, for operands
	text  []section    // executable PROGBITS sections, by virtual address
}

type section struct {
	name string
	addr uint64
	data []byte
}

// Location is what an address symbolizes to. File and Line are empty/zero
// when only the ELF symbol table knows the function.
type Location struct {
	Func       string
	Entry, End uint64 // [Entry, End) of the containing function
	File       string
	Line       int
}

// ErrStripped is returned by OpenKernel for an image with neither a Go
// line table nor an ELF symbol table: nothing could be symbolized.
var ErrStripped = errors.New("kernel ELF has no .gopclntab and no .symtab (stripped?); " +
	"rebuild it without stripping")

// OpenKernel loads path. It reads everything it needs up front and closes
// the file, so a Kernel holds no OS resources.
func OpenKernel(path string) (*Kernel, error) {
	f, err := elf.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("kernel ELF %s does not exist (build it first, or pass -kernel)", path)
		}
		return nil, fmt.Errorf("kernel ELF %s: %w", path, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("kernel ELF %s: is %v %v, want ELFCLASS64 EM_X86_64", path, f.Class, f.Machine)
	}
	k := &Kernel{Path: path}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_PROGBITS && s.Flags&elf.SHF_EXECINSTR != 0 && s.Flags&elf.SHF_ALLOC != 0 {
			data, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("kernel ELF %s: reading %s: %w", path, s.Name, err)
			}
			k.text = append(k.text, section{s.Name, s.Addr, data})
		}
	}
	if len(k.text) == 0 {
		return nil, fmt.Errorf("kernel ELF %s: no executable sections", path)
	}
	all, _ := f.Symbols() // ErrNoSymbols is expected for -s builds
	for _, s := range all {
		switch elf.ST_TYPE(s.Info) {
		case elf.STT_FUNC:
			if s.Value != 0 {
				k.syms = append(k.syms, s)
			}
		case elf.STT_OBJECT:
			if s.Value != 0 && s.Size != 0 {
				k.data = append(k.data, s)
			}
		}
	}
	sort.SliceStable(k.syms, func(i, j int) bool { return k.syms[i].Value < k.syms[j].Value })
	sort.SliceStable(k.data, func(i, j int) bool { return k.data[i].Value < k.data[j].Value })

	pcln, textStart, err := pclntab(f, all)
	if err != nil {
		return nil, fmt.Errorf("kernel ELF %s: %w", path, err)
	}
	if pcln != nil {
		t, err := gosym.NewTable(nil, gosym.NewLineTable(pcln, textStart))
		if err != nil {
			return nil, fmt.Errorf("kernel ELF %s: bad .gopclntab: %w", path, err)
		}
		k.table = t
	}
	if (k.table == nil || len(k.table.Funcs) == 0) && len(k.syms) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrStripped)
	}
	return k, nil
}

// pclntab finds the Go line table and the address it is relative to. A
// kernel linked with a linker script may fold .gopclntab into another
// section, so the runtime.pclntab/epclntab symbols are tried as well. The
// table's PCs are relative to runtime.text, which a linker script need not
// place at the start of .text; hence the symbol wins over the section.
func pclntab(f *elf.File, syms []elf.Symbol) (data []byte, textStart uint64, err error) {
	sym := func(name string) (uint64, bool) {
		for _, s := range syms {
			if s.Name == name {
				return s.Value, true
			}
		}
		return 0, false
	}
	if s := f.Section(".text"); s != nil {
		textStart = s.Addr
	}
	if v, ok := sym("runtime.text"); ok {
		textStart = v
	}
	if s := f.Section(".gopclntab"); s != nil {
		data, err = s.Data()
		return data, textStart, err
	}
	start, ok1 := sym("runtime.pclntab")
	end, ok2 := sym("runtime.epclntab")
	if !ok1 || !ok2 || end <= start {
		return nil, textStart, nil
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Vaddr <= start && end <= p.Vaddr+p.Filesz {
			data = make([]byte, end-start)
			_, err = p.ReadAt(data, int64(start-p.Vaddr))
			return data, textStart, err
		}
	}
	return nil, textStart, nil
}

// InText reports whether addr lies in one of the image's executable sections.
func (k *Kernel) InText(addr uint64) bool {
	_, ok := k.sectionAt(addr)
	return ok
}

func (k *Kernel) sectionAt(addr uint64) (section, bool) {
	for _, s := range k.text {
		if addr >= s.addr && addr-s.addr < uint64(len(s.data)) {
			return s, true
		}
	}
	return section{}, false
}

// ReadText returns up to n image bytes starting at addr, stopping at the end
// of the executable section that holds addr; nil if addr is not in one.
func (k *Kernel) ReadText(addr uint64, n int) []byte {
	s, ok := k.sectionAt(addr)
	if !ok {
		return nil
	}
	off := addr - s.addr
	end := off + uint64(n)
	if end > uint64(len(s.data)) || end < off {
		end = uint64(len(s.data))
	}
	return s.data[off:end]
}

// Lookup symbolizes pc: the containing function and, when the Go line table
// covers it, the source position.
func (k *Kernel) Lookup(pc uint64) (Location, bool) {
	if k.table != nil {
		if fn := k.table.PCToFunc(pc); fn != nil {
			file, line, _ := k.table.PCToLine(pc)
			end := fn.End
			// The line table runs each function up to the next one, padding
			// included; the ELF symbol's size stops at the real last
			// instruction, so listings do not trail off into INT3 filler.
			i := sort.Search(len(k.syms), func(i int) bool { return k.syms[i].Value >= fn.Entry })
			if i < len(k.syms) && k.syms[i].Value == fn.Entry && k.syms[i].Size > 0 &&
				fn.Entry+k.syms[i].Size < end && pc < fn.Entry+k.syms[i].Size {
				end = fn.Entry + k.syms[i].Size
			}
			return Location{Func: fn.Name, Entry: fn.Entry, End: end, File: file, Line: line}, true
		}
	}
	i := sort.Search(len(k.syms), func(i int) bool { return k.syms[i].Value > pc }) - 1
	if i < 0 {
		return Location{}, false
	}
	s := k.syms[i]
	end := s.Value + s.Size
	if s.Size == 0 {
		// Hand-written asm symbols often lack a size: assume the function
		// runs to the next symbol or the end of its section.
		sec, ok := k.sectionAt(s.Value)
		if !ok {
			return Location{}, false
		}
		end = sec.addr + uint64(len(sec.data))
		if i+1 < len(k.syms) && k.syms[i+1].Value < end {
			end = k.syms[i+1].Value
		}
	}
	if pc >= end {
		return Location{}, false
	}
	return Location{Func: s.Name, Entry: s.Value, End: end}, true
}

// SymName is an x86asm.SymLookup: it lets the disassembler print call and
// jump targets and RIP-relative data by name, as `go tool objdump` does.
func (k *Kernel) SymName(addr uint64) (string, uint64) {
	if loc, ok := k.Lookup(addr); ok {
		return loc.Func, loc.Entry
	}
	i := sort.Search(len(k.data), func(i int) bool { return k.data[i].Value > addr }) - 1
	if i >= 0 && addr-k.data[i].Value < k.data[i].Size {
		return k.data[i].Name, k.data[i].Value
	}
	return "", 0
}

// FormatLocation renders a location as "func+0xoff file:line", leaving out
// what is unknown.
func FormatLocation(pc uint64, loc Location) string {
	s := loc.Func
	if pc != loc.Entry {
		s += fmt.Sprintf("+%#x", pc-loc.Entry)
	}
	if loc.File != "" {
		s += fmt.Sprintf(" %s:%d", loc.File, loc.Line)
	}
	return s
}
