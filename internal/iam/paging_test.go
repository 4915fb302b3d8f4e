package iam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// pageArgs reads the paging query like the real API: 1-based page, default and maximum size.
func pageArgs(r *http.Request, defSize, maxSize int) (page, size int) {
	page, _ = strconv.Atoi(r.URL.Query().Get("page"))
	size, _ = strconv.Atoi(r.URL.Query().Get("pageSize"))
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = defSize
	}
	return page, min(size, maxSize)
}

func envelopeAHandler(total int, pages *atomic.Int64, style string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		page, size := pageArgs(r, 20, 100)
		var items []any
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			items = append(items, map[string]any{"clientId": fmt.Sprintf("c%03d", i), "name": fmt.Sprintf("n%03d", i)})
		}
		body := map[string]any{"items": items}
		switch style {
		case "full":
			var next any
			if page*size < total {
				next = fmt.Sprintf("http://elsewhere/v1/clients?page=%d", page+1)
			}
			body["metadata"] = map[string]any{"page": page, "pageSize": size, "totalCount": total}
			body["links"] = map[string]any{"first": "x", "previous": nil, "next": next, "last": "y"}
		case "links":
			var next any
			if page*size < total {
				next = "http://elsewhere/next"
			}
			body["links"] = map[string]any{"next": next}
		}
		writeJSON(w, 200, body)
	}
}

func TestListClients_allPages(t *testing.T) {
	t.Parallel()
	for _, style := range []string{"full", "links", "bare"} {
		for _, total := range []int{0, 1, 100, 250} {
			t.Run(fmt.Sprintf("%s/%d", style, total), func(t *testing.T) {
				t.Parallel()
				var pages atomic.Int64
				f := newFake(t, envelopeAHandler(total, &pages, style))
				i := 0
				for cl, err := range f.client(t).ListClients(ctxT(t), ListClientsOptions{SearchText: "n"}) {
					if err != nil {
						t.Fatal(err)
					}
					if want := fmt.Sprintf("c%03d", i); cl.ClientID != want {
						t.Fatalf("item %d is %s, want %s", i, cl.ClientID, want)
					}
					i++
				}
				if i != total {
					t.Fatalf("got %d clients, want %d", i, total)
				}
				wantPages := max(1, (total+99)/100)
				if style == "bare" && total%100 == 0 && total > 0 {
					wantPages++ // a full last page can only be recognised by the empty one after it
				}
				if pages.Load() != int64(wantPages) {
					t.Fatalf("%d page requests, want %d: %v", pages.Load(), wantPages, f.seen())
				}
			})
		}
	}
}

func TestListClients_requestsLargestPagesAndSearch(t *testing.T) {
	t.Parallel()
	var pages atomic.Int64
	f := newFake(t, envelopeAHandler(150, &pages, "full"))
	for _, err := range f.client(t).ListClients(ctxT(t), ListClientsOptions{SearchText: "a b"}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"GET /v1/clients?page=1&pageSize=100&searchText=a+b",
		"GET /v1/clients?page=2&pageSize=100&searchText=a+b",
	}
	if got := f.seen(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("requests %v, want %v", got, want)
	}
}

func TestListClients_earlyBreak(t *testing.T) {
	t.Parallel()
	var pages atomic.Int64
	f := newFake(t, envelopeAHandler(250, &pages, "full"))
	n := 0
	for _, err := range f.client(t).ListClients(ctxT(t), ListClientsOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 150 {
			break
		}
	}
	// A reading is handed out once it has ended (see listPages), so all three pages are read; the
	// break stops what is handed out.
	if pages.Load() != 3 || n != 150 {
		t.Fatalf("early break after %d entries, %d pages fetched; want 150 and 3", n, pages.Load())
	}
}

