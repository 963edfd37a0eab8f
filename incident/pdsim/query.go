package pdsim

import (
	"fmt"
	"net/url"
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
