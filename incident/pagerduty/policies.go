package pagerduty

import (
	"context"
	"fmt"
	"strings"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// EscalationLevels reads an escalation policy's levels with their targets
// (GET /escalation_policies/{id}), so that escalating offers the levels
// that exist and says whom each one pages. Targets are users or schedules
// (PagerDuty's reference: user_reference, schedule_reference); their
// names are the references' summaries, untrusted text for display code to
// clean. A policy that does not exist is incident.ErrNotFound.
func (c *Client) EscalationLevels(ctx context.Context, policyID string) ([]incident.EscalationLevel, error) {
	if err := checkPolicyID(policyID); err != nil {
		return nil, err
	}
	var p *pd.EscalationPolicy
	err := c.call(ctx, "escalation policy "+policyID, func(ctx context.Context) error {
		var err error
		p, err = c.pd.GetEscalationPolicyWithContext(ctx, policyID, &pd.GetEscalationPolicyOptions{})
		return err
	})
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("escalation policy %s: an empty answer from %s", incident.Clean(policyID), c.cfg.APIURL)
	}
	out := make([]incident.EscalationLevel, 0, len(p.EscalationRules))
	for i, r := range p.EscalationRules {
		l := incident.EscalationLevel{Level: i + 1, DelayMinutes: int(min(r.Delay, 1<<20)), Targets: []incident.EscalationTarget{}}
		for _, t := range r.Targets {
			l.Targets = append(l.Targets, incident.EscalationTarget{ID: t.ID, Name: t.Summary, Kind: strings.TrimSuffix(t.Type, "_reference")})
		}
		out = append(out, l)
	}
	return out, nil
}

// checkPolicyID refuses what cannot be a PagerDuty id before it reaches
// a URL path.
func checkPolicyID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		return fmt.Errorf("escalation policy id %q is not a PagerDuty id: %w", incident.Clean(id), incident.ErrNotFound)
	}
	return nil
}
