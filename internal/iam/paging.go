package iam

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"iter"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
)

// Largest page sizes the API accepts: fewer round trips for big tenants.
const (
	maxPageSizeA = 100 // Envelope A: clients, client secrets
	maxPageSizeB = 200 // Envelope B: subjects, memberships, permissions, policies
)

// maxPages stops a server that ignores the page parameter from looping us forever: 2,000,000
// entries at the largest page size.
const maxPages = 10000

// maxEmptyPages bounds the pages without new entries read in a row on a list the server says goes
// on, where its page count does not agree with its total (see envelope.bounded). An empty page
// before the last may be one the server filtered after paging; a run of them as long as this,
// with nothing to bound it, is a page count that lies, which would otherwise be followed up to
// maxPages.
const maxEmptyPages = 10

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

// envelope is one decoded page of a list, in either of the API's two envelopes.
type envelope[W any] interface {
	entries() []W
	// last reports whether this was the last page, given its number, the entries of all pages
	// read so far and the page size asked for.
	last(page, seen, pageSize int) bool
	// total is the number of entries of the whole list the page reports, if it reports one.
	total() (int, bool)
	// bounded reports whether the page's own signals bound the list, so that following them
	// cannot go on for ever: a page count that agrees with the total at the page size.
	bounded(pageSize int) bool
}

func (e *envelopeA[T]) entries() []T { return e.Items }
func (e *envelopeB[T]) entries() []T { return e.Data }

func (e *envelopeA[T]) total() (int, bool) {
	if e.Metadata == nil || e.Metadata.TotalCount == nil {
		return 0, false
	}
	return *e.Metadata.TotalCount, true
}

func (e *envelopeB[T]) total() (int, bool) {
	if e.Total == nil {
		return 0, false
	}
	return *e.Total, true
}

// last: explicit links and totals win over "a short page", because a server may clamp the page
// size without saying so. A next link wins over the count: a count that is stale, or counts only
// this page, must not cut the list short. Envelope A has no page count, so page is not needed.
func (e *envelopeA[T]) last(_, seen, pageSize int) bool {
	if len(e.Items) == 0 {
		return true
	}
	if next, ok := e.Links["next"]; ok {
		return next == nil || *next == ""
	}
	if e.Metadata != nil && e.Metadata.TotalCount != nil {
		return seen >= *e.Metadata.TotalCount
	}
	if e.Metadata != nil && e.Metadata.PageSize != nil && *e.Metadata.PageSize > 0 {
		pageSize = *e.Metadata.PageSize
	}
	return len(e.Items) < pageSize
}

// last: totalPages is the most direct signal (an empty page before it may be one the server
// filtered after paging, unless every entry of the total has been read), then total, then a short
// page. A totalPages too few to hold the total at the page size the server used was counted at
// another size (the one asked for, before the server clamped it): past it a full page goes on.
func (e *envelopeB[T]) last(page, seen, pageSize int) bool {
	if e.PageSize != nil && *e.PageSize > 0 {
		pageSize = *e.PageSize
	}
	switch {
	case len(e.Data) == 0 && e.Total != nil && seen >= *e.Total:
		return true
	case e.TotalPages != nil && page >= *e.TotalPages && e.Total != nil && seen < *e.Total &&
		*e.TotalPages < pagesFor(*e.Total, pageSize):
		return len(e.Data) < pageSize
	case e.TotalPages != nil:
		return page >= *e.TotalPages
	case len(e.Data) == 0:
		return true
	case e.Total != nil:
		return seen >= *e.Total
	}
	return len(e.Data) < pageSize
}

// bounded: an empty page ends Envelope A, so only its next links could go on, and they are
// followed only while pages hold entries.
func (e *envelopeA[T]) bounded(int) bool { return true }

// bounded: a server that filters after paging may answer empty pages before totalPages, which
// are followed as long as totalPages agrees with the total.
func (e *envelopeB[T]) bounded(pageSize int) bool {
	if e.PageSize != nil && *e.PageSize > 0 {
		pageSize = *e.PageSize
	}
	return e.Total != nil && e.TotalPages != nil && *e.TotalPages <= pagesFor(*e.Total, pageSize)
}

// pagesFor is the number of pages of size that total entries fill.
func pagesFor(total, size int) int {
	if size <= 0 {
		return total
	}
	n := total / size
	if total%size != 0 {
		n++
	}
	return n
}

// maxListRestarts is how often a list that changed while it was read is read again from its
// first page before the read fails.
const maxListRestarts = 3

// listKeyer is a list entry with an identity of its own, which one reading of a list holds once.
// An empty key is no identity (an entry the server sent without one): it is not compared.
type listKeyer interface{ listKey() string }

