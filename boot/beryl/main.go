// Command beryl is the kernel image.
package main

import _ "beryl/boot"

func main() {}
