package mockserver

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Faults configures fault injection. The zero value injects nothing.
type Faults struct {
	// LatencyMS is added to every /v1 and token request.
	LatencyMS int `json:"latencyMs"`
	// JitterMS adds a uniform random delay in [0, JitterMS).
	JitterMS int `json:"jitterMs"`
	// ErrorRate is the fraction of /v1 requests answered 500/502/503 without touching state.
	ErrorRate float64 `json:"errorRate"`
	// RateLimitRPS is the refill rate of a token bucket over /v1 and token
	// requests; 0 turns rate limiting off. Limited requests get 429 + Retry-After.
	RateLimitRPS float64 `json:"rateLimitRps"`
	// RateLimitBurst is the bucket size; 0 means max(1, ceil(RateLimitRPS)).
	RateLimitBurst int `json:"rateLimitBurst"`
	// ReadLagMS hides a created object from GET and list for this long, and from the writes
	// that name it: a policy on a new client's subject (400), a new client's secrets (404), an
	// update of a new client (404), members added to a new group (404), a new group or client as
	// a group member (400). Deletes and 409 conflicts still see it.
	ReadLagMS int `json:"readLagMs"`
	// CommitThenFailRate is the fraction of POST creates (clients, secrets,
	// policies, groups) that commit and then answer 502.
	CommitThenFailRate float64 `json:"commitThenFailRate"`
	// Seed reseeds the fault random source; 0 uses Options.Seed.
	Seed int64 `json:"seed"`
}

// validate rejects settings that cannot mean anything.
func (f Faults) validate() fieldErrors {
	errs := fieldErrors{}
	if f.LatencyMS < 0 {
		errs.add("latencyMs", "latencyMs must not be negative")
	}
	if f.JitterMS < 0 {
		errs.add("jitterMs", "jitterMs must not be negative")
	}
	if f.ErrorRate < 0 || f.ErrorRate > 1 || math.IsNaN(f.ErrorRate) {
		errs.add("errorRate", "errorRate must be between 0 and 1")
	}
	if f.RateLimitRPS < 0 || math.IsNaN(f.RateLimitRPS) || math.IsInf(f.RateLimitRPS, 0) {
		errs.add("rateLimitRps", "rateLimitRps must not be negative")
	}
	if f.RateLimitBurst < 0 {
		errs.add("rateLimitBurst", "rateLimitBurst must not be negative")
	}
	if f.ReadLagMS < 0 {
		errs.add("readLagMs", "readLagMs must not be negative")
	}
	if f.CommitThenFailRate < 0 || f.CommitThenFailRate > 1 || math.IsNaN(f.CommitThenFailRate) {
		errs.add("commitThenFailRate", "commitThenFailRate must be between 0 and 1")
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// faultState holds the active faults, their random source and the rate
// limiter bucket. All random draws happen under mu in request arrival
// order, so a sequential test with a fixed seed sees the same faults every run.
type faultState struct {
	mu       sync.Mutex
	f        Faults
	baseSeed int64
	rng      *rand.Rand
	tokens   float64
	last     time.Time
}

func (fs *faultState) init(seed int64) {
	fs.baseSeed = seed
	fs.set(Faults{})
}

func newRand(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
}

// set replaces the faults and restarts the random sequence and the bucket,
// so each SetFaults call begins a reproducible run.
func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	seed := f.Seed
	if seed == 0 {
		seed = fs.baseSeed
	}
	fs.rng = newRand(seed)
	fs.tokens = float64(burst(f))
	fs.last = time.Now()
}

func (fs *faultState) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
}

func (fs *faultState) readLag() time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return time.Duration(fs.f.ReadLagMS) * time.Millisecond
}

func burst(f Faults) int {
	if f.RateLimitBurst > 0 {
		return f.RateLimitBurst
	}
	return max(1, int(math.Ceil(f.RateLimitRPS)))
}

// faultPlan is what the fault layer decided for one request.
type faultPlan struct {
	delay      time.Duration
	limited    bool
	retryAfter int // seconds
	errStatus  int
	commitFail bool
}

// plan decides the faults of one request. errors applies the ErrorRate
// (only /v1 requests), create the CommitThenFailRate.
func (fs *faultState) plan(errors, create bool) faultPlan {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fs.f
	var pl faultPlan
	pl.delay = time.Duration(f.LatencyMS) * time.Millisecond
	if f.JitterMS > 0 {
		pl.delay += time.Duration(fs.rng.IntN(f.JitterMS)) * time.Millisecond
	}
	if f.RateLimitRPS > 0 {
		now := time.Now()
		b := float64(burst(f))
		fs.tokens = min(b, fs.tokens+now.Sub(fs.last).Seconds()*f.RateLimitRPS)
		fs.last = now
		if fs.tokens >= 1 {
			fs.tokens--
		} else {
			pl.limited = true
			pl.retryAfter = max(1, int(math.Ceil((1-fs.tokens)/f.RateLimitRPS)))
			return pl
		}
	}
	if errors && f.ErrorRate > 0 && fs.rng.Float64() < f.ErrorRate {
		pl.errStatus = [...]int{500, 502, 503}[fs.rng.IntN(3)]
		return pl
	}
	if create && f.CommitThenFailRate > 0 && fs.rng.Float64() < f.CommitThenFailRate {
		pl.commitFail = true
	}
	return pl
}

// sleep waits out the planned delay; false means the client went away.
func (pl faultPlan) sleep(r *http.Request) bool {
	if pl.delay <= 0 {
		return true
	}
	// net/http notices a client hanging up only once the request body has been read to its end,
	// so read it first: otherwise a create abandoned during the delay would still be committed,
	// which a real server behind a proxy that drops the request would not do.
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			return false
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	t := time.NewTimer(pl.delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// SetFaults replaces the active faults (same as PUT /_mock/faults). Invalid
// values (negative durations, rates outside 0..1) are clamped to off.
func (s *Server) SetFaults(f Faults) {
	f.LatencyMS = max(f.LatencyMS, 0)
	f.JitterMS = max(f.JitterMS, 0)
	f.ReadLagMS = max(f.ReadLagMS, 0)
	f.RateLimitBurst = max(f.RateLimitBurst, 0)
	f.ErrorRate = clampRate(f.ErrorRate)
	f.CommitThenFailRate = clampRate(f.CommitThenFailRate)
	if !(f.RateLimitRPS > 0) || math.IsInf(f.RateLimitRPS, 0) {
		f.RateLimitRPS = 0
	}
	s.faults.set(f)
}

func clampRate(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	return min(v, 1)
}

// Faults returns the active faults (same as GET /_mock/faults).
func (s *Server) Faults() Faults { return s.faults.get() }

// String renders the faults for logs.
func (f Faults) String() string {
	return fmt.Sprintf("latency=%dms jitter=%dms errorRate=%g rateLimit=%g/s burst=%d readLag=%dms commitThenFail=%g seed=%d",
		f.LatencyMS, f.JitterMS, f.ErrorRate, f.RateLimitRPS, f.RateLimitBurst, f.ReadLagMS, f.CommitThenFailRate, f.Seed)
}
