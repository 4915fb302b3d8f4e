// Command terraform-provider-aritma serves the Aritma IAM Terraform provider.
package main

import (
	"flag"
	"log"

	"github.com/aritma/terraform-provider-aritma/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	if err := provider.Serve(version, debug); err != nil {
		log.Fatal(err.Error())
	}
}
