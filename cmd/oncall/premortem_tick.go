package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/premortem"
)

// countermeasureOptions ticks a during countermeasure of an assumed
// failure on an incident, as the Pre-mortem tab's checklist does: the
// same event, journaled first and mirrored to the team.
type countermeasureOptions struct {
	actionOptions
	load    func() (*premortem.Set, []string)
	failure string
	which   string // the countermeasure's 1-based number among the failure's during ones, or its key
	undo    bool
}

func (o *countermeasureOptions) event(time.Time) (incident.Event, error) {
	set, problems := o.load()
	if set == nil || set.Len() == 0 {
		why := "no pre-mortems were found"
		if len(problems) > 0 {
			why = problems[0]
		}
		return incident.Event{}, usageError{fmt.Errorf("%s: %s (see --premortems)", o.name, why)}
	}
	f, ok := set.Failure(strings.TrimSpace(o.failure))
	if !ok {
		return incident.Event{}, usageError{fmt.Errorf("%s: no assumed failure %q in the pre-mortems (oncall premortem list names them)", o.name, incident.Clean(o.failure))}
	}
	var during []premortem.Countermeasure
	for _, c := range f.Countermeasures {
		if c.Phase == premortem.During {
			during = append(during, c)
		}
	}
	c, err := pickCountermeasure(during, strings.TrimSpace(o.which))
	if err != nil {
		return incident.Event{}, usageError{fmt.Errorf("%s: failure %s: %w", o.name, f.ID, err)}
	}
	change := incident.ChangeDone
	if o.undo {
		change = incident.ChangeUndone
	}
	return incident.NewCountermeasure(f.Premortem.ID, f.ID, string(c.Phase), c.Action, c.Key, change)
}

// pickCountermeasure finds a during countermeasure by its number in the
// checklist (1-based, file order) or by its key.
func pickCountermeasure(during []premortem.Countermeasure, which string) (premortem.Countermeasure, error) {
	if len(during) == 0 {
		return premortem.Countermeasure{}, fmt.Errorf("it has no during countermeasures to tick")
	}
	if n, err := strconv.Atoi(which); err == nil {
		if n < 1 || n > len(during) {
			return premortem.Countermeasure{}, fmt.Errorf("countermeasure %d: it has %d during countermeasures", n, len(during))
		}
		return during[n-1], nil
	}
	for _, c := range during {
		if c.Key == which {
			return c, nil
		}
	}
	return premortem.Countermeasure{}, fmt.Errorf("no during countermeasure %q: give its number (1-%d) or its key", incident.Clean(which), len(during))
}

func newPremortemTickCmd(g *globalOptions) *cobra.Command {
	o := &countermeasureOptions{load: g.viewPremortems}
	c := verbCmd(g.factory(), &cobra.Command{
		Use:   "tick INCIDENT FAILURE COUNTERMEASURE",
		Short: "Tick a during countermeasure of an assumed failure on an incident",
		Long: `tick records that a countermeasure a pre-mortem prepared for "during" the
failure was done on this incident, as x does on the view's Pre-mortem tab:
journaled first, then mirrored to PagerDuty for the team. COUNTERMEASURE
is its number in the failure's during checklist (1 is the first in the
file) or its key; --undo records that it was not done after all.`,
		Example: `  oncall premortem tick 1046 card-processor-timeouts 1
  oncall premortem tick 1046 card-processor-timeouts 2 --undo`,
	}, o, 3, 3, "an incident, a failure id and a countermeasure", func(args []string) error {
		o.failure, o.which = args[0], args[1]
		return nil
	})
	c.Flags().BoolVar(&o.undo, "undo", false, "record that the countermeasure was not done after all")
	o.name = "premortem tick" // messages name the whole command
	return c
}
