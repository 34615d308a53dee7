// Physical load address of the kernel image: the multiboot headers written
// by tools/mkboot ask the loader for exactly this address, and the image is
// linked at KernelBase + LOAD_PHYS + 0x1000 (text after the ELF header page).
#define LOAD_PHYS 0x200000
// A scratch stack word for the first CALL, inside the zero padding of the
// ELF header page (after the multiboot headers, before the first note).
#define TEMP_STACK (LOAD_PHYS+0xf00)
#define BOOT_STACK_SIZE (256*1024)