func (c OAuthClient) listKey() string  { return c.ClientID }
func (s ClientSecret) listKey() string { return s.ClientSecretID }
func (p Policy) listKey() string {
	return p.Tenant + "\x00" + p.Subject + "\x00" + p.Action + "\x00" + p.Scope
}

// listKey of a subject is its subject id as subjectFromWire makes it, from its type and id when
// the server left the subject id out.
func (w subjectWire) listKey() string { return subjectFromWire(w).SubjectID }

// listA follows every page of an Envelope A list. conv maps wire items to the exported type.
func listA[W, T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int, conv func(W) T) iter.Seq2[T, error] {
	return listPages(ctx, c, path, query, pageSize, func() envelope[W] { return &envelopeA[W]{} }, conv)
}

// listB follows every page of an Envelope B list, at the largest page size the API accepts.
func listB[W, T any](ctx context.Context, c *Client, path string, query url.Values, conv func(W) T) iter.Seq2[T, error] {
	return listPages(ctx, c, path, query, maxPageSizeB, func() envelope[W] { return &envelopeB[W]{} }, conv)
}

// listPages reads every page of a list, decoding each into a fresh envelope from newPage, and
// hands out the entries of a reading that held still.
//
// Pages are numbered, so an entry added or deleted ahead of the page being read shifts the rest
// by one, and an entry renamed moves to its new place in the order: the next page would repeat
// an entry or skip one. A total that changes between pages gives the first away, an identity
// (listKeyer) met again on a later page both; the list is then read again from its first page.
// The entries of a reading are handed out only once it has ended without either sign: handed
// out as they came, a reading given up on could not be taken back, and its entries (one deleted
// since, one twice) would be the caller's, a for_each over them failing on a duplicate key or
// naming a subject that is gone. Within one page nothing is dropped: two entries there are the
// server's. So are identities that come again on the same pages in the next reading, which a
// contract whose lists have a stable order makes the server's own repeats: they are handed out
// once. A total no larger than page 1 on a list that goes on counts only that page (or nothing
// useful) and is not compared.
//
// A caller that looks for one entry uses findInList instead, which stops at it.
func listPages[W, T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int,
	newPage func() envelope[W], conv func(W) T,
) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		var got []W
		err := readUntilStill(ctx, c, path, query, pageSize, newPage, func() { got = got[:0] },
			func(items []W) bool { got = append(got, items...); return true })
		if err != nil {
			yield(zero, err)
			return
		}
		for _, it := range got {
			if !yield(conv(it), nil) {
				return
			}
		}
	}
}

// findInList pages through a list, a page at a time, until match accepts an entry, and returns
// it; found is false when none did. It stops at the entry, so a find costs the pages up to it,
// and holds one page at a time. A reading that changes is read again, as listPages does, but an
// entry found in it counts: it existed. A list that shifts while it is read can still move the
// entry onto a page already read: a caller that must say "not found" for sure reads twice.
func findInList[W, T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int,
	newPage func() envelope[W], conv func(W) T, match func(T) bool) (entry T, found bool, err error) {
	err = readUntilStill(ctx, c, path, query, pageSize, newPage, func() {}, func(items []W) bool {
		for _, it := range items {
			if v := conv(it); match(v) {
				entry, found = v, true
				return false
			}
		}
		return true
	})
	return entry, found, err
}

// readUntilStill reads a list with readList until a reading holds still (or page stops it),
// calling restart before each reading after the first; it reads again at most maxListRestarts
// times, and fails when the last reading changed too.
func readUntilStill[W any](ctx context.Context, c *Client, path string, query url.Values, pageSize int,
	newPage func() envelope[W], restart func(), page func([]W) bool) error {
	var tolerate map[string]bool
	var prevSum uint64
	for restarts := 0; ; restarts++ {
		if restarts > 0 {
			restart()
		}
		changed, repeats, sum, err := readList(ctx, c, path, query, pageSize, newPage, tolerate, page)
		if err == nil && changed == "" && len(repeats) > 0 && sum != prevSum {
			// Repeats the reading before had too, in a list that differs from it: that the same
			// entries came again on the same pages does not show them to be the server's, as the
			// list moves (an entry renamed back and forth, say, pushing another off its page).
			changed = "entries came again on later pages as in the reading before, but the list differs from it"
		}
		if err != nil || changed == "" {
			return err
		}
		if restarts == maxListRestarts {
			return fmt.Errorf("GET %s: the list changed while it was read (%s), %d times; "+
				"try again when it changes less", Redact(path, c.credentials...), changed, restarts+1)
		}
		// A reading that stopped early (its total changed) has not met every repeat: what the
		// reading before it tolerated still stands.
		for sig := range repeats {
			if tolerate == nil {
				tolerate = map[string]bool{}
			}
			tolerate[sig] = true
		}
		if sum != 0 { // a reading that ended early has no digest: compare with the last whole one
			prevSum = sum
		}
	}
}

