package runbook

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/oncallkit/oncall/incident"
)

// Match is one runbook that applies to an incident, or a runbook link
// found in one of its alerts.
type Match struct {
	// Runbook is nil for a link found in an alert.
	Runbook *Runbook
	// URL is the link found in an alert's details (Runbook == nil).
	URL string
	// Score is the number of criteria that held, the service among them;
	// links found in alerts score 0.
	Score int
	// Why lists what held, most telling first, e.g. `service checkout-api`,
	// `title matches (?i)5xx`, `alert PXYZ: class http_errors`. It quotes
	// alert ids and details: pass it through incident.Clean for display.
	Why []string
}

// Title names the match for a list: the runbook's title or the URL.
func (m Match) Title() string {
	if m.Runbook != nil {
		return m.Runbook.Title
	}
	return m.URL
}

// Match returns the runbooks that apply to an incident, best first, then
// the runbook links found in its alerts' details that no matching runbook
// already lists.
//
// A runbook applies when the incident's service (id or name, ignoring
// case) is among its services, if it names any, and every match criterion
// it sets holds; one with neither services nor criteria applies to
// nothing. Runbooks rank by how many criteria held, the service counting
// as one, so "service and title regex" comes before "service alone"; ties
// go to the runbook scoped to services, then to the lower id. Alert
// criteria need alerts: call Match again when they arrive.
func (s *Set) Match(inc incident.Incident, alerts []incident.Alert) []Match {
	var out []Match
	if s != nil {
		candidates := s.candidates(inc.Service)
		for _, rb := range candidates {
			if m, ok := matchOne(rb, inc, alerts); ok {
				out = append(out, m)
			}
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		as, bs := len(a.Runbook.Services) > 0, len(b.Runbook.Services) > 0
		if as != bs {
			if as {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Runbook.ID, b.Runbook.ID)
	})
	listed := make(map[string]bool)
	for _, m := range out {
		for _, l := range m.Runbook.Links {
			listed[l.URL] = true
		}
	}
	for _, l := range AlertLinks(alerts) {
		if !listed[l.URL] {
			listed[l.URL] = true
			out = append(out, Match{URL: l.URL, Why: []string{fmt.Sprintf("alert %s: %s", l.AlertID, l.Key)}})
		}
	}
	return out
}

// candidates returns the runbooks listing the service by id or name and
// the runbooks scoped to no service, each once.
func (s *Set) candidates(svc incident.Ref) []*Runbook {
	id, name := strings.ToLower(svc.ID), strings.ToLower(svc.Name)
	var byID, byName []*Runbook
	if id != "" {
		byID = s.byService[id]
	}
	if name != "" && name != id {
		byName = s.byService[name]
	}
	out := make([]*Runbook, 0, len(byID)+len(byName)+len(s.unscoped))
	out = append(out, byID...)
	for _, rb := range byName {
		if !slices.Contains(byID, rb) {
			out = append(out, rb)
		}
	}
	return append(out, s.unscoped...)
}

// matchOne checks one runbook against the incident. The service has been
// checked by the index; it is re-checked here only to say which one held.
func matchOne(rb *Runbook, inc incident.Incident, alerts []incident.Alert) (Match, bool) {
	c := rb.Match
	if len(rb.Services) == 0 && c.empty() {
		return Match{}, false
	}
	m := Match{Runbook: rb}
	if len(rb.Services) > 0 {
		svc, ok := serviceListed(rb.Services, inc.Service)
		if !ok {
			return Match{}, false
		}
		m.Score++
		m.Why = append(m.Why, "service "+svc)
	}
	if c.Title != nil {
		if !c.Title.MatchString(inc.Title) {
			return Match{}, false
		}
		m.Score++
		m.Why = append(m.Why, "title matches "+c.Title.String())
	}
	if c.alertScoped() {
		why, n, ok := matchAlerts(c, alerts)
		if !ok {
			return Match{}, false
		}
		m.Score += n
		m.Why = append(m.Why, why...)
	}
	if c.Urgency != "" {
		if inc.Urgency != c.Urgency {
			return Match{}, false
		}
		m.Score++
		m.Why = append(m.Why, "urgency "+string(c.Urgency))
	}
	if c.MinPriority > 0 {
		p, ok := priorityNumber(inc.Priority)
		if !ok || p > c.MinPriority {
			return Match{}, false
		}
		m.Score++
		m.Why = append(m.Why, fmt.Sprintf("priority %s (P%d or higher)", inc.Priority, c.MinPriority))
	}
	return m, true
}

func serviceListed(services []string, svc incident.Ref) (string, bool) {
	for _, s := range services {
		if svc.ID != "" && strings.EqualFold(s, svc.ID) || svc.Name != "" && strings.EqualFold(s, svc.Name) {
			return cmp.Or(svc.Name, svc.ID), true
		}
	}
	return "", false
}

// matchAlerts finds the first alert that meets every alert criterion and
// says why; n is the number of criteria.
func matchAlerts(c Criteria, alerts []incident.Alert) (why []string, n int, ok bool) {
	for _, a := range alerts {
		why = why[:0]
		if c.Summary != nil {
			if !c.Summary.MatchString(a.Summary) {
				continue
			}
			why = append(why, "alert "+a.ID+": summary matches "+c.Summary.String())
		}
		fields := []struct {
			key  string
			want []string
		}{{"component", c.Component}, {"class", c.Class}, {"source", c.Source}}
		all := true
		for _, f := range fields {
			if len(f.want) == 0 {
				continue
			}
			got, ok := detailString(a.Details, f.key)
			if !ok || !slices.ContainsFunc(f.want, func(w string) bool { return strings.EqualFold(w, got) }) {
				all = false
				break
			}
			why = append(why, "alert "+a.ID+": "+f.key+" "+got)
		}
		if all {
			return why, len(why), true
		}
	}
	return nil, 0, false
}

// detailString reads a scalar detail as text.
func detailString(details map[string]any, key string) (string, bool) {
	switch v := details[key].(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	case bool:
		return strconv.FormatBool(v), true
	default:
		return "", false
	}
}

// AlertLink is a runbook link found in an alert's details.
type AlertLink struct {
	AlertID string
	Key     string // the details key it was under, e.g. "runbook_url"
	URL     string
}

// linkKeys are the details keys, lower-cased with '_', '-' and ' '
// removed, under which monitoring tools put runbook links.
// A switch, not a map literal, which Go would build at package init.
func linkKeys(key string) bool {
	switch key {
	case "runbook", "runbookurl", "runbooklink",
		"sop", "sopurl", "soplink",
		"playbook", "playbookurl", "playbooklink":
		return true
	}
	return false
}

// AlertLinks returns the http(s) runbook links found in alerts' details
// (keys such as runbook_url, runbook, sop, playbook, also one map deep),
// each URL once, in alert order and then key order. URLs with anything a
// terminal could misread are dropped, not cleaned: a link must be exact.
func AlertLinks(alerts []incident.Alert) []AlertLink {
	var out []AlertLink
	seen := make(map[string]bool)
	for _, a := range alerts {
		collectLinks(a.ID, a.Details, "", 0, seen, &out)
	}
	return out
}

func collectLinks(alertID string, details map[string]any, prefix string, depth int, seen map[string]bool, out *[]AlertLink) {
	keys := make([]string, 0, len(details))
	for k := range details {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch v := details[k].(type) {
		case string:
			if !linkKeys(normKey(k)) || seen[v] || !isWebURL(v) || incident.Clean(v) != v || strings.ContainsAny(v, " \"'<>\\`") {
				continue
			}
			seen[v] = true
			*out = append(*out, AlertLink{AlertID: alertID, Key: incident.Clean(prefix + k), URL: v})
		case map[string]any:
			if depth < 1 {
				collectLinks(alertID, v, prefix+k+".", depth+1, seen, out)
			}
		}
	}
}

func normKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ' ':
			return -1
		}
		return r
	}, strings.ToLower(k))
}
