package pdsim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Writes that make or unmake incidents: POST /incidents (create) and
// PUT /incidents/{id}/merge. Both need a From header (the route table
// marks them as writes), as PagerDuty's reference does.

// createBody is POST /incidents' request body, as the reference has it.
// Pointers tell a missing member from an empty one.
type createBody struct {
	Incident *struct {
		Type             *string `json:"type"`
		Title            *string `json:"title"`
		Service          *idRef  `json:"service"`
		Priority         *idRef  `json:"priority"`
		Urgency          string  `json:"urgency"`
		IncidentKey      string  `json:"incident_key"`
		EscalationPolicy *idRef  `json:"escalation_policy"`
		Assignments      []struct {
			Assignee *idRef `json:"assignee"`
		} `json:"assignments"`
		Body *struct {
			Type    *string `json:"type"`
			Details any     `json:"details"`
		} `json:"body"`
		ConferenceBridge *struct {
			Number string `json:"conference_number"`
			URL    string `json:"conference_url"`
		} `json:"conference_bridge"`
		IncidentType *struct {
			Name string `json:"name"`
		} `json:"incident_type"`
	} `json:"incident"`
}

// checkRef checks a reference in a request body: it needs an id and the
// one type the reference's schema allows.
func checkRef(field string, r *idRef, typ string) *apiError {
	switch {
	case r == nil:
		return errInvalid(fmt.Sprintf("%s is required", field))
	case strings.TrimSpace(r.ID) == "":
		return errInvalid(fmt.Sprintf("%s must have an id", field))
	case r.Type != typ:
		return errInvalid(fmt.Sprintf("%s type %q must be %s", field, r.Type, typ))
	}
	return nil
}

// POST /incidents: creates an incident as the From user. As on PagerDuty,
// an incident made through the REST API has no alerts (it came from no
// monitoring event), and a second create with the incident_key of an open
// incident on the same service is refused.
func (s *Server) createIncident(c *call) (int, any, *apiError) {
	var body createBody
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	in := body.Incident
	switch {
	case in == nil:
		return 0, nil, errInvalid("Incident is required")
	case in.Type == nil || *in.Type != "incident":
		return 0, nil, errInvalid(`Incident type is required and must be "incident"`)
	case in.Title == nil || strings.TrimSpace(*in.Title) == "":
		return 0, nil, errInvalid("Title is required")
	}
	if err := checkRef("Service", in.Service, "service_reference"); err != nil {
		return 0, nil, err
	}
	w := s.world
	svc := w.dir.serviceByRef(in.Service.ID)
	if svc == nil || svc.id != in.Service.ID {
		return 0, nil, errInvalid(fmt.Sprintf("Service %q Not Found", in.Service.ID))
	}
	spec := IncidentSpec{Title: *in.Title, Service: svc.id, Urgency: in.Urgency}
	switch in.Urgency {
	case "", urgencyHigh, urgencyLow:
	default:
		return 0, nil, errInvalid("Urgency must be high or low")
	}
	if in.Priority != nil {
		if err := checkRef("Priority", in.Priority, "priority_reference"); err != nil {
			return 0, nil, err
		}
		p := w.dir.priorityByRef(in.Priority.ID)
		if p == nil || p.id != in.Priority.ID {
			return 0, nil, errInvalid(fmt.Sprintf("Priority %q Not Found", in.Priority.ID))
		}
		spec.Priority = p.id
	}
	if in.Body != nil && in.Body.Type == nil {
		return 0, nil, errInvalid("Body type is required")
	}
	if len(in.Assignments) > 0 && in.EscalationPolicy != nil {
		return 0, nil, errInvalid("Assignments cannot be specified together with an escalation policy")
	}
	for _, a := range in.Assignments {
		if err := checkRef("Assignee", a.Assignee, "user_reference"); err != nil {
			return 0, nil, err
		}
		u := w.dir.userByID(a.Assignee.ID)
		if u == nil {
			return 0, nil, errInvalid(fmt.Sprintf("Assignee %q Not Found", a.Assignee.ID))
		}
		spec.Assignees = append(spec.Assignees, u.email)
	}
	var pol *policy
	if in.EscalationPolicy != nil {
		if err := checkRef("Escalation policy", in.EscalationPolicy, "escalation_policy_reference"); err != nil {
			return 0, nil, err
		}
		if pol = w.dir.policyByID(in.EscalationPolicy.ID); pol == nil {
			return 0, nil, errInvalid(fmt.Sprintf("Escalation Policy %q Not Found", in.EscalationPolicy.ID))
		}
		for _, u := range pol.levels[0] {
			spec.Assignees = append(spec.Assignees, u.email)
		}
	}
	if b := in.ConferenceBridge; b != nil {
		spec.BridgeNumber, spec.BridgeURL = b.Number, b.URL
	}
	key := in.IncidentKey
	// Every incident, not only the one byKey names: that is the newest
	// with the key, and an older one on this service may still be open.
	if key != "" && slices.ContainsFunc(w.incidents, func(old *incident) bool {
		return old.key == key && old.service == svc && old.status != statusResolved
	}) {
		return 0, nil, errInvalid(fmt.Sprintf("Open incident with key %q already exists on this service", key))
	}
	if key != "" && w.byKey[key] == nil {
		spec.Key = key
	}
	inc, err := w.trigger(spec, c.now)
	if err != nil { // checked above; a failure here is the simulator's own
		return 0, nil, &apiError{status: http.StatusInternalServerError, code: codeInternal, message: "Internal Error", errors: []string{err.Error()}}
	}
	if key != "" && spec.Key == "" {
		// The key belongs to a resolved incident, or one on another
		// service: PagerDuty accepts it again, and lookups by key find
		// the newest incident.
		delete(w.byKey, inc.key)
		inc.key = key
		w.byKey[key] = inc
	}
	if pol != nil {
		inc.policy = pol
	}
	inc.alerts = nil
	inc.lastChangeBy = actor{user: c.from}
	for _, e := range inc.log {
		switch e.typ {
		case logTrigger:
			e.agent, e.channel = actor{user: c.from}, channel{"web_trigger", inc.title}
			e.summary = "Triggered by " + c.from.name + "."
		case logAssign:
			if len(in.Assignments) > 0 {
				e.agent, e.channel = actor{user: c.from}, chWeb
			}
		}
	}
	return http.StatusCreated, map[string]any{"incident": toWireIncident(inc)}, nil
}

