package mockserver

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// pageReq is a parsed page/pageSize query.
type pageReq struct {
	page, size int
}

// parsePaging reads page and pageSize (CONTRACT.md §2, §9): non-integers are
// 400, negative values count as absent, page 0 means 1, size is clamped. Both
// are int32 in the API (aritma-iam-api.md §4.2), so a number beyond int32 is
// refused the way the API's model binding refuses it, not clamped.
func parsePaging(r *http.Request, defSize, minSize, maxSize int) (pageReq, fieldErrors) {
	q := r.URL.Query()
	errs := fieldErrors{}
	p := pageReq{page: 1, size: defSize}
	if v := q.Get("page"); v != "" {
		n, err := atoi32(v)
		switch {
		case err != nil:
			errs.add("page", "page must be %s", err)
		case n > 0:
			p.page = n
		}
	}
	if v := q.Get("pageSize"); v != "" {
		n, err := atoi32(v)
		switch {
		case err != nil:
			errs.add("pageSize", "pageSize must be %s", err)
		case n >= 0:
			p.size = min(max(n, minSize), maxSize)
		}
	}
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// window returns the [lo,hi) slice bounds of page p over total items.
func (p pageReq) window(total int) (lo, hi int) {
	lo, hi = p.bounds()
	return min(lo, total), min(hi, total)
}

// bounds returns the uncapped [lo,hi) of page p; a page number so large
// that the offset overflows yields an empty range at the end.
func (p pageReq) bounds() (lo, hi int) {
	if p.page-1 > (math.MaxInt-p.size)/p.size {
		return math.MaxInt, math.MaxInt
	}
	lo = (p.page - 1) * p.size
	return lo, lo + p.size
}

func totalPages(total, size int) int {
	if total == 0 {
		return 0
	}
	return (total + size - 1) / size
}

// envelopeA is the clients/secrets list shape (CONTRACT.md §2).
type envelopeA struct {
	Items    any       `json:"items"`
	Metadata metadataA `json:"metadata"`
	Links    linksA    `json:"links"`
}

type metadataA struct {
	Page       int `json:"page"`
	PageSize   int `json:"pageSize"`
	TotalCount int `json:"totalCount"`
}

type linksA struct {
	First    *string `json:"first"`
	Previous *string `json:"previous"`
	Next     *string `json:"next"`
	Last     *string `json:"last"`
}

// pageA slices items (already filtered and sorted) into an Envelope A page.
func pageA[T any](r *http.Request, p pageReq, items []T) envelopeA {
	lo, hi := p.window(len(items))
	page := items[lo:hi:hi]
	if page == nil {
		page = []T{}
	}
	last := max(totalPages(len(items), p.size), 1)
	env := envelopeA{
		Items:    page,
		Metadata: metadataA{Page: p.page, PageSize: p.size, TotalCount: len(items)},
	}
	env.Links.First = pageLink(r, 1, p.size)
	env.Links.Last = pageLink(r, last, p.size)
	if p.page > 1 {
		env.Links.Previous = pageLink(r, min(p.page-1, last), p.size)
	}
	if p.page < last {
		env.Links.Next = pageLink(r, p.page+1, p.size)
	}
	return env
}

// pageLink builds an absolute URL on the request's own host, keeping the
// other query parameters (searchText) so following links never changes the
// result set.
func pageLink(r *http.Request, page, size int) *string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(page))
	q.Set("pageSize", strconv.Itoa(size))
	// RawPath keeps an escaped "/" in an opaque id escaped, so the link leads back to this route.
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
	s := u.String()
	return &s
}

// envelopeB is the subjects/policies/permissions list shape (CONTRACT.md §2).
type envelopeB struct {
	Page       int `json:"page"`
	PageSize   int `json:"pageSize"`
	Count      int `json:"count"`
	Total      int `json:"total"`
	TotalPages int `json:"totalPages"`
	Data       any `json:"data"`
}

func pageB[T any](p pageReq, items []T) envelopeB {
	lo, hi := p.window(len(items))
	return pageBOf(p, len(items), items[lo:hi:hi])
}

// pageBOf builds an Envelope B from an already cut page of total items, for
// callers that convert only the page.
func pageBOf[T any](p pageReq, total int, page []T) envelopeB {
	if page == nil {
		page = []T{}
	}
	return envelopeB{
		Page: p.page, PageSize: p.size, Count: len(page), Total: total,
		TotalPages: totalPages(total, p.size), Data: page,
	}
}

// rawPageB writes an Envelope B around already encoded items, with the
// same field order as envelopeB.
func rawPageB(p pageReq, total int, page [][]byte) rawJSON {
	size := 128
	for _, item := range page {
		size += len(item) + 1
	}
	b := make([]byte, 0, size)
	b = fmt.Appendf(b, `{"page":%d,"pageSize":%d,"count":%d,"total":%d,"totalPages":%d,"data":[`,
		p.page, p.size, len(page), total, totalPages(total, p.size))
	for i, item := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, item...)
	}
	return append(b, "]}"...)
}

// Paging defaults and bounds of the two envelopes.
const (
	pageADefault, pageAMin, pageAMax = 20, 1, 100
	pageBDefault, pageBMin, pageBMax = 100, 10, 200
)

// atoi32 parses a page number as the API's int32 binding does; its error
// completes "<field> must be ...".
func atoi32(v string) (int, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if errors.Is(err, strconv.ErrRange) {
		return 0, errors.New("an integer between -2147483648 and 2147483647")
	}
	if err != nil {
		return 0, errors.New("an integer")
	}
	return int(n), nil
}
