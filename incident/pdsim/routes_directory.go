package pdsim

import (
	"net/http"
	"slices"
	"strings"
)

// This file holds the directory reads: the token's user, users, services,
// escalation policies, priorities and teams.

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
	return listed("users", p, users, toWireUser)
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
	return listed("services", p, services, func(sv *service) wireService { return toWireService(s.world, sv) })
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
	return listed("escalation_policies", p, policies, toWirePolicy)
}

// GET /priorities
func (s *Server) listPriorities(c *call) (int, any, *apiError) {
	p, err := parsePage(c.r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	return listed("priorities", p, s.world.dir.priorities, toWirePriority)
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
	return listed("teams", p, teams, toWireTeam)
}