func envelopeBHandler(total int, pages *atomic.Int64, withTotals bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		page, size := pageArgs(r, 100, 200)
		data := []any{}
		for i := (page - 1) * size; i < min(page*size, total); i++ {
			data = append(data, map[string]any{
				"$type": "client", "id": fmt.Sprintf("%03d", i), "subjectId": fmt.Sprintf("client-%03d", i),
				"type": "Client", "displayName": fmt.Sprintf("d%03d", i), "tenant": "t1",
				"properties": map[string]any{"clientId": fmt.Sprintf("%03d", i)},
				// and the fields of a policy, so a policy list decodes distinct entries too
				"subject": fmt.Sprintf("client-%03d", i), "action": "owner", "scope": "/",
			})
		}
		body := map[string]any{"page": page, "pageSize": size, "count": len(data), "data": data}
		if withTotals {
			body["total"] = total
			body["totalPages"] = (total + size - 1) / size
		}
		writeJSON(w, 200, body)
	}
}

func TestListSubjects_allPages(t *testing.T) {
	t.Parallel()
	for _, withTotals := range []bool{true, false} {
		for _, total := range []int{0, 5, 200, 450} {
			t.Run(fmt.Sprintf("totals=%v/%d", withTotals, total), func(t *testing.T) {
				t.Parallel()
				var pages atomic.Int64
				f := newFake(t, envelopeBHandler(total, &pages, withTotals))
				i := 0
				for s, err := range f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"}) {
					if err != nil {
						t.Fatal(err)
					}
					if s.SubjectID != fmt.Sprintf("client-%03d", i) || s.Type != "client" || s.Tenant == nil || *s.Tenant != "t1" {
						t.Fatalf("item %d = %+v", i, s)
					}
					i++
				}
				if i != total {
					t.Fatalf("got %d, want %d", i, total)
				}
				wantPages := max(1, (total+199)/200)
				if !withTotals && total%200 == 0 && total > 0 {
					wantPages++
				}
				if pages.Load() != int64(wantPages) {
					t.Fatalf("%d pages, want %d", pages.Load(), wantPages)
				}
				if got := f.seen()[0]; got != "GET /v1/subjects/clients?page=1&pageSize=200" {
					t.Fatalf("first request %q", got)
				}
			})
		}
	}
}

func TestListPolicies_earlyBreakAndFilters(t *testing.T) {
	t.Parallel()
	var pages atomic.Int64
	f := newFake(t, envelopeBHandler(450, &pages, true))
	n := 0
	for _, err := range f.client(t).ListPolicies(ctxT(t), PolicyFilter{Subject: "client-1", Action: "owner", Scope: "/subscriptions/1"}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 201 {
			break
		}
	}
	if pages.Load() != 3 || n != 201 {
		t.Fatalf("break after %d entries, %d pages fetched; want 201 and 3 (a reading is handed out whole)", n, pages.Load())
	}
	if got := f.seen()[0]; got != "GET /v1/policies?action=owner&page=1&pageSize=200&scope=%2Fsubscriptions%2F1&subject=client-1" {
		t.Fatalf("first request %q", got)
	}
}

func TestPaging_errorYieldedOnceThenStop(t *testing.T) {
	t.Parallel()
	var pages atomic.Int64
	ok := envelopeBHandler(450, &pages, true)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			problem(w, 403, "Forbidden", nil)
			return
		}
		ok(w, r)
	})
	items, errs := 0, 0
	for _, err := range f.client(t).ListPermissions(ctxT(t), "client-1", PermissionFilter{}) {
		if err != nil {
			errs++
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("unexpected error %v", err)
			}
			continue
		}
		items++
	}
	// Nothing of a reading that failed partway is handed out: it is not the list.
	if items != 0 || errs != 1 {
		t.Fatalf("items %d errors %d; want 0 and 1", items, errs)
	}
}

func TestPaging_iteratorCanBeReused(t *testing.T) {
	t.Parallel()
	var pages atomic.Int64
	f := newFake(t, envelopeBHandler(250, &pages, true))
	seq := f.client(t).ListGroupMembers(ctxT(t), "g1")
	for range 2 {
		n := 0
		for _, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 250 {
			t.Fatalf("got %d", n)
		}
	}
}

