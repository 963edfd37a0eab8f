package pdsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Classic pagination, as PagerDuty does it: limit (default 25, at most
// 100: more is a 400), offset, total=true for a count, and offset+limit capped at 10,000.
const (
	defaultLimit = 25
	maxLimit     = 100
)

type page struct {
	limit, offset int
	total         bool
}

func parsePage(q url.Values) (page, *apiError) {
	p := page{limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, errInvalid("Limit must be a non-negative integer")
		}
		if n > maxLimit {
			return p, errInvalid(fmt.Sprintf("Limit must be at most %d", maxLimit))
		}
		if n > 0 {
			p.limit = n
		}
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, errInvalid("Offset must be a non-negative integer")
		}
		p.offset = n
	}
	if p.offset+p.limit > maxOffsetPlusLimit {
		return p, errOffsetTooLarge()
	}
	switch strings.ToLower(q.Get("total")) {
	case "", "false":
	case "true":
		p.total = true
	default:
		return p, errInvalid("Total must be true or false")
	}
	return p, nil
}

// paginate cuts one page out of items and describes it.
func paginate[T any](items []T, p page) ([]T, wireListMeta) {
	meta := wireListMeta{Limit: p.limit, Offset: p.offset}
	if p.total {
		n := len(items)
		meta.Total = &n
	}
	if p.offset >= len(items) {
		return []T{}, meta
	}
	end := min(p.offset+p.limit, len(items))
	meta.More = end < len(items)
	return items[p.offset:end], meta
}

// sortTotal sorts s by cmp, a total order (no two items equal), as
// slices.SortFunc would. Every page of a listing sorts the whole matching
// set again, and the set is usually in order already, oldest first, while
// the answer wants it newest first: a check and a reverse, O(n), then
// spare the O(n log n) sort. Under a total order the reverse of a
// descending sequence is the one ascending order there is.
func sortTotal[T any](s []T, cmp func(a, b T) int) {
	switch {
	case slices.IsSortedFunc(s, cmp):
	case slices.IsSortedFunc(s, func(a, b T) int { return cmp(b, a) }):
		slices.Reverse(s)
	default:
		slices.SortFunc(s, cmp)
	}
}

// listed answers a list route with the page p of items, each in its wire
// form, under the collection's name key: {"users": [...], "limit": 25,
// "offset": 0, "more": false, "total": null}, as every PagerDuty list
// answers.
func listed[T, W any](key string, p page, items []T, wire func(T) W) (int, any, *apiError) {
	pageItems, meta := paginate(items, p)
	return http.StatusOK, listBody[W]{key, mapSlice(pageItems, wire), meta}, nil
}

// identity is the wire form of what is already in its wire form.
func identity[T any](v T) T { return v }

// listBody is one page of a list answer; its collection's name varies by
// route, so it writes its own JSON.
type listBody[W any] struct {
	key   string
	items []W
	meta  wireListMeta
}

func (b listBody[W]) MarshalJSON() ([]byte, error) {
	items, err := json.Marshal(b.items)
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(b.meta)
	if err != nil {
		return nil, err
	}
	key, _ := json.Marshal(b.key)
	out := make([]byte, 0, len(key)+len(items)+len(meta)+3)
	out = append(append(append(append(out, '{'), key...), ':'), items...)
	return append(append(out, ','), meta[1:]...), nil
}

// multi returns the values of an array parameter, accepting both
// PagerDuty's "name[]" spelling and a plain "name".
func multi(q url.Values, name string) []string {
	var out []string
	for _, v := range append(q[name+"[]"], q[name]...) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseTimeParam reads since/until: RFC 3339 (any offset) or a plain date.
func parseTimeParam(q url.Values, name string) (time.Time, *apiError) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errInvalid(strings.ToUpper(name[:1]) + name[1:] + " is not a valid date-time")
}

// parseRange reads since and until; since is inclusive, until exclusive.
func parseRange(q url.Values) (since, until time.Time, err *apiError) {
	if since, err = parseTimeParam(q, "since"); err != nil {
		return
	}
	if until, err = parseTimeParam(q, "until"); err != nil {
		return
	}
	if !since.IsZero() && !until.IsZero() && until.Before(since) {
		err = errInvalid("Until must be after since")
	}
	return
}

func inRange(t, since, until time.Time) bool {
	return (since.IsZero() || !t.Before(since)) && (until.IsZero() || t.Before(until))
}

// includes reads include[] and refuses a value the endpoint does not list
// in PagerDuty's reference.
func includes(q url.Values, allowed ...string) ([]string, *apiError) {
	vals := multi(q, "include")
	for _, v := range vals {
		if !slices.Contains(allowed, v) {
			return nil, errInvalid(fmt.Sprintf("Include %q is not one of %s", v, strings.Join(allowed, ", ")))
		}
	}
	return vals, nil
}

// timeZone reads time_zone (an IANA name); empty means def.
func timeZone(q url.Values, def *time.Location) (*time.Location, *apiError) {
	name := strings.TrimSpace(q.Get("time_zone"))
	if name == "" {
		return def, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, errInvalid(fmt.Sprintf("Time zone %q is not a known time zone", name))
	}
	return loc, nil
}

// Date windows of GET /incidents, from its reference: since and until
// default to a range of one month, and a range may be at most six months.
const (
	defaultWindowMonths = 1
	maxWindowMonths     = 6
)

// incidentWindow applies GET /incidents' date rules: no since and until
// means the month up to now; one alone spans a month from (or to) it; a
// range longer than six months is refused.
func incidentWindow(q url.Values, now time.Time) (since, until time.Time, err *apiError) {
	if since, until, err = parseRange(q); err != nil {
		return
	}
	switch {
	case since.IsZero() && until.IsZero():
		since, until = now.AddDate(0, -defaultWindowMonths, 0), now.Add(time.Second)
	case since.IsZero():
		since = until.AddDate(0, -defaultWindowMonths, 0)
	case until.IsZero():
		until = now.Add(time.Second) // until is exclusive; what happened this second is in
	}
	if since.AddDate(0, maxWindowMonths, 0).Before(until) {
		err = errInvalid(fmt.Sprintf("The date range from %s to %s is longer than %d months: narrow since and until, or use date_range=all",
			fmtTime(since), fmtTime(until), maxWindowMonths))
	}
	return
}
