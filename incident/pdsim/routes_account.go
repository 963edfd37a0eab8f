package pdsim

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
)

// Account routes that common clients call at start-up, in the shapes of
// PagerDuty's reference: one team, its members, one escalation policy, one
// service, who is on call, and the account-wide log.

// GET /teams/{id}
func (s *Server) getTeam(c *call) (int, any, *apiError) {
	if _, err := includes(c.r.URL.Query(), "privileges"); err != nil {
		return 0, nil, err
	}
	t := s.teamByID(c.r.PathValue("id"))
	if t == nil {
		return 0, nil, errNotFound("Team Not Found")
	}
	return http.StatusOK, map[string]any{"team": toWireTeam(t)}, nil
}

func (s *Server) teamByID(id string) *team {
	for _, t := range s.world.dir.teams {
		if t.id == id {
			return t
		}
	}
	return nil
}

// wireMember is one element of GET /teams/{id}/members. The role is the
// member's role on the team (UserRole: observer, responder or manager),
// not the account role of GET /users.
type wireMember struct {
	User ref    `json:"user"`
	Role string `json:"role"`
}

// teamRole is a member's role on a team: the engineering manager manages
// the teams they back up; everyone else responds.
func teamRole(u *user) string {
	if strings.HasPrefix(u.jobTitle, "Engineering Manager") {
		return "manager"
	}
	return "responder"
}

// GET /teams/{id}/members: the users on the team's escalation policy, in
// directory order.
func (s *Server) listTeamMembers(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	if _, err := includes(q, "users"); err != nil {
		return 0, nil, err
	}
	t := s.teamByID(c.r.PathValue("id"))
	if t == nil {
		return 0, nil, errNotFound("Team Not Found")
	}
	var members []wireMember
	for _, u := range s.world.dir.users {
		if slices.Contains(u.teams, t) {
			members = append(members, wireMember{User: userRef(u), Role: teamRole(u)})
		}
	}
	return listed("members", p, members, identity)
}

// GET /escalation_policies/{id}
func (s *Server) getPolicy(c *call) (int, any, *apiError) {
	if _, err := includes(c.r.URL.Query(), "services", "teams", "targets", "escalation_rule_assignment_strategies"); err != nil {
		return 0, nil, err
	}
	p := s.world.dir.policyByID(c.r.PathValue("id"))
	if p == nil {
		return 0, nil, errNotFound("Escalation Policy Not Found")
	}
	return http.StatusOK, map[string]any{"escalation_policy": toWirePolicy(p)}, nil
}

// GET /services/{id}. The id must be the service's id; unlike the
// simulator's Go API, the REST API does not look services up by name.
func (s *Server) getService(c *call) (int, any, *apiError) {
	if _, err := includes(c.r.URL.Query(), "escalation_policies", "teams", "auto_pause_notifications_parameters", "integrations"); err != nil {
		return 0, nil, err
	}
	id := c.r.PathValue("id")
	sv := s.world.dir.serviceByRef(id)
	if sv == nil || sv.id != id {
		return 0, nil, errNotFound("Service Not Found")
	}
	return http.StatusOK, map[string]any{"service": toWireService(s.world, sv)}, nil
}

// wireOncall is one on-call. Every escalation rule in the simulated
// account targets users directly, which PagerDuty reports as a permanent
// on-call: no schedule, no start and no end (null, as the descriptions of
// Oncall's start and end say).
type wireOncall struct {
	EscalationPolicy ref     `json:"escalation_policy"`
	EscalationLevel  int     `json:"escalation_level"`
	Schedule         *ref    `json:"schedule"`
	User             ref     `json:"user"`
	Start            *string `json:"start"`
	End              *string `json:"end"`
}

// GET /oncalls: by escalation policy, then level, then the level's order.
func (s *Server) listOncalls(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return 0, nil, err
	}
	if _, err := includes(q, "escalation_policies", "users", "schedules"); err != nil {
		return 0, nil, err
	}
	if _, err := timeZone(q, s.zone); err != nil {
		return 0, nil, err
	}
	// A permanent on-call overlaps every range, so since and until only
	// need to be valid; earliest changes nothing for the same reason.
	if _, _, err := parseRange(q); err != nil {
		return 0, nil, err
	}
	switch strings.ToLower(q.Get("earliest")) {
	case "", "true", "false":
	default:
		return 0, nil, errInvalid("Earliest must be true or false")
	}
	userIDs, policyIDs, scheduleIDs := multi(q, "user_ids"), multi(q, "escalation_policy_ids"), multi(q, "schedule_ids")
	// schedule_ids[] filters by schedule; "null" among them keeps the
	// permanent on-calls of direct user targets, the only kind here.
	permanent := len(scheduleIDs) == 0 || slices.Contains(scheduleIDs, "null")
	oncalls := []wireOncall{}
	for _, pol := range s.world.dir.policies {
		if !permanent || len(policyIDs) > 0 && !slices.Contains(policyIDs, pol.id) {
			continue
		}
		for i, level := range pol.levels {
			for _, u := range level {
				if len(userIDs) > 0 && !slices.Contains(userIDs, u.id) {
					continue
				}
				oncalls = append(oncalls, wireOncall{EscalationPolicy: policyRef(pol), EscalationLevel: i + 1, User: userRef(u)})
			}
		}
	}
	return listed("oncalls", p, oncalls, identity)
}

// accountEntry is a log entry with its incident, for the account-wide log.
type accountEntry struct {
	inc *incident
	e   *logEntry
}

// GET /log_entries: every incident's log, newest first, with the same
// since, until, is_overview and time_zone rules as an incident's log, and
// team_ids[] to keep the entries of some teams' incidents.
func (s *Server) listAccountLogEntries(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	lq, err := s.parseLogQuery(q)
	if err != nil {
		return 0, nil, err
	}
	teamIDs := multi(q, "team_ids")
	var entries []accountEntry
	for _, inc := range s.world.incidents {
		if len(teamIDs) > 0 && (inc.policy.team == nil || !slices.Contains(teamIDs, inc.policy.team.id)) {
			continue
		}
		for _, e := range inc.log {
			if s.keeps(lq, e) {
				entries = append(entries, accountEntry{inc, e})
			}
		}
	}
	slices.SortFunc(entries, func(a, b accountEntry) int {
		return cmp.Or(b.e.at.Compare(a.e.at), cmp.Compare(b.e.seq, a.e.seq))
	})
	return listed("log_entries", lq.page, entries, func(ae accountEntry) wireLogEntry { return toWireLogEntry(ae.inc, ae.e, lq.zone) })
}

// Routes returns the patterns of the PagerDuty API routes the server
// serves, such as "GET /incidents/{id}", in the form PagerDuty's reference
// writes its paths. The catch-all and the /_pdsim/ controls are not
// among them. Tests walk it so that a route added without coverage fails.
func (s *Server) Routes() []string {
	return slices.DeleteFunc(slices.Clone(s.patterns), func(p string) bool { return p == "/" })
}