// A server that ignores the page parameter answers its first page to every request; the list
// must fail on the first repeat instead of reading it up to maxPages times.
func TestPaging_serverIgnoringPageFails(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		data := make([]map[string]any, 200)
		for i := range data {
			data[i] = map[string]any{"$type": "user", "id": strconv.Itoa(i), "displayName": "u"}
		}
		writeJSON(w, 200, map[string]any{"data": data}) // no page, total or totalPages
	})
	n := 0
	var err error
	for _, e := range f.client(t).ListSubjects(ctxT(t), SubjectListOptions{}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	want := "GET /v1/subjects: page 2 repeats page 1 entry for entry: the server ignores the page parameter, so the list cannot be read whole"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if calls.Load() != 2 || n != 0 {
		t.Errorf("%d requests and %d entries before the error, want 2 and 0", calls.Load(), n)
	}
}

// The catalogues are bare arrays, but a service that wraps one in a paging envelope must not
// have it cut to its first page.
func TestListActions_pagedEnvelopeReadWhole(t *testing.T) {
	t.Parallel()
	for _, envelope := range []string{"A", "B"} {
		t.Run(envelope, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				page, _ := pageArgs(r, 2, 2)
				data := []map[string]any{{"name": "owner"}, {"name": "iam.manage", "parent": "owner"}}
				if page == 2 {
					data = []map[string]any{{"name": "iam.client.read", "parent": "iam.manage"}}
				}
				if envelope == "A" {
					writeJSON(w, 200, map[string]any{"items": data, "metadata": map[string]any{"page": page, "pageSize": 2, "totalCount": 3}})
					return
				}
				writeJSON(w, 200, map[string]any{"page": page, "pageSize": 2, "count": len(data), "total": 3, "totalPages": 2, "data": data})
			})
			acts, err := f.client(t).ListActions(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(acts) != 3 || acts[2] != (Action{Name: "iam.client.read", Parent: "iam.manage"}) {
				t.Fatalf("ListActions = %+v, want the 3 actions of both pages", acts)
			}
		})
		// Wrapped, but without a word about pages (and deaf to page): the one answer is all of it.
		t.Run(envelope+" unpaged", func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				data := make([]map[string]any, 250)
				for i := range data {
					data[i] = map[string]any{"name": fmt.Sprintf("a%03d", i)}
				}
				key := "data"
				if envelope == "A" {
					key = "items"
				}
				writeJSON(w, 200, map[string]any{key: data})
			})
			acts, err := f.client(t).ListActions(ctxT(t))
			if err != nil || len(acts) != 250 || calls.Load() != 1 {
				t.Fatalf("ListActions = %d actions, %v, after %d requests; want 250 after 1", len(acts), err, calls.Load())
			}
		})
	}
}

// shiftingSubjects serves a client subject list (Envelope B, with totals) whose names it
// changes once, through change, right after the first request for page 2 arrives: the shift
// that numbered pages suffer when an entry ahead is added or deleted.
func shiftingSubjects(names []string, change func([]string) []string) http.HandlerFunc {
	var mu sync.Mutex
	changed := false
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if page, _ := pageArgs(r, 100, 200); page == 2 && !changed {
			names, changed = change(names), true
		}
		writeSubjectsPage(w, r, names, func(n string) string { return n })
	}
}

// writeSubjectsPage answers one page of a client subject list (Envelope B, with totals) of the
// given ids, each with the display name display gives it.
func writeSubjectsPage(w http.ResponseWriter, r *http.Request, names []string, display func(string) string) {
	page, size := pageArgs(r, 100, 200)
	data := []any{}
	for _, n := range names[min((page-1)*size, len(names)):min(page*size, len(names))] {
		data = append(data, map[string]any{"$type": "client", "id": n, "subjectId": "client-" + n, "type": "Client",
			"displayName": display(n), "tenant": "t1", "properties": map[string]any{"clientId": n}})
	}
	writeJSON(w, 200, map[string]any{"page": page, "pageSize": size, "count": len(data), "data": data,
		"total": len(names), "totalPages": (len(names) + size - 1) / size})
}

