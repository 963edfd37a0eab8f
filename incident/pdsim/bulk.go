package pdsim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Bulk load: many incidents and a long timeline at once, for benchmarks
// and for tools that reach the simulator only over HTTP (`oncall simulate
// --incidents N --log-entries M`, or POST /_pdsim/bulk).

// Bounds on one Bulk call, so that a request cannot exhaust memory:
// 10,000 incidents allocate some 30 MB, so the bound is near 300 MB.
const (
	MaxBulkIncidents  = 100_000
	MaxBulkLogEntries = 100_000
)

// bulkWindow is how far back bulk incidents are created: inside the month
// GET /incidents covers without since and until, so all of them list.
const bulkWindow = 28 * 24 * time.Hour

// BulkSpec asks for a load of incidents and log entries.
type BulkSpec struct {
	// Incidents is how many incidents to create, spread over the last 28
	// days across the account's services: most resolved, some acknowledged,
	// some triggered, as a real account's history looks.
	Incidents int
	// LogEntries is how many log entries to add to one incident's
	// timeline (notes, within PagerDuty's 2,000 per incident, and
	// re-notifications), spread up to now.
	LogEntries int
	// Seed picks services, titles, statuses and times. The same seed on a
	// server in the same state gives the same incidents, ids included.
	Seed uint64
	// TimelineIncident is the id of the incident that gets the log
	// entries. "" means the first incident this call creates (which is
	// then kept open), or with Incidents zero the newest incident.
	TimelineIncident string
}

// BulkResult says what Bulk created.
type BulkResult struct {
	Incidents        int    `json:"incidents"`
	FirstNumber      int    `json:"first_incident_number,omitempty"`
	LastNumber       int    `json:"last_incident_number,omitempty"`
	LogEntries       int    `json:"log_entries"`
	TimelineIncident string `json:"timeline_incident_id,omitempty"`
}

// Bulk creates incidents and log entries in one step, under the server's
// lock, as of the server's Now. It fails, changing nothing, for counts
// out of range or an unknown timeline incident.
func (s *Server) Bulk(spec BulkSpec) (BulkResult, error) {
	switch {
	case spec.Incidents < 0 || spec.Incidents > MaxBulkIncidents:
		return BulkResult{}, fmt.Errorf("pdsim: incidents must be 0 to %d, not %d", MaxBulkIncidents, spec.Incidents)
	case spec.LogEntries < 0 || spec.LogEntries > MaxBulkLogEntries:
		return BulkResult{}, fmt.Errorf("pdsim: log entries must be 0 to %d, not %d", MaxBulkLogEntries, spec.LogEntries)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.sync()
	w := s.world

	var timeline *incident
	switch {
	case spec.TimelineIncident != "":
		if timeline = w.byID[spec.TimelineIncident]; timeline == nil {
			return BulkResult{}, fmt.Errorf("pdsim: no incident %q for the log entries", spec.TimelineIncident)
		}
	case spec.LogEntries > 0 && spec.Incidents == 0:
		if len(w.incidents) == 0 {
			return BulkResult{}, errors.New("pdsim: no incident for the log entries: create incidents too, or name one")
		}
		timeline = w.incidents[len(w.incidents)-1]
	}

	w.reserve(spec.Incidents, spec.LogEntries)
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x6f6e63616c6c))
	res := BulkResult{Incidents: spec.Incidents}
	// Creation times, oldest first, so incident numbers follow time.
	ages := make([]time.Duration, spec.Incidents)
	for i := range ages {
		ages[i] = time.Minute + time.Duration(rng.Int64N(int64(bulkWindow-time.Minute)))/time.Second*time.Second
	}
	slices.SortFunc(ages, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	for i, age := range ages {
		keepOpen := i == 0 && spec.LogEntries > 0 && timeline == nil
		inc := s.bulkIncident(rng, now.Add(-age), now, keepOpen)
		if i == 0 {
			res.FirstNumber = inc.number
			if keepOpen {
				timeline = inc
			}
		}
		res.LastNumber = inc.number
	}
	if timeline != nil {
		res.LogEntries = s.bulkLog(timeline, spec.LogEntries, now)
		res.TimelineIncident = timeline.id
	}
	return res, nil
}

// reserve grows the world's indexes once for n more incidents and m more
// log entries, instead of rehashing them again and again as they fill:
// that growth was a third of a 10,000-incident load.
func (w *world) reserve(n, m int) {
	// Per incident: its id, key and alert, and about six log entries.
	ids := make(map[string]bool, len(w.ids)+9*n+2*m)
	for k, v := range w.ids {
		ids[k] = v
	}
	w.ids = ids
	byID := make(map[string]*incident, len(w.byID)+n)
	for k, v := range w.byID {
		byID[k] = v
	}
	w.byID = byID
	byKey := make(map[string]*incident, len(w.byKey)+n)
	for k, v := range w.byKey {
		byKey[k] = v
	}
	w.byKey = byKey
	w.incidents = slices.Grow(w.incidents, n)
}

