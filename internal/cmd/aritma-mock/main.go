// Command aritma-mock serves the stateful Aritma IAM mock for local
// development, demos and manual testing of the provider.
//
// It prints the admin client's id and secret at start on purpose: it is a
// local development tool and the credentials are needed to configure the
// provider against it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aritma/terraform-provider-aritma/internal/mockserver"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h printed the usage, as asked
		}
		log.SetFlags(0)
		log.Fatalf("aritma-mock: %v", err)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("aritma-mock", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8089", "address to listen on")
	data := fs.String("data", "", "JSON file to persist state in (empty = memory only)")
	control := fs.Bool("control", false, "serve the /_mock/ control endpoints (reset, stats, faults); they take no credentials, so keep them off on a shared address")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (serve HTTPS together with -tls-key)")
	tlsKey := fs.String("tls-key", "", "TLS key file")
	adminID := fs.String("admin-client-id", os.Getenv("ARITMA_MOCK_ADMIN_CLIENT_ID"), "bootstrap admin client id (env ARITMA_MOCK_ADMIN_CLIENT_ID; generated when empty)")
	adminSecret := fs.String("admin-client-secret", os.Getenv("ARITMA_MOCK_ADMIN_CLIENT_SECRET"), "bootstrap admin client secret (env ARITMA_MOCK_ADMIN_CLIENT_SECRET; generated when empty)")
	seed := fs.Int64("seed", 1, "seed of the fault injection random source")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("-tls-cert and -tls-key must be given together")
	}

	srv, err := mockserver.New(mockserver.Options{
		AdminClientID:     *adminID,
		AdminClientSecret: *adminSecret,
		DataFile:          *data,
		EnableControl:     *control,
		Seed:              *seed,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return errors.Join(err, srv.Close())
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	base := fmt.Sprintf("%s://%s", scheme, ln.Addr())
	fmt.Printf("aritma-mock serving %s\n", base)
	fmt.Printf("  endpoint:            %s\n", base)
	fmt.Printf("  token URL:           %s/connect/token\n", base)
	fmt.Printf("  tenant:              %s\n", srv.TenantID())
	fmt.Printf("  admin client id:     %s\n", srv.AdminClientID())
	fmt.Printf("  admin client secret: %s\n", srv.AdminClientSecret())
	if *data != "" {
		fmt.Printf("  data file:           %s\n", *data)
	}
	if *control {
		fmt.Printf("  control:             %s/_mock/{reset,stats,faults}\n", base)
	}

	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()

	select {
	case err := <-errc:
		_ = srv.Close() // keep what was written; the serve error is the one to report
		return err
	case <-ctx.Done():
	}
	fmt.Println("aritma-mock shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	serr := hs.Shutdown(shutdownCtx)
	cerr := srv.Close()
	return errors.Join(serr, cerr)
}