// handedOutOnce ranges over a list of subjects and returns the keys it handed out, failing the
// test on an error or on a key handed out twice.
func handedOutOnce(t *testing.T, seq iter.Seq2[Subject, error], key func(Subject) string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for s, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		if got[key(s)] {
			t.Errorf("%s handed out twice", key(s))
		}
		got[key(s)] = true
	}
	return got
}

// firstErr ranges over a list and returns its first error.
func firstErr[T any](seq iter.Seq2[T, error]) error {
	var err error
	for _, e := range seq {
		err = cmp.Or(err, e)
	}
	return err
}

// countAll ranges over a list and counts its entries, failing the test on an error.
func countAll[T any](t *testing.T, seq iter.Seq2[T, error]) int {
	t.Helper()
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func subjectNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%03d", i)
	}
	return names
}

// A list that changes while it is paged is read again from its first page, and only that reading
// is handed out: nothing twice (an entry added ahead would repeat the last of page 1 on page 2),
// nothing skipped (an entry deleted ahead would move the first of page 2 onto page 1), and
// nothing deleted while it was read.
func TestPaging_listChangesWhileRead(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		change func([]string) []string
		want   []string
	}{
		"added ahead": {
			change: func(n []string) []string { return append([]string{"a-new"}, n...) },
			want:   append(subjectNames(250), "a-new"),
		},
		"deleted ahead": {
			change: func(n []string) []string { return n[1:] },
			want:   subjectNames(250)[1:],
		},
		"renamed to a later place": {
			// No total changes: s000 comes again as the first entry of page 2, where its new
			// name sorts, and s200 moves up onto page 1, already read: without the repeat seen,
			// s000 would come twice and s200 not at all.
			change: func(n []string) []string {
				return append(slices.Clone(n[1:201]), append([]string{"s000"}, n[201:]...)...)
			},
			want: subjectNames(250),
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, shiftingSubjects(subjectNames(250), tc.change))
			got := handedOutOnce(t, f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"}),
				func(s Subject) string { return s.DisplayName })
			for _, n := range tc.want {
				if !got[n] {
					t.Errorf("%s missing", n)
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("%d entries, want %d", len(got), len(tc.want))
			}
		})
	}
}

// A list that never holds still fails after a few readings instead of returning a wrong one.
func TestPaging_listKeepsChanging(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	names := subjectNames(250)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		names = append([]string{fmt.Sprintf("new-%d", len(names))}, names...)
		mu.Unlock()
		shiftingSubjects(slices.Clone(names), func(n []string) []string { return n })(w, r)
	})
	var err error
	for _, e := range f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"}) {
		if e != nil {
			err = e
		}
	}
	if err == nil || !strings.Contains(err.Error(), "the list changed while it was read") {
		t.Fatalf("err = %v, want the list to have changed", err)
	}
}

// Paging signals that disagree: a next link beats a smaller totalCount (Envelope A), and an
// empty page before totalPages does not end the list (Envelope B).
func TestPaging_signalsThatDisagree(t *testing.T) {
	t.Parallel()
	fa := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := pageArgs(r, 100, 100)
		items := []any{}
		for i := range 50 {
			id := fmt.Sprintf("c%d-%02d", page, i)
			items = append(items, map[string]any{"clientId": id, "name": id, "description": "",
				"allowedGrantTypes": []string{"client_credentials"}, "redirectUris": []string{}, "allowedScopes": []string{"api"}})
		}
		var next any
		if page < 3 {
			next = fmt.Sprintf("http://%s/v1/clients?page=%d&pageSize=100", r.Host, page+1)
		}
		writeJSON(w, 200, map[string]any{"items": items, "metadata": map[string]any{"page": page, "pageSize": 100, "totalCount": 100},
			"links": map[string]any{"next": next}})
	})
	n := countAll(t, fa.client(t).ListClients(ctxT(t), ListClientsOptions{}))
	if n != 150 {
		t.Errorf("Envelope A: %d clients, want 150 (three pages by their next links)", n)
	}

	fb := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := pageArgs(r, 100, 200)
		data := []any{}
		if page == 2 {
			data = append(data, map[string]any{"subject": "client-1", "action": "owner", "scope": "/", "tenant": "t1"})
		}
		writeJSON(w, 200, map[string]any{"page": page, "pageSize": 200, "count": len(data), "data": data, "total": 1, "totalPages": 2})
	})
	n = countAll(t, fb.client(t).ListPolicies(ctxT(t), PolicyFilter{}))
	if n != 1 {
		t.Errorf("Envelope B: %d policies, want 1 (on page 2 of 2, after an empty page 1)", n)
	}
}

