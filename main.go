// Command terraform-provider-aritma serves the Aritma IAM Terraform provider.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/aritma/terraform-provider-aritma/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	opts := []tf6server.ServeOpt{tf6server.WithLogEnvVarName(provider.LogName)}
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		// A debugged provider prints its logs to the developer's terminal, so they stay on there.
		provider.QuietUnreadLogs(os.Environ(), os.Setenv)
	}
	if err := tf6server.Serve("registry.terraform.io/aritma/aritma", provider.ProtocolServer(version), opts...); err != nil {
		log.Fatal(err.Error())
	}
}
