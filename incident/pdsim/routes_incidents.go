package pdsim

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the incident reads: GET /incidents (filters, include[],
// sort_by), GET /incidents/{id}, and an incident's log entries, alerts and
// notes, with the lookups the incident routes share.

// incidentByPath finds the incident named by the {id} path segment.
func (s *Server) incidentByPath(c *call) (*incident, *apiError) {
	id := c.r.PathValue("id")
	inc := s.world.byID[id]
	if inc == nil {
		return nil, errNotFound("Incident Not Found")
	}
	return inc, nil
}

// incidentByNumber finds an incident by its number given as digits; nil
// when there is none.
func (s *Server) incidentByNumber(digits string) *incident {
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || strconv.Itoa(n) != digits {
		return nil
	}
	for _, inc := range s.world.incidents {
		if inc.number == n {
			return inc
		}
	}
	return nil
}

func oneOf(values []string, allowed ...string) bool {
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
}

// GET /incidents
func (s *Server) listIncidents(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	statuses := multi(q, "statuses")
	if !oneOf(statuses, statusTriggered, statusAcknowledged, statusResolved) {
		return 0, nil, errInvalid("Statuses must be triggered, acknowledged or resolved")
	}
	urgencies := multi(q, "urgencies")
	if !oneOf(urgencies, urgencyHigh, urgencyLow) {
		return 0, nil, errInvalid("Urgencies must be high or low")
	}
	serviceIDs, userIDs, teamIDs := multi(q, "service_ids"), multi(q, "user_ids"), multi(q, "team_ids")
	key := q.Get("incident_key")
	var since, until time.Time
	switch q.Get("date_range") {
	case "all":
	case "":
		if since, until, err = incidentWindow(q, c.now); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, errInvalid("Date range must be all")
	}
	view, err := incidentViewOf(q, nil)
	if err != nil {
		return 0, nil, err
	}
	less, err := incidentOrder(multi(q, "sort_by"))
	if err != nil {
		return 0, nil, err
	}

	matched := make([]*incident, 0, len(s.world.incidents))
	for _, inc := range s.world.incidents {
		switch {
		case len(statuses) > 0 && !slices.Contains(statuses, inc.status),
			len(urgencies) > 0 && !slices.Contains(urgencies, inc.urgency),
			len(serviceIDs) > 0 && !slices.Contains(serviceIDs, inc.service.id),
			len(userIDs) > 0 && !slices.ContainsFunc(inc.assignments, func(a assignment) bool { return slices.Contains(userIDs, a.user.id) }),
			len(teamIDs) > 0 && (inc.policy.team == nil || !slices.Contains(teamIDs, inc.policy.team.id)),
			key != "" && inc.key != key && !slices.ContainsFunc(inc.alerts, func(a *alert) bool { return a.key == key }),
			!inRange(inc.createdAt, since, until):
			continue
		}
		matched = append(matched, inc)
	}
	sortTotal(matched, less)
	return listed("incidents", p, matched, view.render)
}

// incidentIncludes are the include[] values GET /incidents and GET
// /incidents/{id} accept, from PagerDuty's reference. Only
// conference_bridge changes the answer; docs/pdsim.md lists the others as
// a difference.
var incidentIncludes = []string{"acknowledgers", "agents", "assignees", "conference_bridge", "custom_fields",
	"escalation_policies", "first_trigger_log_entries", "priorities", "services", "teams", "users"}

// incidentViewOf reads include[] and time_zone for an incident answer;
// incidents render in UTC unless time_zone says otherwise.
func incidentViewOf(q url.Values, def *time.Location) (incidentView, *apiError) {
	inc, err := includes(q, incidentIncludes...)
	if err != nil {
		return incidentView{}, err
	}
	zone, err := timeZone(q, def)
	if err != nil {
		return incidentView{}, err
	}
	return incidentView{bridge: slices.Contains(inc, "conference_bridge"), zone: zone}, nil
}

// incidentOrder parses sort_by: up to two of incident_number, created_at,
// resolved_at, urgency, each optionally :asc or :desc. The default is
// oldest first.
func incidentOrder(fields []string) (func(a, b *incident) int, *apiError) {
	var parts []string
	for _, f := range fields {
		parts = append(parts, strings.Split(f, ",")...)
	}
	if len(parts) > 2 {
		return nil, errInvalid("Sort by accepts at most two fields")
	}
	type key struct {
		cmp  func(a, b *incident) int
		desc bool
	}
	var keys []key
	for _, part := range parts {
		name, dir, _ := strings.Cut(strings.TrimSpace(part), ":")
		k := key{desc: dir == "desc"}
		if dir != "" && dir != "asc" && dir != "desc" {
			return nil, errInvalid(fmt.Sprintf("Sort by %q: direction must be asc or desc", part))
		}
		switch name {
		case "created_at":
			k.cmp = func(a, b *incident) int { return a.createdAt.Compare(b.createdAt) }
		case "resolved_at":
			k.cmp = func(a, b *incident) int { return a.resolvedAt.Compare(b.resolvedAt) }
		case "incident_number":
			k.cmp = func(a, b *incident) int { return cmp.Compare(a.number, b.number) }
		case "urgency":
			k.cmp = func(a, b *incident) int { return cmp.Compare(a.urgency, b.urgency) } // "high" < "low"
		default:
			return nil, errInvalid(fmt.Sprintf("Sort by %q is not supported: use incident_number, created_at, resolved_at or urgency", name))
		}
		keys = append(keys, k)
	}
	return func(a, b *incident) int {
		for _, k := range keys {
			c := k.cmp(a, b)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		// Ties: oldest first, then by number; with a leading desc key, newest first.
		c := cmp.Or(a.createdAt.Compare(b.createdAt), cmp.Compare(a.number, b.number))
		if len(keys) > 0 && keys[0].desc {
			c = -c
		}
		return c
	}, nil
}

// GET /incidents/{id}
func (s *Server) getIncident(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		// The reference: this route "accepts either an incident id, or an
		// incident number"; the other {id} routes document the id only.
		inc = s.incidentByNumber(c.r.PathValue("id"))
		if inc == nil {
			return 0, nil, err
		}
	}
	view, err := incidentViewOf(c.r.URL.Query(), nil)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"incident": view.render(inc)}, nil
}

