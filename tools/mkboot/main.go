// Command mkboot turns the linked kernel ELF into a bootable image: it writes
// a multiboot v1 header (a.out kludge, for QEMU -kernel) and a multiboot2
// header (address and entry tags, for GRUB) into the zero padding between the
// ELF section headers and the first note, converting the linker's virtual
// addresses into physical load addresses.
//
// Go's internal linker sets p_paddr = p_vaddr and offers no linker script, so
// the headers cannot be emitted at link time. The image file is laid out so
// that file offset == vaddr - base for every PT_LOAD segment (the kernel is
// linked with -R 0x200000 and -T base+0x1000), which lets a loader copy the
// file verbatim from offset 0 to the physical load address.
//
// Usage: mkboot -entry beryl/boot.entry32 build/beryl.elf
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	entry := flag.String("entry", "beryl/boot.entry32.abi0", "symbol of the 32-bit multiboot entry")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: mkboot [-entry sym] kernel.elf")
		os.Exit(2)
	}
	path := flag.Arg(0)
	img, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkboot:", err)
		os.Exit(1)
	}
	out, lay, err := Patch(img, *entry)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkboot:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(path, out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mkboot:", err)
		os.Exit(1)
	}
	fmt.Printf("mkboot: %s load=%#x end=%#x bss_end=%#x entry=%#x mb1@%#x mb2@%#x\n",
		path, lay.LoadAddr, lay.LoadEnd, lay.BSSEnd, lay.Entry, lay.MB1Offset, lay.MB2Offset)
}
