package main

import "github.com/oncallkit/oncall/incident/pagerduty"

// OneShotSource is the PagerDuty adapter for a command that fetches once
// while a person waits and then exits (incidents, export, review): it spends the
// budget PagerDuty gives (960 requests a minute per user, slowing only
// when ratelimit-remaining runs out) instead of the steady pace a view
// left open all night keeps. The debug log says which pacing the command's
// client holds, so a slow fetch can be told from a paced one.
func (f *factory) OneShotSource() (*pagerduty.Client, error) {
	src, err := f.Source()
	if err != nil {
		return nil, err
	}
	src.SetPacing(pagerduty.PaceBudget)
	f.g.log.Debug("pacing", "spends", src.Pacing().String())
	return src, nil
}