// Totals that are no list total: a totalCount that counts only its own page is not taken for a
// list that changed (Envelope A, by its next links), and a huge totalPages behind a total already
// read stops at the first empty page (Envelope B).
func TestPaging_totalsThatAreNotListTotals(t *testing.T) {
	t.Parallel()
	fa := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := pageArgs(r, 100, 100)
		n := map[int]int{1: 100, 2: 100, 3: 50}[page]
		items := []any{}
		for i := range n {
			id := fmt.Sprintf("c%d-%03d", page, i)
			items = append(items, map[string]any{"clientId": id, "name": id, "description": "",
				"allowedGrantTypes": []string{"client_credentials"}, "redirectUris": []string{}, "allowedScopes": []string{"api"}})
		}
		var next any
		if page < 3 {
			next = fmt.Sprintf("http://%s/v1/clients?page=%d&pageSize=100", r.Host, page+1)
		}
		writeJSON(w, 200, map[string]any{"items": items, "metadata": map[string]any{"page": page, "pageSize": 100, "totalCount": n},
			"links": map[string]any{"next": next}})
	})
	n := countAll(t, fa.client(t).ListClients(ctxT(t), ListClientsOptions{}))
	if n != 250 {
		t.Errorf("page-only counts: %d clients, want 250", n)
	}

	var pages atomic.Int64
	fb := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		pages.Add(1)
		page, _ := pageArgs(r, 100, 200)
		data := []any{}
		if page == 1 {
			data = append(data, map[string]any{"subject": "client-1", "action": "owner", "scope": "/", "tenant": "t1"})
		}
		writeJSON(w, 200, map[string]any{"page": page, "pageSize": 200, "count": len(data), "data": data, "total": 1, "totalPages": 2000})
	})
	n = countAll(t, fb.client(t).ListPolicies(ctxT(t), PolicyFilter{}))
	if n != 1 || pages.Load() > 2 {
		t.Errorf("huge totalPages: %d policies in %d requests, want 1 in at most 2", n, pages.Load())
	}
}

// An entry that changed between two readings of a list is handed out once, as the last reading has it.
func TestPaging_changedEntryHandedOutOnce(t *testing.T) {
	t.Parallel()
	// An entry is added ahead when page 2 is first asked for, and every display name changes with
	// it: the second reading holds the same subject ids with other names.
	var mu sync.Mutex
	names, generation := subjectNames(250), 1
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if page, _ := pageArgs(r, 100, 200); page == 2 && generation == 1 {
			names, generation = append([]string{"a-new"}, names...), 2
		}
		writeSubjectsPage(w, r, names, func(n string) string { return fmt.Sprintf("%s-v%d", n, generation) })
	})
	var got []Subject
	for s, err := range f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if len(got) != 251 {
		t.Errorf("%d subjects, want 251", len(got))
	}
	for _, s := range got {
		if !strings.HasSuffix(s.DisplayName, "-v2") {
			t.Errorf("%s handed out as %q, from the reading given up on", s.SubjectID, s.DisplayName)
		}
	}
}

