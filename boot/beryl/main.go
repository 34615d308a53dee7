// Command beryl is the kernel image. Built with -tags kerneltest it is the
// test image, which runs the in-kernel tests at boot.
package main

import (
	"beryl/boot"
	"beryl/boot/kmain"
)

func main() {
	kmain.SetAPStart(boot.APStartPage(), boot.BootPageTables())
	kmain.Main(boot.Magic(), boot.InfoAddr())
}
