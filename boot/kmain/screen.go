package kmain

import (
	"beryl/arch/x86"
	"beryl/boot/bootinfo"
	"beryl/kernel/klog"
	"beryl/kernel/options"
	"beryl/kernel/screen"
	"beryl/mm/kmem"
)

// VGA text mode: 80×25 character/attribute words at 0xB8000, as the BIOS
// leaves it for multiboot v1 loaders that set no video mode (QEMU's
// -kernel, GRUB's text mode).
const (
	vgaTextPhys = 0xB8000
	vgaCols     = 80
	vgaRows     = 25
)

// setupScreen starts the screen console on the framebuffer the loader
// described (multiboot2 tag 8 or multiboot v1 flag 12), else on VGA text
// memory when the machine booted through BIOS. Everything written to the
// console from then on (kernel log, user output, fault dumps) is drawn
// there too; the serial line keeps working, and each works without the
// other.
func setupScreen(info *bootinfo.Info, opts options.Options) {
	if opts.Screen == "off" {
		return
	}
	ok := false
	f := kmem.Lock()
	switch fb := info.Framebuffer; {
	case fb != nil && fb.Type == 1: // direct RGB
		if va, mapped := kmem.MapMMIO(fb.Addr, uint64(fb.Pitch)*uint64(fb.Height), false); mapped {
			ok = screen.SetupFramebuffer(va, fb.Addr, fb.Width, fb.Height, fb.Pitch, uint32(fb.BPP))
		}
	case fb != nil && fb.Type == 2: // EGA text
		if va, mapped := kmem.MapMMIO(fb.Addr, uint64(fb.Width)*uint64(fb.Height)*2, false); mapped {
			ok = screen.SetupText(va, fb.Addr, fb.Width, fb.Height)
		}
	case fb == nil && !info.EFI:
		if va, mapped := kmem.MapMMIO(vgaTextPhys, vgaCols*vgaRows*2, false); mapped {
			ok = screen.SetupText(va, vgaTextPhys, vgaCols, vgaRows)
		}
	}
	if ok {
		x86.ConsoleHook = screen.PutByte
	}
	kmem.Unlock(f)
	s := screen.Current()
	if !ok {
		klog.Infof("screen", "no screen console (framebuffer %+v)", info.Framebuffer)
		return
	}
	klog.Infof("screen", "%s at %#x: %dx%d, %d bpp, %dx%d cells", s.Mode, s.Phys, s.Width, s.Height, s.BPP, s.Cols, s.Rows)
}
