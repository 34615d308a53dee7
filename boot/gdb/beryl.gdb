# Attach gdb to a Beryl kernel halted in QEMU's gdb stub:
#
#   make debug                   # terminal 1: QEMU -s -S, serial console here
#   gdb -x boot/gdb/beryl.gdb    # terminal 2, from the repository root
#   (gdb) continue               # runs to the breakpoint below
#
# Go symbols are named by import path; find one with `info functions
# kmain.Main$` and quote it in commands, e.g.
#   hbreak 'beryl/boot/kmain.Main'        list 'beryl/boot/kmain.Main'
#   info address main.main                 bt, info registers, x/8i $pc
# Use hardware breakpoints (hbreak) for code that runs before paging is
# on; QEMU's TCG stub matches them on the virtual program counter.
source boot/gdb/symbols.gdb
target remote :1234
# The kernel's Go main (boot/beryl), reached after the 32-bit entry, long
# mode, the higher half and the Go runtime's start.
hbreak main.main