// logQuery is what both log-entry routes read from the query string.
type logQuery struct {
	page         page
	since, until time.Time
	zone         *time.Location
	overview     bool
}

// parseLogQuery reads paging, since/until, include[], time_zone and
// is_overview the way both log-entry routes take them. The reference on
// time_zone: "Time zone in which results will be rendered. This will
// default to the account time zone."
func (s *Server) parseLogQuery(q url.Values) (logQuery, *apiError) {
	var lq logQuery
	var err *apiError
	if lq.page, err = parsePage(q); err != nil {
		return lq, err
	}
	if lq.since, lq.until, err = parseRange(q); err != nil {
		return lq, err
	}
	if _, err := includes(q, "incidents", "services", "channels", "teams"); err != nil {
		return lq, err
	}
	if lq.zone, err = timeZone(q, s.zone); err != nil {
		return lq, err
	}
	lq.overview = q.Get("is_overview") == "true"
	return lq, nil
}

// keeps reports whether the query selects e.
func (s *Server) keeps(lq logQuery, e *logEntry) bool {
	if s.sinceExcl && !lq.since.IsZero() && e.at.Equal(lq.since) {
		return false
	}
	return inRange(e.at, lq.since, lq.until) && !(lq.overview && e.typ == logNotify)
}

// GET /incidents/{id}/log_entries: newest first.
func (s *Server) listLogEntries(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	lq, err := s.parseLogQuery(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	entries := make([]*logEntry, 0, len(inc.log))
	for _, e := range inc.log {
		if s.keeps(lq, e) {
			entries = append(entries, e)
		}
	}
	sortTotal(entries, func(a, b *logEntry) int { // seq is unique: a total order
		return cmp.Or(b.at.Compare(a.at), cmp.Compare(b.seq, a.seq))
	})
	return listed("log_entries", lq.page, entries, func(e *logEntry) wireLogEntry { return toWireLogEntry(inc, e, lq.zone) })
}

// GET /incidents/{id}/alerts: oldest first unless sort_by says otherwise.
func (s *Server) listAlerts(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	statuses := multi(q, "statuses")
	if !oneOf(statuses, statusTriggered, statusResolved) {
		return 0, nil, errInvalid("Statuses must be triggered or resolved")
	}
	desc := false
	switch sortBy := q.Get("sort_by"); sortBy {
	case "", "created_at", "created_at:asc":
	case "created_at:desc":
		desc = true
	default:
		return 0, nil, errInvalid(fmt.Sprintf("Sort by %q is not supported", sortBy))
	}
	key := q.Get("alert_key")
	var alerts []*alert
	for _, a := range inc.alerts {
		if (len(statuses) == 0 || slices.Contains(statuses, a.status)) && (key == "" || a.key == key) {
			alerts = append(alerts, a)
		}
	}
	if desc {
		slices.Reverse(alerts)
	}
	return listed("alerts", p, alerts, func(a *alert) wireAlert { return toWireAlert(inc, a) })
}

// GET /incidents/{id}/notes: oldest first, not paginated.
func (s *Server) listNotes(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"notes": mapSlice(inc.notes, func(n *note) wireNote { return toWireNote(n, s.zone) })}, nil
}
