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

	domain "github.com/oncallkit/oncall/incident"
)

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

	var matched []*incident
	for _, inc := range s.world.incidents {
		switch {
		case len(statuses) > 0 && !slices.Contains(statuses, inc.status),
			len(urgencies) > 0 && !slices.Contains(urgencies, inc.urgency),
			len(serviceIDs) > 0 && !slices.Contains(serviceIDs, inc.service.id),
			len(userIDs) > 0 && !slices.ContainsFunc(inc.assignments, func(a assignment) bool { return slices.Contains(userIDs, a.user.id) }),
			len(teamIDs) > 0 && (inc.policy.team == nil || !slices.Contains(teamIDs, inc.policy.team.id)),
			key != "" && inc.key != key,
			!inRange(inc.createdAt, since, until):
			continue
		}
		matched = append(matched, inc)
	}
	slices.SortStableFunc(matched, less)
	pageItems, meta := paginate(matched, p)
	return http.StatusOK, struct {
		Incidents []wireIncident `json:"incidents"`
		wireListMeta
	}{mapSlice(pageItems, view.render), meta}, nil
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

// incidentUpdate is one element of PUT /incidents, or the body of
// PUT /incidents/{id}.
type incidentUpdate struct {
	ID          string     `json:"id"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	Title       string     `json:"title"`
	Urgency     string     `json:"urgency"`
	Resolution  string     `json:"resolution"`
	Priority    *idRef     `json:"priority"`
	Assignments []struct { //
		Assignee idRef `json:"assignee"`
	} `json:"assignments"`
	EscalationLevel  int    `json:"escalation_level"`
	EscalationPolicy *idRef `json:"escalation_policy"`
}

type idRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// checkUpdate validates u against inc without changing anything, so that a
// bulk update is all or nothing.
func (s *Server) checkUpdate(inc *incident, u incidentUpdate) *apiError {
	if u.Type != "" && u.Type != "incident" && u.Type != "incident_reference" {
		return errInvalid(fmt.Sprintf("Type %q must be incident or incident_reference", u.Type))
	}
	reopen := false
	switch u.Status {
	case "":
	case statusResolved:
		if inc.status == statusResolved {
			return errAlreadyResolved()
		}
	case statusAcknowledged, statusTriggered:
		reopen = inc.status == statusResolved
	default:
		return errInvalid(fmt.Sprintf("Status %q must be acknowledged, triggered or resolved", u.Status))
	}
	if u.Urgency != "" && u.Urgency != urgencyHigh && u.Urgency != urgencyLow {
		return errInvalid("Urgency must be high or low")
	}
	if u.Priority != nil && u.Priority.ID != "" && s.world.dir.priorityByRef(u.Priority.ID) == nil {
		return errInvalid("Priority Not Found")
	}
	reroute := len(u.Assignments) > 0 || u.EscalationLevel != 0 || u.EscalationPolicy != nil
	// Reopening to triggered may name its assignees or policy; anything
	// else that moves a resolved incident is refused.
	if reroute && inc.status == statusResolved && !(reopen && u.Status == statusTriggered && u.EscalationLevel == 0) {
		return errAlreadyResolved()
	}
	if len(u.Assignments) > 0 && (u.EscalationLevel != 0 || u.EscalationPolicy != nil) {
		return errInvalid("Assignments cannot be combined with an escalation level or policy")
	}
	for _, a := range u.Assignments {
		if s.world.dir.userByID(a.Assignee.ID) == nil {
			return errInvalid(fmt.Sprintf("Assignee %q Not Found", a.Assignee.ID))
		}
	}
	pol := inc.policy
	if u.EscalationPolicy != nil {
		pol = nil
		for _, p := range s.world.dir.policies {
			if p.id == u.EscalationPolicy.ID {
				pol = p
			}
		}
		if pol == nil {
			return errInvalid("Escalation Policy Not Found")
		}
	}
	if u.EscalationLevel < 0 || u.EscalationLevel > len(pol.levels) {
		return errInvalid(fmt.Sprintf("Escalation level %d does not exist on escalation policy %s (levels 1 to %d)",
			u.EscalationLevel, pol.name, len(pol.levels)))
	}
	return nil
}

// applyUpdate applies a checked update on behalf of by.
func (s *Server) applyUpdate(inc *incident, u incidentUpdate, by *user, at time.Time) {
	w := s.world
	if inc.status == statusResolved && (u.Status == statusAcknowledged || u.Status == statusTriggered) {
		// PagerDuty's reference, PUT /incidents: setting a resolved incident
		// to triggered or acknowledged reopens it; acknowledged assigns it to
		// the current user, triggered to the assignees or policy given.
		var users []*user
		for _, a := range u.Assignments {
			users = append(users, w.dir.userByID(a.Assignee.ID))
		}
		var pol *policy
		if u.EscalationPolicy != nil {
			pol = w.dir.policyByID(u.EscalationPolicy.ID)
		}
		w.reopen(inc, u.Status, by, users, pol, at)
		s.reopens = append(s.reopens, Reopen{IncidentID: inc.id, Status: u.Status, ByEmail: by.email, At: at})
		u.Status, u.Assignments, u.EscalationPolicy = "", nil, nil
	}
	if u.Title != "" {
		inc.title = u.Title
	}
	if u.Urgency != "" {
		inc.urgency = u.Urgency
	}
	if u.Priority != nil {
		inc.priority = w.dir.priorityByRef(u.Priority.ID) // an empty id clears it
	}
	if u.EscalationPolicy != nil {
		for _, p := range w.dir.policies {
			if p.id == u.EscalationPolicy.ID && p != inc.policy {
				inc.policy = p
				if u.EscalationLevel == 0 {
					u.EscalationLevel = 1
				}
			}
		}
	}
	if len(u.Assignments) > 0 {
		users := make([]*user, 0, len(u.Assignments))
		for _, a := range u.Assignments {
			users = append(users, w.dir.userByID(a.Assignee.ID))
		}
		w.reassign(inc, users, by, at)
	}
	if u.EscalationLevel != 0 {
		w.escalate(inc, u.EscalationLevel, actor{user: by}, chWeb, at)
	}
	switch u.Status {
	case statusAcknowledged:
		w.acknowledge(inc, by, chWeb, at)
	case statusTriggered:
		w.unacknowledge(inc, by, at)
	case statusResolved:
		if inc.status != statusResolved && strings.TrimSpace(u.Resolution) != "" {
			w.addNote(inc, by, u.Resolution, chWeb, at)
		}
		w.resolve(inc, actor{user: by}, chWeb, at)
	}
	if at.After(inc.updatedAt) {
		inc.updatedAt = at
	}
}

// maxManage is how many incidents one PUT /incidents may update; more is
// a 413, as the reference says.
const maxManage = 250

// PUT /incidents
func (s *Server) manageIncidents(c *call) (int, any, *apiError) {
	var body struct {
		Incidents []incidentUpdate `json:"incidents"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if len(body.Incidents) == 0 {
		return 0, nil, errInvalid("Incidents must not be empty")
	}
	if len(body.Incidents) > maxManage {
		return 0, nil, errTooMany(len(body.Incidents))
	}
	p, err := parsePage(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	incs := make([]*incident, len(body.Incidents))
	for i, u := range body.Incidents {
		if incs[i] = s.world.byID[u.ID]; incs[i] == nil {
			return 0, nil, errNotFound(fmt.Sprintf("Incident %q Not Found", u.ID))
		}
		if err := s.checkUpdate(incs[i], u); err != nil {
			return 0, nil, err
		}
	}
	for i, u := range body.Incidents {
		s.applyUpdate(incs[i], u, c.from, c.now)
	}
	_, meta := paginate(incs, page{limit: max(p.limit, len(incs)), total: p.total})
	return http.StatusOK, struct {
		Incidents []wireIncident `json:"incidents"`
		wireListMeta
	}{mapSlice(incs, toWireIncident), meta}, nil
}

// PUT /incidents/{id}
func (s *Server) updateIncident(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Incident *incidentUpdate `json:"incident"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Incident == nil {
		return 0, nil, errInvalid("Incident is required")
	}
	if err := s.checkUpdate(inc, *body.Incident); err != nil {
		return 0, nil, err
	}
	s.applyUpdate(inc, *body.Incident, c.from, c.now)
	return http.StatusOK, map[string]any{"incident": toWireIncident(inc)}, nil
}

// GET /incidents/{id}/log_entries: newest first.
func (s *Server) listLogEntries(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	since, until, err := parseRange(q)
	if err != nil {
		return 0, nil, err
	}
	if _, err := includes(q, "incidents", "services", "channels", "teams"); err != nil {
		return 0, nil, err
	}
	// The reference: "Time zone in which results will be rendered. This
	// will default to the account time zone."
	zone, err := timeZone(q, s.zone)
	if err != nil {
		return 0, nil, err
	}
	overview := q.Get("is_overview") == "true"
	var entries []*logEntry
	for _, e := range inc.log {
		if s.sinceExcl && !since.IsZero() && e.at.Equal(since) {
			continue
		}
		if inRange(e.at, since, until) && !(overview && e.typ == logNotify) {
			entries = append(entries, e)
		}
	}
	slices.SortStableFunc(entries, func(a, b *logEntry) int {
		return cmp.Or(b.at.Compare(a.at), cmp.Compare(b.seq, a.seq))
	})
	pageItems, meta := paginate(entries, p)
	return http.StatusOK, struct {
		LogEntries []wireLogEntry `json:"log_entries"`
		wireListMeta
	}{mapSlice(pageItems, func(e *logEntry) wireLogEntry { return toWireLogEntry(inc, e, zone) }), meta}, nil
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
	pageItems, meta := paginate(alerts, p)
	return http.StatusOK, struct {
		Alerts []wireAlert `json:"alerts"`
		wireListMeta
	}{mapSlice(pageItems, func(a *alert) wireAlert { return toWireAlert(inc, a) }), meta}, nil
}

// GET /incidents/{id}/notes: oldest first, not paginated.
func (s *Server) listNotes(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"notes": mapSlice(inc.notes, func(n *note) wireNote { return toWireNote(n, s.zone) })}, nil
}

// maxNoteLen bounds a note's content. PagerDuty's reference documents no
// limit; the simulator enforces the one oncall's vocabulary defines
// (incident.NoteLimit, with its rationale there), so a client that checks
// it is proved against a server that refuses past it (docs/pdsim.md).
const maxNoteLen = domain.NoteLimit

// maxNotes is how many notes an incident may have: "A maximum of 2000
// notes can be added to an incident" (POST /incidents/{id}/notes).
const maxNotes = 2000

// POST /incidents/{id}/notes
func (s *Server) createNote(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Note *struct {
			Content string `json:"content"`
		} `json:"note"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	switch {
	case body.Note == nil:
		return 0, nil, errInvalid("Note is required")
	case strings.TrimSpace(body.Note.Content) == "":
		return 0, nil, errInvalid("Content cannot be empty")
	case len([]rune(body.Note.Content)) > maxNoteLen:
		return 0, nil, errInvalid(fmt.Sprintf("Content is too long (maximum is %d characters)", maxNoteLen))
	case len(inc.notes) >= maxNotes:
		return 0, nil, errInvalid(fmt.Sprintf("An incident can have at most %d notes", maxNotes))
	}
	n := s.world.addNote(inc, c.from, body.Note.Content, chWeb, c.now)
	return http.StatusOK, map[string]any{"note": toWireNote(n, s.zone)}, nil
}

// maxSnooze is the longest snooze PagerDuty accepts: a week, in seconds.
const maxSnooze = 7 * 24 * 60 * 60

// POST /incidents/{id}/snooze
func (s *Server) snoozeIncident(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Duration *int64 `json:"duration"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.Duration == nil || *body.Duration < 1 || *body.Duration > maxSnooze {
		return 0, nil, errInvalid(fmt.Sprintf("Duration must be between 1 and %d seconds", maxSnooze))
	}
	if err := s.world.snooze(inc, c.from, time.Duration(*body.Duration)*time.Second, c.now); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, map[string]any{"incident": toWireIncident(inc)}, nil
}

// GET /users/me: the token's user. An account token belongs to no user,
// and PagerDuty answers 400.
func (s *Server) currentUser(c *call) (int, any, *apiError) {
	if c.account || c.me == nil {
		return 0, nil, errInvalid("The /users/me endpoint needs a user-level API token or an OAuth token; an account-level token has no user")
	}
	return http.StatusOK, map[string]any{"user": toWireUser(c.me)}, nil
}

// GET /users/{id}
func (s *Server) getUser(c *call) (int, any, *apiError) {
	u := s.world.dir.userByID(c.r.PathValue("id"))
	if u == nil {
		return 0, nil, errNotFound("User Not Found")
	}
	return http.StatusOK, map[string]any{"user": toWireUser(u)}, nil
}

// matchQuery reports whether any of fields contains the query parameter,
// ignoring case, as PagerDuty's query filter does.
func matchQuery(query string, fields ...string) bool {
	query = strings.ToLower(strings.TrimSpace(query))
	if query == "" {
		return true
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), query) {
			return true
		}
	}
	return false
}

// GET /users
func (s *Server) listUsers(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	var users []*user
	for _, u := range s.world.dir.users {
		if matchQuery(q.Get("query"), u.name, u.email) {
			users = append(users, u)
		}
	}
	pageItems, meta := paginate(users, p)
	return http.StatusOK, struct {
		Users []wireUser `json:"users"`
		wireListMeta
	}{mapSlice(pageItems, toWireUser), meta}, nil
}

// GET /services
func (s *Server) listServices(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	var services []*service
	for _, sv := range s.world.dir.services {
		if matchQuery(q.Get("query"), sv.name) {
			services = append(services, sv)
		}
	}
	pageItems, meta := paginate(services, p)
	return http.StatusOK, struct {
		Services []wireService `json:"services"`
		wireListMeta
	}{mapSlice(pageItems, func(sv *service) wireService { return toWireService(s.world, sv) }), meta}, nil
}

// GET /escalation_policies
func (s *Server) listPolicies(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	userIDs := multi(q, "user_ids")
	var policies []*policy
	for _, pol := range s.world.dir.policies {
		if !matchQuery(q.Get("query"), pol.name) {
			continue
		}
		if len(userIDs) > 0 && !slices.ContainsFunc(slices.Concat(pol.levels...), func(u *user) bool { return slices.Contains(userIDs, u.id) }) {
			continue
		}
		policies = append(policies, pol)
	}
	pageItems, meta := paginate(policies, p)
	return http.StatusOK, struct {
		EscalationPolicies []wirePolicy `json:"escalation_policies"`
		wireListMeta
	}{mapSlice(pageItems, toWirePolicy), meta}, nil
}

// GET /priorities
func (s *Server) listPriorities(c *call) (int, any, *apiError) {
	p, err := parsePage(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	pageItems, meta := paginate(s.world.dir.priorities, p)
	return http.StatusOK, struct {
		Priorities []wirePriority `json:"priorities"`
		wireListMeta
	}{mapSlice(pageItems, toWirePriority), meta}, nil
}

// GET /teams
func (s *Server) listTeams(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	var teams []*team
	for _, t := range s.world.dir.teams {
		if matchQuery(q.Get("query"), t.name) {
			teams = append(teams, t)
		}
	}
	pageItems, meta := paginate(teams, p)
	return http.StatusOK, struct {
		Teams []wireTeam `json:"teams"`
		wireListMeta
	}{mapSlice(pageItems, toWireTeam), meta}, nil
}

// maxStatusUpdateLen bounds a status update's message, as a note's is.
const maxStatusUpdateLen = maxNoteLen

// POST /incidents/{id}/status_updates
func (s *Server) createStatusUpdate(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Message     *string `json:"message"`
		Subject     string  `json:"subject"`
		HTMLMessage string  `json:"html_message"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	switch {
	case body.Message == nil || strings.TrimSpace(*body.Message) == "":
		return 0, nil, errInvalid("Message cannot be empty")
	case len([]rune(*body.Message)) > maxStatusUpdateLen:
		return 0, nil, errInvalid(fmt.Sprintf("Message is too long (maximum is %d characters)", maxStatusUpdateLen))
	case (body.Subject == "") != (body.HTMLMessage == ""):
		return 0, nil, errInvalid("Subject and html_message must be given together")
	}
	u := s.world.addStatusUpdate(inc, c.from, *body.Message, body.Subject, body.HTMLMessage, c.now)
	return http.StatusOK, map[string]any{"status_update": toWireStatusUpdate(u)}, nil
}

// POST /incidents/{id}/responder_requests. PagerDuty's reference names no
// From header here: the requester is requester_id.
func (s *Server) createResponderRequest(c *call) (int, any, *apiError) {
	inc, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		RequesterID *string `json:"requester_id"`
		Message     *string `json:"message"`
		Targets     []struct {
			Target *idRef `json:"responder_request_target"`
		} `json:"responder_request_targets"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if body.RequesterID == nil || *body.RequesterID == "" {
		return 0, nil, errInvalid("Requester ID is required")
	}
	requester := s.world.dir.userByID(*body.RequesterID)
	if requester == nil {
		return 0, nil, errInvalid("Requester User Not Found")
	}
	if body.Message == nil || strings.TrimSpace(*body.Message) == "" {
		return 0, nil, errInvalid("Message cannot be empty")
	}
	if len(body.Targets) == 0 {
		return 0, nil, errInvalid("Responder request targets must not be empty")
	}
	if inc.status == statusResolved {
		return 0, nil, errAlreadyResolved()
	}
	var targets []responderTarget
	for _, t := range body.Targets {
		if t.Target == nil {
			return 0, nil, errInvalid("Each target must be a responder_request_target")
		}
		switch t.Target.Type {
		case "user", "user_reference":
			u := s.world.dir.userByID(t.Target.ID)
			if u == nil {
				return 0, nil, errInvalid(fmt.Sprintf("User %q Not Found", t.Target.ID))
			}
			targets = append(targets, responderTarget{user: u})
		case "escalation_policy", "escalation_policy_reference":
			p := s.world.dir.policyByID(t.Target.ID)
			if p == nil {
				return 0, nil, errInvalid(fmt.Sprintf("Escalation Policy %q Not Found", t.Target.ID))
			}
			targets = append(targets, responderTarget{policy: p})
		default:
			return 0, nil, errInvalid(fmt.Sprintf("Target type %q must be user_reference or escalation_policy_reference", t.Target.Type))
		}
	}
	rr := s.world.requestResponders(inc, requester, *body.Message, targets, c.now)
	return http.StatusOK, map[string]any{"responder_request": toWireResponderRequest(inc, rr)}, nil
}
