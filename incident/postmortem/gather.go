package postmortem

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/runbook"
)

// Source is what Gather reads from the incident provider.
type Source interface {
	Alerts(ctx context.Context, id string) ([]incident.Alert, error)
	List(ctx context.Context, f incident.Filter) ([]incident.Incident, error)
}

// GatherOptions say where Gather finds runbooks and earlier drafts; an
// empty directory is not read.
type GatherOptions struct {
	RunbooksDir string
	DraftsDir   string
	// Runbooks, when not nil, is a set already loaded (the running view's,
	// which may be embedded rather than in a directory); RunbooksDir is
	// then not read, so both callers match the same runbooks.
	Runbooks *runbook.Set
}

// Gather fills in what a draft reads besides the incident and its
// timeline: the alerts (for their links), the runbooks matched to the
// incident (for theirs), and the incidents on the same service or with
// one of its alert keys in the RelatedWindow before it, with their drafts
// in DraftsDir. What it cannot
// read it leaves out, and says so in the error it returns (errors.Join of
// each problem): the draft is still worth writing.
func Gather(ctx context.Context, src Source, in *Input, o GatherOptions) error {
	inc := in.Incident
	var errs []error
	alerts, err := src.Alerts(ctx, inc.ID)
	if err != nil {
		errs = append(errs, fmt.Errorf("alerts: %w", err))
	}
	in.Alerts = alerts
	in.AlertKeys = alertKeys(inc, alerts)
	set := o.Runbooks
	if set == nil && o.RunbooksDir != "" {
		if _, err := os.Stat(o.RunbooksDir); err == nil {
			if set, _, err = runbook.Load(o.RunbooksDir); err != nil {
				errs = append(errs, fmt.Errorf("runbooks: %w", err))
			}
		}
	}
	if set != nil {
		for _, m := range set.Match(inc, alerts) {
			if m.Runbook == nil {
				continue
			}
			rl := RunbookLinks{Title: orText(m.Runbook.Title, m.Runbook.ID)}
			for _, l := range m.Runbook.Links {
				rl.Links = append(rl.Links, Link{Label: l.Name, URL: l.URL})
			}
			in.Runbooks = append(in.Runbooks, rl)
		}
	}
	start := inc.CreatedAt
	if start.IsZero() {
		start = in.Now
	}
	if start.IsZero() {
		return errors.Join(errs...)
	}
	// The same service, and then each alert key on any service: a key is
	// the monitor that fired, whatever service or title it came under.
	var filters []incident.Filter
	if inc.Service.ID != "" {
		filters = append(filters, incident.Filter{ServiceIDs: []string{inc.Service.ID}})
	}
	for _, k := range in.AlertKeys[:min(len(in.AlertKeys), maxKeyLookups)] {
		filters = append(filters, incident.Filter{IncidentKey: k})
	}
	seen := map[string]int{}
	for _, f := range filters {
		f.Statuses = []incident.Status{incident.Triggered, incident.Acknowledged, incident.Resolved}
		f.Since, f.Until = start.Add(-RelatedWindow), start
		list, err := src.List(ctx, f)
		if err != nil && !errors.Is(err, incident.ErrTruncated) {
			errs = append(errs, fmt.Errorf("related incidents: %w", err))
		}
		for _, o2 := range list {
			if o2.ID == inc.ID {
				continue
			}
			if i, ok := seen[o2.ID]; ok {
				in.Related[i].AlertKeys = appendKey(in.Related[i].AlertKeys, f.IncidentKey)
				continue
			}
			seen[o2.ID] = len(in.Related)
			in.Related = append(in.Related, Candidate{Incident: o2, AlertKeys: appendKey(appendKey(nil, o2.Key), f.IncidentKey),
				Draft: FindDraft(o.DraftsDir, o2)})
		}
	}
	return errors.Join(errs...)
}

// maxKeyLookups bounds the listings by alert key: an incident grouping
// hundreds of alerts with distinct keys costs at most this many requests.
const maxKeyLookups = 10

// alertKeys are the incident's de-duplication keys: its incident_key and
// its alerts' alert_key, each once.
func alertKeys(inc incident.Incident, alerts []incident.Alert) []string {
	keys := appendKey(nil, inc.Key)
	for _, a := range alerts {
		keys = appendKey(keys, a.Key)
	}
	return keys
}

// appendKey adds a non-empty key not yet in keys. A listing by key
// returns incidents whose alerts carry it, so the key it was asked with
// is one of theirs even when their incident_key differs.
func appendKey(keys []string, k string) []string {
	if k = strings.TrimSpace(k); k == "" || slices.Contains(keys, k) {
		return keys
	}
	return append(keys, k)
}

// FindDraft is the newest draft of inc in dir, found by the name FileName
// gives it (YYYY-MM-DD-<number>-<slug>[-N].md): its file name, since
// drafts sit side by side in dir and link to each other by name; "" when
// there is none.
func FindDraft(dir string, inc incident.Incident) string {
	if dir == "" || inc.Number <= 0 || inc.CreatedAt.IsZero() {
		return ""
	}
	prefix := inc.CreatedAt.UTC().Format("2006-01-02") + "-" + strconv.Itoa(inc.Number) + "-"
	matches, err := filepath.Glob(filepath.Join(dir, prefix+"*.md"))
	if err != nil || len(matches) == 0 {
		return ""
	}
	best := ""
	for _, m := range matches {
		if strings.HasPrefix(filepath.Base(m), prefix) && (best == "" || len(m) > len(best) || (len(m) == len(best) && m > best)) {
			best = m // "-10.md" outranks "-9.md" and the first draft
		}
	}
	return filepath.Base(best)
}
