package iam

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Largest page sizes the API accepts: fewer round trips for big tenants.
const (
	maxPageSizeA = 100 // Envelope A: clients, client secrets
	maxPageSizeB = 200 // Envelope B: subjects, memberships, permissions, policies
)

// maxPages stops a server that ignores the page parameter from looping us forever.
const maxPages = 100000

// envelopeA is {"items":[...],"metadata":{"page","pageSize","totalCount"},"links":{"next",...}}.
type envelopeA[T any] struct {
	Items    []T `json:"items"`
	Metadata *struct {
		PageSize   *int `json:"pageSize"`
		TotalCount *int `json:"totalCount"`
	} `json:"metadata"`
	Links map[string]*string `json:"links"`
}

// envelopeB is {"page","pageSize","count","total","totalPages","data":[...]}.
type envelopeB[T any] struct {
	PageSize   *int `json:"pageSize"`
	Total      *int `json:"total"`
	TotalPages *int `json:"totalPages"`
	Data       []T  `json:"data"`
}

// last reports whether the page just read was the last one. Explicit totals and links win over "a short page",
// because a server may clamp the page size without saying so.
func (e *envelopeA[T]) last(seen, pageSize int) bool {
	if len(e.Items) == 0 {
		return true
	}
	if e.Metadata != nil && e.Metadata.TotalCount != nil {
		return seen >= *e.Metadata.TotalCount
	}
	if next, ok := e.Links["next"]; ok {
		return next == nil || *next == ""
	}
	if e.Metadata != nil && e.Metadata.PageSize != nil && *e.Metadata.PageSize > 0 {
		pageSize = *e.Metadata.PageSize
	}
	return len(e.Items) < pageSize
}

// last reports whether page was the last one; totalPages is the most direct signal.
func (e *envelopeB[T]) last(page, seen, pageSize int) bool {
	switch {
	case len(e.Data) == 0:
		return true
	case e.TotalPages != nil:
		return page >= *e.TotalPages
	case e.Total != nil:
		return seen >= *e.Total
	}
	if e.PageSize != nil && *e.PageSize > 0 {
		pageSize = *e.PageSize
	}
	return len(e.Data) < pageSize
}

// listA follows every page of an Envelope A list. conv maps wire items to the exported type.
func listA[W, T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int, conv func(W) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := 0
		for page := 1; ; page++ {
			if page > maxPages {
				yield(zero, fmt.Errorf("GET %s: paging did not end after %d pages", path, maxPages))
				return
			}
			var env envelopeA[W]
			if _, err := c.call(ctx, pageRequest(path, query, page, pageSize), &env); err != nil {
				yield(zero, err)
				return
			}
			seen += len(env.Items)
			for _, it := range env.Items {
				if !yield(conv(it), nil) {
					return
				}
			}
			if env.last(seen, pageSize) {
				return
			}
		}
	}
}

// listB follows every page of an Envelope B list.
func listB[W, T any](ctx context.Context, c *Client, path string, query url.Values, conv func(W) T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := 0
		for page := 1; ; page++ {
			if page > maxPages {
				yield(zero, fmt.Errorf("GET %s: paging did not end after %d pages", path, maxPages))
				return
			}
			var env envelopeB[W]
			if _, err := c.call(ctx, pageRequest(path, query, page, maxPageSizeB), &env); err != nil {
				yield(zero, err)
				return
			}
			seen += len(env.Data)
			for _, it := range env.Data {
				if !yield(conv(it), nil) {
					return
				}
			}
			if env.last(page, seen, maxPageSizeB) {
				return
			}
		}
	}
}

// pageRequest copies the base query (an iterator may be ranged over more than once) and adds the
// paging parameters.
func pageRequest(path string, query url.Values, page, pageSize int) request {
	q := url.Values{}
	for k, v := range query {
		if len(v) > 0 && v[0] != "" { // an empty filter means "no filter"
			q[k] = v
		}
	}
	q.Set("page", strconv.Itoa(page))
	q.Set("pageSize", strconv.Itoa(pageSize))
	return request{method: http.MethodGet, path: path, query: q, mode: retryIdempotent}
}

func same[T any](v T) T { return v }