// A list that holds one identity on two pages in every reading (the server's own repeat, not a
// shift) is read, after one more reading shows the repeat stays where it was, instead of failing
// as a list that keeps changing; the identity is handed out once, so a for_each keyed on it works.
func TestPaging_steadyRepeatIsTheServers(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	names := append(subjectNames(250), "s000") // s000 on page 1 and again on page 2, always
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeSubjectsPage(w, r, names, func(n string) string { return n })
	})
	n := countAll(t, f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"}))
	if n != 250 {
		t.Errorf("%d entries, want 250 (the repeat once)", n)
	}
	if got := calls.Load(); got != 4 {
		t.Errorf("%d requests, want 4 (two readings of two pages)", got)
	}
}

// Subjects the server sends without a subject id are told apart by the one subjectFromWire makes
// from their type and id: the list is not taken for one whose every page repeats "", and a
// subject the server holds twice (u000 again on page 3, always) is still seen as a repeat.
func TestPaging_subjectsWithoutSubjectID(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	ids := make([]int, 0, 451)
	for i := range 450 {
		ids = append(ids, i)
	}
	ids = append(ids, 0)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		page, size := pageArgs(r, 100, 200)
		data := []any{}
		for _, i := range ids[min((page-1)*size, len(ids)):min(page*size, len(ids))] {
			data = append(data, map[string]any{"type": "User", "id": fmt.Sprintf("u%03d", i), "displayName": fmt.Sprintf("u%03d", i)})
		}
		writeJSON(w, 200, map[string]any{"page": page, "pageSize": size, "count": len(data), "data": data, "total": len(ids), "totalPages": 3})
	})
	if n := countAll(t, f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "user"})); n != 450 {
		t.Errorf("%d subjects, want 450 (u000 once)", n)
	}
	if got := calls.Load(); got != 6 {
		t.Errorf("%d requests, want 6 (two readings of three pages: the repeat is seen, then found steady)", got)
	}
}

// Two identities that the server always holds twice, on the same pages, are its own repeats: the
// list is read in two readings, each identity once.
func TestPaging_twoSteadyRepeats(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	names := append(subjectNames(450), "s000", "s001") // s000 and s001 again on page 3, always
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeSubjectsPage(w, r, names, func(n string) string { return n })
	})
	if n := countAll(t, f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"})); n != 450 {
		t.Errorf("%d entries, want 450 (each repeat once)", n)
	}
	if got := calls.Load(); got != 6 {
		t.Errorf("%d requests, want 6 (two readings of three pages)", got)
	}
}

// FindSubject stops at the page that holds the subject: one request for one on page 1 of a list
// of three pages, every page for one that is not there.
func TestFindSubject_stopsAtTheEntry(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	names := subjectNames(450)
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeSubjectsPage(w, r, names, func(n string) string { return n })
	})
	c := f.client(t)
	s, found, err := c.FindSubject(ctxT(t), SubjectListOptions{Type: "client"}, func(s Subject) bool { return s.SubjectID == "client-s150" })
	if err != nil || !found || s.DisplayName != "s150" || calls.Load() != 1 {
		t.Fatalf("found %v %q (%v) in %d requests; want s150 in 1", found, s.DisplayName, err, calls.Load())
	}
	calls.Store(0)
	if _, found, err = c.FindSubject(ctxT(t), SubjectListOptions{Type: "client"}, func(s Subject) bool { return s.SubjectID == "client-none" }); err != nil || found || calls.Load() != 3 {
		t.Fatalf("found %v (%v) in %d requests; want nothing in 3", found, err, calls.Load())
	}
}

// togglingSubjects serves a client subject list that moves between two states in every reading:
// before page 1 it is before(), and from page 2 on after(), with display giving each id's name
// in the state served. A change made and undone outside in step with the reading looks like a
// repeat the server holds steadily, unless the entries tell otherwise.
func togglingSubjects(before, after func(reading int) ([]string, func(string) string)) http.HandlerFunc {
	var mu sync.Mutex
	reading := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		state := after
		if page, _ := pageArgs(r, 100, 200); page == 1 {
			reading++
			state = before
		}
		names, display := state(reading)
		writeSubjectsPage(w, r, names, display)
	}
}

