// Command aritma-mock serves the stateful Aritma IAM mock for local
// development, demos and manual testing of the provider.
//
// It prints the admin client's id at start, and its secret when it generated
// one: it is a local development tool and the credentials are needed to
// configure the provider against it. A secret the user gave is not repeated.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
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
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // -h printed the usage, as asked
		}
		log.SetFlags(0)
		log.Fatalf("aritma-mock: %v", err)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aritma-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8089", "address to listen on")
	data := fs.String("data", "", "JSON file to persist state in (empty = memory only)")
	control := fs.Bool("control", false, "serve the /_mock/ control endpoints (reset, stats, faults); they take no credentials, so keep them off on a shared address")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (serve HTTPS together with -tls-key)")
	tlsKey := fs.String("tls-key", "", "TLS key file")
	// The environment is read after parsing, not used as the flags' defaults: a default is
	// printed in the usage text (-h, or after any bad flag), and the secret must not be.
	adminID := fs.String("admin-client-id", "", "bootstrap admin client id (default: env ARITMA_MOCK_ADMIN_CLIENT_ID, else generated)")
	adminSecret := fs.String("admin-client-secret", "", "bootstrap admin client secret (default: env ARITMA_MOCK_ADMIN_CLIENT_SECRET, else generated and printed)")
	seed := fs.Int64("seed", 1, "seed of the fault injection random source")
	tokenLifetime := fs.Duration("token-lifetime", time.Hour, "how long a token lives (its expires_in), in whole seconds of at least 1s; a short one lets tests see a client renew its token")
	failLimit := fs.Int("token-failure-limit", 10, "failed token requests of one client id within a minute before the token endpoint answers 429 slow_down for it (0 turns the throttle off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The flag package stops at the first argument that is no flag: everything after it,
		// -data or -control say, would be dropped without a word.
		fs.Usage()
		return fmt.Errorf("unexpected argument %q: every setting is a flag (a data file is -data FILE)", fs.Arg(0))
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("-tls-cert and -tls-key must be given together")
	}
	if *tokenLifetime < time.Second || *tokenLifetime%time.Second != 0 {
		// expires_in is a whole number of seconds: another lifetime could not be told to clients.
		return fmt.Errorf("-token-lifetime must be a whole number of seconds, at least 1s, got %s", *tokenLifetime)
	}
	if *adminID == "" {
		*adminID = os.Getenv("ARITMA_MOCK_ADMIN_CLIENT_ID")
	}
	if *adminSecret == "" {
		*adminSecret = os.Getenv("ARITMA_MOCK_ADMIN_CLIENT_SECRET")
	}
	secretGiven := *adminSecret != ""
	if *adminID != "" && !mockserver.PlausibleClientID(*adminID) {
		return fmt.Errorf("the admin client id must not be \".\" or \"..\" nor contain '/', whitespace or control characters, got %q", *adminID)
	}

	// Everything that can fail comes before the banner, which scripts wait for ("serving"), and
	// the address before the data file, which a second mock started by mistake (its port taken)
	// must leave alone.
	var tlsConfig *tls.Config
	if *tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("-tls-cert %s / -tls-key %s: %w", *tlsCert, *tlsKey, err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *listen)
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }() // after Serve has closed it, a no-op

	srv, err := mockserver.New(mockserver.Options{
		AdminClientID:     *adminID,
		AdminClientSecret: *adminSecret,
		DataFile:          *data,
		EnableControl:     *control,
		Seed:              *seed,
		TokenFailureLimit: tokenFailureLimit(*failLimit),
		TokenLifetime:     *tokenLifetime,
	})
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
		ln = tls.NewListener(ln, tlsConfig)
	}
	printBanner(stdout, banner{
		base: fmt.Sprintf("%s://%s", scheme, shownAddr(*listen, ln.Addr())), tenant: srv.TenantID(),
		adminID: srv.AdminClientID(), adminSecret: srv.AdminClientSecret(), secretGiven: secretGiven,
		data: *data, control: *control, evicted: srv.EvictedAdminSecrets(),
	})

	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() {
		errc <- hs.Serve(ln)
	}()

	select {
	case err := <-errc:
		_ = srv.Close() // keep what was written; the serve error is the one to report
		return err
	case <-ctx.Done():
	}
	return shutdown(hs, srv, stdout, shutdownGrace)
}

// shutdown lets the requests under way finish, for up to grace, then reports what the mock holds
// and closes it.
func shutdown(hs *http.Server, srv *mockserver.Server, stdout io.Writer, grace time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	serr := hs.Shutdown(ctx)
	if errors.Is(serr, context.DeadlineExceeded) {
		_ = hs.Close()
		serr = fmt.Errorf("requests still running %s after the signal were cut off without an answer", grace)
	}
	// What is left tells a module's tests that clean up after themselves whether they did: taken
	// once the requests under way have finished, which may have created or deleted something.
	_, _ = fmt.Fprintf(stdout, "aritma-mock shutting down, holding %s\n", srv.Leftovers())
	cerr := srv.Close()
	return errors.Join(serr, cerr)
}

// shutdownGrace is how long requests under way at a signal may take to finish.
const shutdownGrace = 10 * time.Second

// shownAddr is the address to print for what -listen asked and the listener got: the host as
// given (a TLS certificate names it, not the address it resolves to), 127.0.0.1 for every
// interface, and the port the listener got (the one asked, or the one picked for port 0).
func shownAddr(listen string, got net.Addr) string {
	host, _, err := net.SplitHostPort(listen)
	_, port, perr := net.SplitHostPort(got.String())
	if err != nil || perr != nil {
		return got.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// tokenFailureLimit maps the flag, where 0 is off (what a user types), to the option, where 0 is
// the default (what a zero Options means).
func tokenFailureLimit(flagValue int) int {
	if flagValue <= 0 {
		return -1
	}
	return flagValue
}

// banner is what the mock prints once it serves.
type banner struct {
	base, tenant string
	adminID      string
	adminSecret  string
	secretGiven  bool
	data         string
	control      bool
	evicted      []string // see mockserver.Server.EvictedAdminSecrets
}

func printBanner(w io.Writer, b banner) {
	secret := b.adminSecret
	if b.secretGiven {
		secret = "(as given by -admin-client-secret or ARITMA_MOCK_ADMIN_CLIENT_SECRET)"
	}
	lines := []string{
		"aritma-mock serving " + b.base,
		"  endpoint:            " + b.base,
		"  token URL:           " + b.base + "/connect/token",
		"  tenant:              " + b.tenant,
		"  admin client id:     " + b.adminID,
		"  admin client secret: " + secret,
	}
	if b.data != "" {
		lines = append(lines, "  data file:           "+b.data)
	}
	if b.control {
		lines = append(lines, "  control:             "+b.base+"/_mock/{reset,stats,faults}")
	}
	for _, id := range b.evicted {
		lines = append(lines, fmt.Sprintf("  note: the admin client held %d secrets, the most a client may; its secret %s "+
			"(expired, or else the oldest) was deleted to make room for this run's", mockserver.MaxSecretsPerClient, id))
	}
	for _, l := range lines {
		_, _ = fmt.Fprintln(w, l)
	}
}
