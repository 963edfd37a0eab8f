package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
)

// An incident on the command line is named the way a responder sees it:
// by PagerDuty id (PT4KHLK), or by the number the TUI and PagerDuty's web
// UI show (1045, or #1045).

// maxIDLen bounds what is taken for an id. PagerDuty's reference shows
// incident ids of 6, 7 and 14 characters (PD1234, PT4KHLK,
// Q2LAR4ADCXC8IB) and promises no length, so the check is lenient on
// length and strict on the alphabet.
const maxIDLen = 64

// incidentRef is an incident as typed: an id, or a number to look up.
type incidentRef struct {
	id     string
	number int
}

func (r incidentRef) String() string {
	if r.id != "" {
		return r.id
	}
	return "#" + strconv.Itoa(r.number)
}

// errBadRef is wrapped by every refusal of what was typed for an incident.
var errBadRef = errors.New("not an incident id or number")

// parseIncidentRef reads an incident argument. It refuses, as a usage
// error, anything that is neither an id of upper-case letters and digits
// nor a positive number, before anything is journaled or sent: a bad id
// would otherwise wait in the outbox until PagerDuty refused it.
func parseIncidentRef(s string) (incidentRef, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return incidentRef{}, usageError{fmt.Errorf("the incident is empty: give its PagerDuty id (PT4KHLK) or number (1045 or #1045): %w", errBadRef)}
	}
	if digits, ok := strings.CutPrefix(s, "#"); ok || strings.Trim(s, "0123456789") == "" {
		n, err := strconv.Atoi(digits)
		if !isDigits(digits) || err != nil || n < 1 {
			return incidentRef{}, usageError{fmt.Errorf("%s: an incident number is a whole number from 1, like 1045 or #1045: %w", quoteArg(s), errBadRef)}
		}
		return incidentRef{number: n}, nil
	}
	if len(s) > maxIDLen {
		return incidentRef{}, usageError{fmt.Errorf("%s is too long for a PagerDuty id (at most %d characters): %w", quoteArg(s), maxIDLen, errBadRef)}
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			hint := ""
			if up := strings.ToUpper(s); up != s && validID(up) {
				hint = " (did you mean " + up + "?)"
			}
			return incidentRef{}, usageError{fmt.Errorf("%s is not a PagerDuty incident id: ids are upper-case letters and digits, like PT4KHLK%s: %w", quoteArg(s), hint, errBadRef)}
		}
	}
	return incidentRef{id: s}, nil
}

// quoteArg shows what was typed in an error: quoted, with anything that
// is not printable ASCII escaped (so an escape sequence or a bidi override
// shows as what it is, not as the id it imitates), and short.
func quoteArg(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%+q…", s[:24])
	}
	return fmt.Sprintf("%+q", s)
}

func validID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" || len(s) > 10 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// incidentCache is the journal's cached incident list; *store.Store has it.
type incidentCache interface {
	Incidents() ([]incident.Incident, time.Time, error)
}

// cachedList is a cached list already read, as an incidentCache.
type cachedList []incident.Incident

func (l cachedList) Incidents() ([]incident.Incident, time.Time, error) { return l, time.Time{}, nil }

// incidentGetter asks PagerDuty for one incident; *pagerduty.Client has it.
type incidentGetter interface {
	Get(ctx context.Context, id string) (incident.Incident, error)
}

// resolveIncident turns what was typed into a PagerDuty id. An id is
// taken as it is (it may name an incident this machine has never seen,
// and the journal must work offline). A number is looked up in the
// journal's cached list first, then on PagerDuty, whose GET
// /incidents/{id} takes an incident number as well as an id (as its
// reference documents). Either of cache and src may be nil.
//
// A number nobody knows is a usage error naming the number; a number that
// could not be looked up (PagerDuty unreachable, not cached) wraps the
// lookup's error, so the exit code says what failed.
func resolveIncident(ctx context.Context, typed string, cache incidentCache, src incidentGetter) (string, error) {
	ref, err := parseIncidentRef(typed)
	if err != nil {
		return "", err
	}
	return ref.resolve(ctx, cache, src)
}

func (r incidentRef) resolve(ctx context.Context, cache incidentCache, src incidentGetter) (string, error) {
	if r.id != "" {
		return r.id, nil
	}
	if cache != nil {
		// The cache is a head start, not the authority: unreadable means
		// asking PagerDuty.
		if list, _, err := cache.Incidents(); err == nil {
			for _, in := range list {
				if in.Number == r.number && validID(in.ID) {
					return in.ID, nil
				}
			}
		}
	}
	if src == nil {
		return "", usageError{fmt.Errorf("incident #%d is not in this machine's cached list, and PagerDuty was not asked: use its PagerDuty id", r.number)}
	}
	in, err := src.Get(ctx, strconv.Itoa(r.number))
	switch {
	case errors.Is(err, incident.ErrNotFound):
		return "", usageError{fmt.Errorf("no incident #%d: not in this machine's cached list, and PagerDuty has no incident with that number", r.number)}
	case err != nil:
		return "", fmt.Errorf("look up incident #%d (not in this machine's cached list): %w", r.number, err)
	case in.Number != r.number || !validID(in.ID):
		// Only a server that ignored the number could answer this.
		return "", fmt.Errorf("look up incident #%d: PagerDuty answered with incident %s #%d instead", r.number, incident.Clean(in.ID), in.Number)
	}
	return in.ID, nil
}

// completeIncidents offers the incidents of the journal's cached list for
// an incident argument: ids, with the number and title as descriptions.
// It reads only the local cache, so it is instant and works offline; with
// no journal it offers nothing.
func completeIncidents(f *factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		j, err := f.ReadJournal()
		if err != nil || j == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer j.Close()
		list, _, err := j.Incidents()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, in := range list {
			if !validID(in.ID) {
				continue
			}
			desc := fmt.Sprintf("#%d %s", in.Number, incident.Clean(in.Title))
			for _, c := range []string{in.ID, strconv.Itoa(in.Number)} {
				if strings.HasPrefix(c, toComplete) {
					out = append(out, cobra.CompletionWithDesc(c, desc))
				}
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
