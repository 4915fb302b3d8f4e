package mockserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// controlRoutes registers the /_mock/ endpoints. They skip auth, faults and
// stats on purpose: tests must be able to steer a misbehaving mock.
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_mock/reset", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Reset(); errors.Is(err, errShutDown) {
			write(w, problemResp(r, http.StatusServiceUnavailable, err.Error()))
			return
		} else if err != nil {
			// Answered 204, a crash would bring back what the reset removed without anyone knowing.
			write(w, problemResp(r, http.StatusInternalServerError, "reset in memory, but the data file could not be saved: "+err.Error()))
			return
		}
		write(w, noContent())
	})
	mux.HandleFunc("GET /_mock/stats", func(w http.ResponseWriter, r *http.Request) {
		write(w, jsonResp(http.StatusOK, s.Stats()))
	})
	mux.HandleFunc("DELETE /_mock/stats", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		write(w, noContent())
	})
	mux.HandleFunc("GET /_mock/faults", func(w http.ResponseWriter, r *http.Request) {
		write(w, jsonResp(http.StatusOK, s.Faults()))
	})
	mux.HandleFunc("PUT /_mock/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Faults
		data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil {
			write(w, invalid(r, fieldErrors{"": {"request body could not be read"}}))
			return
		}
		// Names first: decodeJSON would take a misspelt "readlagMs" for readLagMs, and then
		// report its value's kind under the right name.
		if name := unknownField(data, &Faults{}); name != "" {
			// A misspelt fault would leave that fault off, and a test meant to run under it
			// would pass without it.
			msg := fmt.Sprintf("%s is not a fault setting (see GET /_mock/faults for their names)", name)
			if like := jsonFieldLike(&Faults{}, name); like != "" {
				msg = fmt.Sprintf("%s is not a fault setting; did you mean %s?", name, like)
			}
			write(w, invalid(r, fieldErrors{name: {msg}}))
			return
		}
		if errs := decodeJSON(bytes.NewReader(data), &f); errs != nil {
			write(w, invalid(r, errs))
			return
		}
		if errs := f.validate(); errs != nil {
			write(w, invalid(r, errs))
			return
		}
		s.SetFaults(f)
		write(w, jsonResp(http.StatusOK, s.Faults()))
	})
}

// refuseBrowsers turns away requests a browser sends on a web page's behalf, which carry an
// Origin (every cross-origin request does, and every POST, PUT and DELETE): the control endpoints
// take no credentials, and a page the developer visits must not reset or steer the mock, directly
// or through a host name rebound to 127.0.0.1. Tests and scripts send no Origin.
func refuseBrowsers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") != "" {
			write(w, problemResp(r, http.StatusForbidden, "the control endpoints do not answer requests from web pages (a request with an Origin header)"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
