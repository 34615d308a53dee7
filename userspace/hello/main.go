// Command hello is a stock Go program used to test user mode: goroutines,
// the GC, timers, maps, os.Args, stdout, stderr and the exit status.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	fmt.Printf("hello from ring 3: args=%q\n", os.Args)
	ch := make(chan int)
	for i := 0; i < 100; i++ {
		go func(i int) { ch <- i }(i)
	}
	sum := 0
	for i := 0; i < 100; i++ {
		sum += <-ch
	}
	m := map[int]string{}
	for i := 0; i < 10000; i++ {
		m[i] = strconv.Itoa(i)
	}
	var junk [][]byte
	for i := 0; i < 2000; i++ {
		junk = append(junk, make([]byte, 64<<10))
		if len(junk) > 16 {
			junk = junk[1:]
		}
	}
	t0 := time.Now()
	time.Sleep(20 * time.Millisecond)
	slept := time.Since(t0)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("sum=%d map=%d gc=%v slept>=20ms:%v\n", sum, len(m), ms.NumGC > 0, slept >= 20*time.Millisecond)
	fmt.Fprintln(os.Stderr, "to stderr")
	code := 0
	if len(os.Args) > 1 {
		code, _ = strconv.Atoi(os.Args[1])
	}
	os.Exit(code)
}
