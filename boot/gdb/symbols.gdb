# Beryl kernel symbols for gdb, without attaching to anything. Run gdb from
# the repository root; boot/gdb/beryl.gdb sources this and then attaches to
# QEMU's gdb stub (`make debug`).
#
# The kernel is a 64-bit ELF (DWARF included) linked at its higher-half
# addresses (0xffffffff80200000), which are also the addresses it runs at
# once the boot code has enabled paging, so no offset is needed.
set architecture i386:x86-64
set pagination off
set confirm off
# Go's runtime-gdb.py (goroutine helpers) is referenced from the ELF; it
# knows nothing about the kernel's threads, so do not load it.
set auto-load python-scripts off
file build/beryl.elf
