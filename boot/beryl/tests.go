//go:build kerneltest

package main

import (
	"beryl/boot/kmain"
	_ "beryl/boot/ktests"
)

func init() { kmain.TestImage = true }
