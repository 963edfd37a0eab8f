package incident

import (
	"fmt"
	"time"
)

// Age says how long d is in at most six cells, for columns and status
// lines: 45s, 12m, 3h05m, 2d04h. Negative durations read as 0s. It
// truncates: "due in 9m" holds until a full 9 minutes are left.
func Age(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}