// An entry renamed to a later place while page 1 is read, and back before the next reading, in
// every reading, comes again on the same later page each time, and pushes the first entry of
// page 2 onto page 1, already read: taken for the server's own repeat, it would hide that entry.
// It comes again changed, so no reading is taken; nor is one where another entry is renamed
// instead and something else differs between the readings.
func TestPaging_repeatsOfAMovingListAreNotTheServers(t *testing.T) {
	t.Parallel()
	same := func(n string) string { return n }
	for name, after := range map[string]func(int) ([]string, func(string) string){
		"the repeated entry renamed": func(int) ([]string, func(string) string) {
			return append(slices.Clone(subjectNames(250)[1:]), "s000"), func(n string) string {
				if n == "s000" {
					return "zzz"
				}
				return n
			}
		},
		"another entry renamed, the list otherwise changing": func(reading int) ([]string, func(string) string) {
			// s220 renamed to sort first: s199 is pushed onto page 2 and comes again there,
			// unchanged, s220 is not met at all, and s249's name changes from reading to reading.
			names := subjectNames(250)
			return append([]string{"s220"}, slices.Delete(slices.Clone(names), 220, 221)...), func(n string) string {
				if n == "s249" {
					return fmt.Sprintf("s249-%d", reading)
				}
				return n
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, togglingSubjects(func(int) ([]string, func(string) string) { return subjectNames(250), same }, after))
			var err error
			n := 0
			for _, e := range f.client(t).ListSubjects(ctxT(t), SubjectListOptions{Type: "client"}) {
				if e != nil {
					err = e
				}
				n++
			}
			if err == nil || !strings.Contains(err.Error(), "the list changed while it was read") {
				t.Fatalf("%d entries, err = %v; want the list to have changed", n, err)
			}
		})
	}
}

// Servers whose paging signals lie end in an error after a few requests, not after maxPages.
func TestPaging_lyingServersEndSoon(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		handler http.HandlerFunc
		list    func(*Client) error
		want    string
	}{
		"totalPages that never comes, pages empty": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				page, _ := pageArgs(r, 100, 200)
				data := []any{}
				if page == 1 {
					data = append(data, map[string]any{"subject": "user-1", "scope": "/", "action": "owner"})
				}
				writeJSON(w, 200, map[string]any{"page": page, "pageSize": 200, "totalPages": 1 << 40, "data": data})
			},
			list: func(c *Client) error { return firstErr(c.ListPolicies(context.Background(), PolicyFilter{})) },
			want: "pages 2 to 11 were empty, yet the server says the list goes on",
		},
		"next links in a cycle": {
			handler: func(w http.ResponseWriter, r *http.Request) {
				page, _ := pageArgs(r, 100, 100)
				id := fmt.Sprintf("c%d", (page-1)%2)
				writeJSON(w, 200, map[string]any{"items": []any{map[string]any{"clientId": id, "name": id}},
					"metadata": map[string]any{"page": page, "pageSize": 1}, "links": map[string]any{"next": "/v1/clients?page=next"}})
			},
			list: func(c *Client) error { return firstErr(c.ListClients(context.Background(), ListClientsOptions{})) },
			want: "), 4 times; try again when it changes less",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1); tc.handler(w, r) })
			err := tc.list(f.client(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if calls.Load() > 20 {
				t.Errorf("%d requests before giving up", calls.Load())
			}
		})
	}
}

// A server that clamps the page size, says so, and counts totalPages at the size asked for
// cannot cut the list at page one while its total says there is more.
func TestPaging_totalPagesCountedBeforeTheClamp(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := pageArgs(r, 100, 200)
		data := []any{}
		for i := (page - 1) * 100; i < min(page*100, 150); i++ {
			data = append(data, map[string]any{"subject": fmt.Sprintf("user-%03d", i), "scope": "/", "action": "owner"})
		}
		writeJSON(w, 200, map[string]any{"page": page, "pageSize": 100, "count": len(data), "total": 150, "totalPages": 1, "data": data})
	})
	if n := countAll(t, f.client(t).ListPolicies(ctxT(t), PolicyFilter{})); n != 150 {
		t.Fatalf("%d policies, want 150", n)
	}
}

