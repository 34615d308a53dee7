// Package depcheck holds the test that enforces the repository's
// dependency rules (DEVELOPERS.md): boot → syscall → kernel → mm, arch
// imports no kernel package, the object core imports neither arch nor
// unsafe, user programs link no kernel code, and only *_unsafe.go files
// import unsafe.
package depcheck
