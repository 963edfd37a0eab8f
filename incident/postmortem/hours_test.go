package postmortem

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/oncallkit/oncall/incident"
)

// TestConfiguredWorkingHours: the team's working and sleep hours, not
// 09:00-18:00 and 22:00-07:00, decide which pages were outside working
// hours and which woke someone, and the draft states the hours it used. Pages at 07:30 and 08:00 Berlin time on a Friday are outside the
// default hours and inside 07:00-17:00; one at 17:30 is the other way.
// None is in the default sleep hours; 07:30 and 17:30 are in 17:00-08:00,
// which crosses midnight, and 08:00 is where it ends.
func TestConfiguredWorkingHours(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	notify := func(at string) incident.Event {
		return incident.Event{Kind: incident.KindNotify, At: d(at), Summary: "Notified Jane Doe by phone call.", Origin: incident.Remote}
	}
	events := []incident.Event{
		notify("2026-03-06 06:30"), // 07:30 in Berlin
		notify("2026-03-06 07:00"), // 08:00
		notify("2026-03-06 16:30"), // 17:30
	}
	in := Input{Incident: incident.Incident{CreatedAt: d("2026-03-06 06:00")}, Timeline: events, Location: berlin, Now: d("2026-03-09 09:00")}
	if r := Build(in); r.Metrics.PagesOutsideWorkingHours != 2 || r.WorkingHours.Start != "09:00" || r.WorkingHours.End != "18:00" ||
		r.Metrics.PagesInSleepHours != 0 || r.WorkingHours.Sleep != "22:00-07:00" {
		t.Errorf("default hours: outside %d, stated %s-%s; want 2, 09:00-18:00", r.Metrics.PagesOutsideWorkingHours, r.WorkingHours.Start, r.WorkingHours.End)
	}
	in.WorkHours = Hours{Start: 7 * time.Hour, End: 17 * time.Hour}
	in.SleepHours = Hours{Start: 17 * time.Hour, End: 8 * time.Hour}
	r := Build(in)
	if r.Metrics.PagesOutsideWorkingHours != 1 || r.WorkingHours.Start != "07:00" || r.WorkingHours.End != "17:00" || r.WorkingHours.Zone != "Europe/Berlin" ||
		r.Metrics.PagesInSleepHours != 2 || r.WorkingHours.Sleep != "17:00-08:00" {
		t.Errorf("07:00-17:00: outside %d, stated %+v; want 1 in 07:00-17:00 Europe/Berlin", r.Metrics.PagesOutsideWorkingHours, r.WorkingHours)
	}
	var md bytes.Buffer
	if err := Markdown(&md, in); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "of which 1 outside working hours (07:00-17:00, Monday to Friday, Europe/Berlin) and 2 in sleep hours (17:00-08:00, every day)") {
		t.Errorf("the draft does not state the configured hours:\n%s", md.String())
	}
}
