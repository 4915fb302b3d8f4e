package iam

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults applied by NewClient to zero Config fields.
const (
	defaultMaxRetries     = 4
	defaultRequestTimeout = 30 * time.Second
	defaultRetryWaitMin   = 250 * time.Millisecond
	defaultRetryWaitMax   = 10 * time.Second
	// defaultRetryAfterMax is long enough to honour the Retry-After of a rate limiter that counts
	// per minute; the caller's context still bounds every wait.
	defaultRetryAfterMax = time.Minute
	defaultScope         = "services.iam"
)

// Config configures a Client. Endpoint plus either AccessToken or ClientID, ClientSecret and
// TokenURL are required; everything else has a default.
type Config struct {
	Endpoint       string        // base URL of the IAM API; "/v1/..." is appended
	TokenURL       string        // OAuth 2.0 token endpoint for the client credentials grant
	ClientID       string        // client credentials (with ClientSecret)
	ClientSecret   string        // never logged nor put into an error
	AccessToken    string        // a static bearer token instead of client credentials
	Scopes         []string      // requested token scopes; default ["services.iam"]
	MaxRetries     int           // retries of 5xx and network errors; 0 means 4, negative none (429s and a new token after a 401 are retried regardless)
	RequestTimeout time.Duration // per HTTP attempt; default 30s
	RetryWaitMin   time.Duration // first backoff ceiling; default 250ms
	RetryWaitMax   time.Duration // backoff cap; default 10s
	RetryAfterMax  time.Duration // cap of a wait the server asks for with Retry-After; default 1m
	UserAgent      string        // appended after "terraform-provider-aritma/<Version>"
	Version        string        // provider version for the User-Agent; default "dev"
	HTTPClient     *http.Client  // optional; its Transport is reused, nil = a pooled transport
	// Log, when set, receives one debug line per HTTP attempt. Its fields never hold headers,
	// bodies, secrets or tokens.
	Log func(ctx context.Context, level string, msg string, fields map[string]any)
}

// Client calls the IAM API. It is safe for concurrent use; create one per provider instance so
// that connections and the access token are shared.
type Client struct {
	baseURL   string // endpoint without a trailing slash
	rc        *retryablehttp.Client
	tokens    tokenProvider
	userAgent string
	timeout   time.Duration // per attempt, for error messages
	pace      pacer         // the window a 429 closed for every call
	clock     serverClock   // the API server's clock, from its answers
	logf      func(ctx context.Context, level string, msg string, fields map[string]any)
	// credentials are the configured client secret or access token, redacted from every error.
	credentials []string
}

// NewClient validates cfg and builds a Client. No request is made: the token is fetched lazily on
// the first call, so a provider can be configured without network access.
func NewClient(cfg Config) (*Client, error) {
	cfg, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	ua := "terraform-provider-aritma/" + cfg.Version
	if cfg.UserAgent != "" {
		ua += " " + cfg.UserAgent
	}
	base := baseTransport(cfg.HTTPClient)
	logged := &loggingTransport{next: &bufferingTransport{next: base}, log: cfg.Log, userAgent: ua}

	c := &Client{baseURL: strings.TrimRight(cfg.Endpoint, "/"), userAgent: ua, timeout: cfg.RequestTimeout, logf: cfg.Log,
		credentials: []string{cfg.ClientSecret, cfg.AccessToken}}
	if cfg.AccessToken != "" {
		c.tokens = staticToken(cfg.AccessToken)
	} else {
		// The token request goes through the same pooled transport (and logging), with its own
		// retries: fetching a token twice is harmless, so 429/5xx/network errors are retried.
		tokenRC := newRetryClient(cfg, &http.Client{Transport: logged, Timeout: cfg.RequestTimeout, CheckRedirect: noRedirects}, nil)
		c.tokens = newOAuthTokens(cfg, &http.Client{
			Transport:     &retryablehttp.RoundTripper{Client: tokenRC},
			CheckRedirect: noRedirects,
		})
	}
	c.rc = newRetryClient(cfg, &http.Client{
		Transport: &authTransport{next: logged, tokens: c.tokens},
		// http.Client.Timeout bounds each attempt (retryablehttp calls Do once per attempt), and
		// it covers reading the body too.
		Timeout:       cfg.RequestTimeout,
		CheckRedirect: noRedirects,
	}, c.tokens)
	check := c.rc.CheckRetry
	c.rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		c.pace.note(resp, cfg.RetryAfterMax)
		return check(ctx, resp, err)
	}
	return c, nil
}

// noRedirects stops redirects: the bearer token is added below http.Client, so a followed
// redirect would carry it (or a secret in a token form) to whatever host the redirect names.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func normalize(cfg Config) (Config, error) {
	if cfg.Endpoint == "" {
		return cfg, errors.New("iam: endpoint is required")
	}
	if err := checkURL(cfg.Endpoint); err != nil {
		return cfg, fmt.Errorf("iam: endpoint: %w", err)
	}
	switch {
	case cfg.AccessToken != "" && (cfg.ClientID != "" || cfg.ClientSecret != ""):
		return cfg, errors.New("iam: set either an access token or a client ID and secret, not both")
	case cfg.AccessToken == "" && cfg.ClientID == "":
		return cfg, errors.New("iam: credentials are required: a client ID and secret, or an access token")
	case cfg.AccessToken == "" && cfg.ClientSecret == "":
		return cfg, errors.New("iam: a client secret is required with a client ID")
	case cfg.AccessToken == "" && cfg.TokenURL == "":
		return cfg, errors.New("iam: a token URL is required with a client ID and secret")
	}
	if cfg.AccessToken == "" {
		if err := checkURL(cfg.TokenURL); err != nil {
			return cfg, fmt.Errorf("iam: token URL: %w", err)
		}
	}
	if cfg.RequestTimeout < 0 || cfg.RetryWaitMin < 0 || cfg.RetryWaitMax < 0 || cfg.RetryAfterMax < 0 {
		return cfg, errors.New("iam: timeouts and retry waits must not be negative")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{defaultScope}
	}
	cfg = cfg.withRetryDefaults()
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = defaultRequestTimeout
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	return cfg, nil
}

// withRetryDefaults fills in the retry settings a Client and ExchangeToken share: MaxRetries 0
// means the default and below 0 none; a zero wait means its default.
func (cfg Config) withRetryDefaults() Config {
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = defaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = defaultRetryWaitMin
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = defaultRetryWaitMax
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		cfg.RetryWaitMax = cfg.RetryWaitMin
	}
	if cfg.RetryAfterMax == 0 {
		cfg.RetryAfterMax = defaultRetryAfterMax
	}
	return cfg
}

// checkURL rejects relative or non-HTTP URLs early, with a message that does not echo the URL
// (it might carry user info).
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a valid URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http:// or https:// URL")
	}
	return nil
}

// baseTransport returns the caller's transport, or one tuned for many parallel calls to one host:
// Terraform runs up to 10 (often 50) operations at once and each should reuse a connection
// instead of dialling (the default keeps only 2 idle connections per host).
func baseTransport(hc *http.Client) http.RoundTripper {
	if hc != nil && hc.Transport != nil {
		return hc.Transport
	}
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
}