// Steady server repeats stay the server's where a page holds nothing else (201 entries at 200 a
// page: page 2 is the repeat alone), and where a reading between was cut short by a total that
// changed and changed back (compared with the last whole reading, not with nothing); and a server
// that filters after paging, whose total and totalPages agree, is followed through its empty pages.
func TestPaging_steadyRepeatsAndEmptyPagesThatAreTheServers(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		handler  func(calls int64, w http.ResponseWriter, r *http.Request)
		list     func(*Client) iter.Seq2[string, error]
		want     int
		requests int64
	}{
		"repeat alone on the last page": {
			handler: func(_ int64, w http.ResponseWriter, r *http.Request) {
				writeSubjectsPage(w, r, append(subjectNames(200), "s000"), func(n string) string { return n })
			},
			want: 200, requests: 4,
		},
		"a reading cut short between": {
			// Readings of three pages; the total is one more on page 2 of the second and third,
			// which end there: the fourth is the first one's again.
			handler: func(calls int64, w http.ResponseWriter, r *http.Request) {
				names := append(subjectNames(450), "s000")
				if calls == 5 || calls == 7 {
					names = append(names, "zzz")
				}
				writeSubjectsPage(w, r, names, func(n string) string { return n })
			},
			want: 450, requests: 10,
		},
		"filtered after paging": {
			handler: func(_ int64, w http.ResponseWriter, r *http.Request) {
				page, _ := pageArgs(r, 100, 200)
				data := []any{}
				if page == 12 {
					data = append(data, map[string]any{"subject": "client-1", "action": "owner", "scope": "/", "tenant": "t1"})
				}
				writeJSON(w, 200, map[string]any{"page": page, "pageSize": 200, "count": len(data), "data": data, "total": 3000, "totalPages": 15})
			},
			list: func(c *Client) iter.Seq2[string, error] {
				return func(yield func(string, error) bool) {
					for p, err := range c.ListPolicies(context.Background(), PolicyFilter{Subject: "client-1"}) {
						if !yield(p.Subject, err) {
							return
						}
					}
				}
			},
			want: 1, requests: 15,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { tc.handler(calls.Add(1), w, r) })
			list := tc.list
			if list == nil {
				list = func(c *Client) iter.Seq2[string, error] {
					return func(yield func(string, error) bool) {
						for s, err := range c.ListSubjects(context.Background(), SubjectListOptions{Type: "client"}) {
							if !yield(s.SubjectID, err) {
								return
							}
						}
					}
				}
			}
			if n := countAll(t, list(f.client(t))); n != tc.want {
				t.Errorf("%d entries, want %d", n, tc.want)
			}
			if n := calls.Load(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

// A path the caller built from a static access token by mistake (pasted where a client id
// belongs) reaches the paging errors' text, which must not show it.
func TestPaging_errorTextHidesStaticToken(t *testing.T) {
	t.Parallel()
	const token = "tok-Sup3rS3cret-value"
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		// Every page the same, full, of a longer list: the list fails saying so, naming the path.
		items := make([]map[string]any, 100)
		for i := range items {
			items[i] = map[string]any{"clientSecretId": strconv.Itoa(i), "clientId": token}
		}
		writeJSON(w, 200, map[string]any{"items": items, "metadata": map[string]any{"page": 1, "pageSize": 100, "totalCount": 1000}})
	})
	c := f.client(t, func(cfg *Config) { cfg.ClientID, cfg.ClientSecret, cfg.AccessToken = "", "", token })
	var err error
	for _, e := range c.ListClientSecrets(ctxT(t), token) {
		if e != nil {
			err = e
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "repeats page 1") {
		t.Fatalf("err = %v, want the repeated-page error", err)
	}
	if strings.Contains(err.Error(), "S3cret") {
		t.Errorf("the access token is in the error: %v", err)
	}
}
