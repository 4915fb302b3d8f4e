//go:build !unix

// Command aritma-bench measures processes through getrusage and process groups, which only Unix
// systems have; elsewhere it says so instead of failing the build of ./... .
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "aritma-bench runs on Linux and other Unix systems only")
	os.Exit(2)
}