// bulkTitles are incident titles by service; %d is a measured value. A
// slice of constants, laid out by the linker: a map would be built at
// package init.
var bulkTitles = []struct {
	service string
	titles  []string
}{
	{ServiceCheckout, []string{"checkout-api: 5xx rate above %d%% on POST /v2/orders", "checkout-api: p99 latency %dms over the SLO"}},
	{ServicePayments, []string{"payments-gateway: card authorization timeouts at %d%%", "payments-gateway: %d captures stuck in pending"}},
	{ServiceSearch, []string{"search: p99 query latency %dms", "search: index lag %d minutes behind"}},
	{ServiceAuth, []string{"auth: token refresh error rate %d per mille", "auth: %d failed logins a minute from one ASN"}},
	{ServiceNotifications, []string{"notifications: email queue backlog %d00 messages", "notifications: SMS provider error rate %d%%"}},
	{ServiceInventoryDB, []string{"inventory-db: replication lag %d seconds", "inventory-db: disk %d%% full on the primary"}},
	{ServiceCDN, []string{"cdn-edge: TLS certificate expires in %d days", "cdn-edge: origin 502s at %d a second"}},
}

// titlesOf are the bulk titles of a service of the directory.
func titlesOf(service string) []string {
	for _, b := range bulkTitles {
		if b.service == service {
			return b.titles
		}
	}
	return nil
}

// bulkIncident creates one incident at `at` and plays its life up to now:
// acknowledged after a few minutes, resolved after up to three hours, unless
// keepOpen or now comes first.
func (s *Server) bulkIncident(rng *rand.Rand, at, now time.Time, keepOpen bool) *incident {
	w := s.world
	svc := w.dir.services[rng.IntN(len(w.dir.services))]
	titles := titlesOf(svc.name)
	spec := IncidentSpec{
		Service: svc.id,
		Title:   fmt.Sprintf(titles[rng.IntN(len(titles))], 2+rng.IntN(97)),
		Urgency: urgencyHigh,
	}
	if rng.IntN(5) == 0 {
		spec.Urgency = urgencyLow
	}
	if p := rng.IntN(len(w.dir.priorities) + 1); p < len(w.dir.priorities) {
		spec.Priority = w.dir.priorities[p].id
	}
	inc, err := w.trigger(spec, at)
	if err != nil {
		panic("pdsim: bulk incident: " + err.Error()) // the spec is built from the directory
	}
	// 90% are acknowledged, and 85% of those resolved: a history, with a
	// few incidents still open.
	ackAt := at.Add(time.Duration(1+rng.IntN(15)) * time.Minute)
	if rng.IntN(10) == 0 || ackAt.After(now) {
		return inc
	}
	responder := inc.assignments[0].user
	_ = w.acknowledge(inc, responder, chMobile, ackAt) // just triggered: cannot fail
	resolveAt := ackAt.Add(time.Duration(5+rng.IntN(175)) * time.Minute)
	if keepOpen || rng.IntN(100) < 15 || resolveAt.After(now) {
		return inc
	}
	w.resolve(inc, actor{user: responder}, chWeb, resolveAt)
	return inc
}

// bulkLog adds n log entries to inc, evenly spread from its last entry up
// to now: every fifth a note while the incident has room for one, the
// rest reminders to its assignees (or the service's first level). It
// returns how many it added.
func (s *Server) bulkLog(inc *incident, n int, now time.Time) int {
	w := s.world
	from := inc.createdAt
	if k := len(inc.log); k > 0 {
		from = inc.log[k-1].at
	}
	if from.After(now) {
		from = now
	}
	people := assignees(inc)
	if len(people) == 0 {
		people = inc.policy.levels[0]
	}
	span := now.Sub(from)
	for i := range n {
		// In float: span*(i+1) overflows a Duration for a month and 10,000 entries.
		at := from.Add(time.Duration(float64(span) * float64(i+1) / float64(n))).Truncate(time.Second)
		u := people[i%len(people)]
		if i%5 == 0 && len(inc.notes) < maxNotes {
			w.addNote(inc, u, fmt.Sprintf("Update %d: still watching the error rate; next check in 15 minutes.", i/5+1), chWeb, at)
			continue
		}
		w.notify(inc, []*user{u}, at)
	}
	return n
}

// controlBulk is the test control for bulk load, outside PagerDuty's API
// like POST /_pdsim/fail.
const controlBulk = "POST /_pdsim/bulk"

// controlBulk answers POST /_pdsim/bulk?incidents=N&log_entries=M&seed=S
// (and optionally incident_id=ID for the timeline) with what Bulk
// created. It needs the API token.
func (s *Server) controlBulk(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.authorized(r); !ok {
		writeError(w, errAuth())
		return
	}
	q := r.URL.Query()
	num := func(name string, max int) (int, *apiError) {
		v := q.Get(name)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > max {
			return 0, errInvalid(fmt.Sprintf("%s must be a whole number from 0 to %d", name, max))
		}
		return n, nil
	}
	var spec BulkSpec
	var e *apiError
	if spec.Incidents, e = num("incidents", MaxBulkIncidents); e != nil {
		writeError(w, e)
		return
	}
	if spec.LogEntries, e = num("log_entries", MaxBulkLogEntries); e != nil {
		writeError(w, e)
		return
	}
	if v := q.Get("seed"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, errInvalid("seed must be a whole number"))
			return
		}
		spec.Seed = seed
	}
	if spec.Incidents == 0 && spec.LogEntries == 0 {
		writeError(w, errInvalid("Nothing to create: give incidents, log_entries or both"))
		return
	}
	spec.TimelineIncident = q.Get("incident_id")
	res, err := s.Bulk(spec)
	if err != nil {
		writeError(w, errInvalid(err.Error()))
		return
	}
	body, _ := json.Marshal(res)
	writeJSON(w, http.StatusCreated, body)
}
