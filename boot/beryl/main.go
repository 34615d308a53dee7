// Command beryl is the kernel image.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"beryl/boot"
	"beryl/kernel/rt"
	"beryl/mm/kmem"
)

func main() {
	_ = boot.Magic()
	total, free, heap := kmem.Stats()
	fmt.Printf("beryl: hello from Go %s, %d MiB total, %d MiB free, heap %d KiB\n", runtime.Version(), total>>8, free>>8, heap*4)
	fmt.Println("ticks", rt.Ticks(), "tsc", rt.TSCHz(), "ns", rt.Nanotime(), "lapic", rt.LAPICTimerHz())
	for i := 0; i < 3; i++ {
		a := rt.Ticks()
		for rt.Ticks() == a {
		}
		fmt.Println("tick", rt.Ticks(), rt.Nanotime())
	}
	rt.TraceSyscalls = true
	t0 := time.Now()
	time.Sleep(50 * time.Millisecond)
	fmt.Println("slept", time.Since(t0), "ticks", rt.Ticks(), "tsc", rt.TSCHz())
	done := make(chan int)
	for i := 0; i < 10; i++ {
		go func(i int) { done <- i * i }(i)
	}
	s := 0
	for i := 0; i < 10; i++ {
		s += <-done
	}
	fmt.Println("sum", s)
	os.Exit(0)
}
