// Command crash dereferences nil without recovering: the kernel must kill
// only this process and report its status.
package main

import "fmt"

type T struct{ x int }

//go:noinline
func get(t *T) int { return t.x }

func main() {
	fmt.Println("about to crash")
	fmt.Println(get(nil))
}
