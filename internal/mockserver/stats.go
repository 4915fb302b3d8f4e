package mockserver

import (
	"maps"
	"strconv"
	"strings"
	"sync"
)

// Stats counts the requests the mock answered (control endpoints excluded).
type Stats struct {
	// Requests is keyed "<METHOD> <route template> <status>", e.g.
	// "GET /v1/clients/{clientId} 200" or "POST /connect/token 200". A 405
	// counts under the path's template ("DELETE /v1/clients 405"); a request
	// no route took counts under the fallback template "/v1/" or "/".
	Requests map[string]int64 `json:"requests"`
	// Total is the sum of Requests.
	Total int64 `json:"total"`
}

// Count returns how many method requests to route were answered, whatever the status.
func (s Stats) Count(method, route string) int64 {
	prefix := method + " " + route + " "
	var n int64
	for k, v := range s.Requests {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			if _, err := strconv.Atoi(rest); err == nil {
				n += v
			}
		}
	}
	return n
}

// CountStatus returns how many method requests to route were answered with status.
func (s Stats) CountStatus(method, route string, status int) int64 {
	return s.Requests[method+" "+route+" "+strconv.Itoa(status)]
}

// CountRetryable counts the answers a client retries, or reports when its retries run out: 429
// and every 5xx, over all routes.
func (s Stats) CountRetryable() int64 {
	var n int64
	for k, v := range s.Requests {
		i := strings.LastIndexByte(k, ' ')
		if i < 0 {
			continue
		}
		if code, err := strconv.Atoi(k[i+1:]); err == nil && (code == 429 || code >= 500) {
			n += v
		}
	}
	return n
}

type statsState struct {
	mu    sync.Mutex
	m     map[string]int64
	total int64
}

func (ss *statsState) init() { ss.m = map[string]int64{} }

func (ss *statsState) record(method, route string, status int) {
	key := method + " " + route + " " + strconv.Itoa(status)
	ss.mu.Lock()
	ss.m[key]++
	ss.total++
	ss.mu.Unlock()
}

// Stats returns a copy of the request counters (same as GET /_mock/stats).
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return Stats{Requests: maps.Clone(s.stats.m), Total: s.stats.total}
}

// ResetStats zeroes the request counters (same as DELETE /_mock/stats).
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	clear(s.stats.m)
	s.stats.total = 0
	s.stats.mu.Unlock()
}