// readList reads a list once, handing each page's entries to page until it returns false, and
// returns why the list must be read again, if it must (changed: how it changed while it was
// read). repeats are the identities met again, unchanged, on a later page, each with its pages;
// those in tolerate (the repeats of the reading before) are the server's own, not a shift, and do
// not count as a change: a list that always holds them twice is read as it is, if the reading is
// the same as the one before (sum, a digest of every entry read, in order, tells). An identity
// that comes again with other content changed between the pages, and a page of nothing but
// entries of earlier pages is no list the server holds: neither is ever tolerated.
func readList[W any](ctx context.Context, c *Client, path string, query url.Values, pageSize int,
	newPage func() envelope[W], tolerate map[string]bool, page func([]W) bool) (changed string, repeats map[string]bool, sum uint64, err error) {
	var prev []W
	type first struct {
		page int
		sum  uint64
	}
	onPage := map[string]first{} // identity → the page it was first on, and its content
	digest := fnv.New64a()
	firstTotal, hasTotal := 0, false
	seen, empty := 0, 0
	for n := 1; ; n++ {
		if n > maxPages {
			return "", nil, 0, fmt.Errorf("GET %s: paging did not end after %d pages", Redact(path, c.credentials...), maxPages)
		}
		env := newPage()
		if _, err := c.call(ctx, pageRequest(path, query, n, pageSize), env); err != nil {
			return "", nil, 0, err
		}
		items := env.entries()
		if total, ok := env.total(); n == 1 {
			firstTotal = total
			hasTotal = ok && (total > len(items) || env.last(n, len(items), pageSize))
		} else if ok && hasTotal && total != firstTotal {
			return fmt.Sprintf("%d entries, then %d", firstTotal, total), repeats, 0, nil
		}
		if len(items) > 0 && reflect.DeepEqual(items, prev) {
			// Without this a server that ignores the page parameter would hand out its first
			// page again and again, up to maxPages times.
			return "", nil, 0, fmt.Errorf("GET %s: page %d repeats page %d entry for entry: the server ignores the page "+
				"parameter, so the list cannot be read whole", Redact(path, c.credentials...), n, n-1)
		}
		prev = items
		var drop []int // repeats of earlier pages, by index
		for i, it := range items {
			s := entrySum(it)
			_, _ = digest.Write(binary.LittleEndian.AppendUint64(nil, s))
			k, ok := any(it).(listKeyer)
			if !ok || k.listKey() == "" {
				continue
			}
			key := k.listKey()
			f, met := onPage[key]
			switch {
			case !met:
				onPage[key] = first{n, s}
			case f.page < n && f.sum != s:
				if changed == "" {
					changed = fmt.Sprintf("an entry on page %d came again, changed, on page %d", f.page, n)
				}
				drop = append(drop, i)
			case f.page < n:
				sig := fmt.Sprintf("%q on pages %d and %d", key, f.page, n)
				if repeats == nil {
					repeats = map[string]bool{}
				}
				repeats[sig] = true
				if !tolerate[sig] && changed == "" {
					changed = fmt.Sprintf("an entry on page %d came again on page %d", f.page, n)
				}
				// Tolerated, it is still handed out once: a list whose entries a for_each keys
				// must not hold one twice.
				drop = append(drop, i)
			}
		}
		if len(items) > 0 && len(drop) == len(items) && changed != "" && !env.last(n, seen+len(items), pageSize) {
			// Nothing but entries of earlier pages, not all of them the server's known repeats,
			// and the server says more follow: one that hands out its pages in a cycle would be
			// read on this way up to maxPages times. (A page of known repeats alone adds nothing,
			// and counts as an empty one.)
			return changed, repeats, 0, nil
		}
		keep := items
		if len(drop) > 0 {
			keep = make([]W, 0, len(items)-len(drop))
			for i, it := range items {
				if !slices.Contains(drop, i) {
					keep = append(keep, it)
				}
			}
		}
		seen += len(items)
		if changed == "" && !page(keep) {
			return "", nil, 0, nil
		}
		if env.last(n, seen, pageSize) {
			return changed, repeats, digest.Sum64(), nil
		}
		if empty++; len(keep) > 0 {
			empty = 0
		}
		if empty >= maxEmptyPages && !env.bounded(pageSize) {
			return "", nil, 0, fmt.Errorf("GET %s: pages %d to %d were empty, yet the server says the list goes on: "+
				"it cannot be read whole", Redact(path, c.credentials...), n-empty+1, n)
		}
	}
}

// entrySum is a digest of a list entry's content, to tell an entry that came again unchanged
// from one that changed in between.
func entrySum(v any) uint64 {
	b, err := json.Marshal(v)
	if err != nil {
		return 0
	}
	h := fnv.New64a()
	_, _ = h.Write(b)
	return h.Sum64()
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