// wireResolveReason says why an incident was resolved: the reference
// knows one reason, a merge into another incident.
type wireResolveReason struct {
	Type     string `json:"type"`
	Incident ref    `json:"incident"`
}

// maxAlerts is how many alerts an incident may hold; a merge past it is
// refused ("An incident cannot have more than 1000 alerts").
const maxAlerts = 1000

// PUT /incidents/{id}/merge: moves the alerts of the source incidents into
// the target and resolves the sources. The reference: only incidents with
// alerts can be merged (or ones created in the web UI, which the
// simulator has none of), the target must be open, and the target may
// not end with more than 1000 alerts.
func (s *Server) mergeIncidents(c *call) (int, any, *apiError) {
	target, err := s.incidentByPath(c)
	if err != nil {
		return 0, nil, err
	}
	var body struct {
		Sources []*idRef `json:"source_incidents"`
	}
	if err := c.decode(&body); err != nil {
		return 0, nil, err
	}
	if len(body.Sources) == 0 {
		return 0, nil, errInvalid("Source incidents must not be empty")
	}
	if target.status == statusResolved {
		return 0, nil, errAlreadyResolved()
	}
	w := s.world
	var sources []*incident
	alerts := len(target.alerts)
	for _, r := range body.Sources {
		if err := checkRef("Source incident", r, "incident_reference"); err != nil {
			return 0, nil, err
		}
		src := w.byID[r.ID]
		switch {
		case src == nil:
			return 0, nil, errNotFound(fmt.Sprintf("Incident %q Not Found", r.ID))
		case src == target:
			return 0, nil, errInvalid("An incident cannot be merged into itself")
		case slices.Contains(sources, src):
			return 0, nil, errInvalid(fmt.Sprintf("Incident %q is named twice", r.ID))
		case len(src.alerts) == 0:
			return 0, nil, errInvalid(fmt.Sprintf("Incident %q has no alerts: only incidents with alerts can be merged", r.ID))
		}
		sources = append(sources, src)
		alerts += len(src.alerts)
	}
	if alerts > maxAlerts {
		return 0, nil, errInvalid(fmt.Sprintf("The merge would leave the incident with %d alerts; the limit is %d", alerts, maxAlerts))
	}
	for _, src := range sources {
		target.alerts = append(target.alerts, src.alerts...)
		src.alerts = nil
		if src.status == statusResolved {
			continue
		}
		w.resolve(src, actor{user: c.from}, chWeb, c.now)
		src.mergedInto = target
		if n := len(src.log); n > 0 && src.log[n-1].typ == logResolve {
			src.log[n-1].summary = fmt.Sprintf("Resolved by %s: merged into %s.", c.from.name, incidentSummary(target))
		}
	}
	if c.now.After(target.updatedAt) {
		target.updatedAt = c.now
	}
	return http.StatusOK, map[string]any{"incident": incidentRef(target)}, nil
}
