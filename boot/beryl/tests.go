//go:build kerneltest

package main

import (
	"beryl/kernel/kmain"
	_ "beryl/kernel/ktests"
)

func init() { kmain.TestImage = true }
