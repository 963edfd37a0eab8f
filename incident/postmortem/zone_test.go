package postmortem

import (
	"strings"
	"testing"
	"time"
)

// A draft written with time.Local (as the interactive view writes it)
// names the machine's zone instead of saying "Local", and one written
// with a named zone keeps that name.
func TestWorkingHoursZoneIsNamed(t *testing.T) {
	t.Setenv("TZ", "Asia/Tokyo")
	in := resolvedInput()
	in.Location = time.Local
	r := Build(in)
	if r.WorkingHours.Zone != "Asia/Tokyo" || r.WorkingHours.UTCOffset != "+09:00" {
		t.Errorf("working hours = %+v, want Asia/Tokyo at +09:00", r.WorkingHours)
	}
	md := renderMD(t, in)
	if strings.Contains(md, "Local") || !strings.Contains(md, "in Asia/Tokyo (UTC+09:00 when the incident started)") {
		t.Errorf("Markdown does not name the zone:\n%s", md[:800])
	}
	in.Location = mustZone(t, "America/New_York")
	if z := Build(in).WorkingHours.Zone; z != "America/New_York" {
		t.Errorf("named zone became %q", z)
	}
	t.Setenv("TZ", "")
	if LocalZone() != time.UTC {
		t.Error(`TZ="" is UTC`)
	}
}
