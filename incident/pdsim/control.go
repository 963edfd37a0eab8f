package pdsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// controlFail is the test control that makes the simulator fail on
// command from outside the process (the end-to-end tests drive `oncall
// simulate` over HTTP and cannot call FailFor). It lives under /_pdsim/,
// which PagerDuty's API does not use, so it can never be mistaken for
// part of that API.
const controlFail = "POST /_pdsim/fail"

// mountControl adds the test controls to the mux. They bypass serve: a
// control must work while the simulator fails (to end a failure early),
// must not take a scripted fault, and is not counted by Requests.
func (s *Server) mountControl() {
	s.mux.HandleFunc(controlFail, s.controlFail)
	s.mux.HandleFunc(controlBulk, s.controlBulk) // bulk.go
}

// controlFailAnswer is what POST /_pdsim/fail answers.
type controlFailAnswer struct {
	Status int    `json:"status"`          // 0: not failing
	Until  string `json:"until,omitempty"` // when the failure ends
}

// controlFail answers POST /_pdsim/fail?status=503&for=30s by calling
// FailFor(status, for). status defaults to 503; for is a Go duration.
// status=0 or for=0 ends a failure early. It needs the API token.
func (s *Server) controlFail(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.authorized(r); !ok {
		writeError(w, errAuth())
		return
	}
	q := r.URL.Query()
	status := http.StatusServiceUnavailable
	if v := q.Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 0 && (n < 400 || n > 599)) {
			writeError(w, errInvalid("status must be 0 (stop failing) or an HTTP error status, 400 to 599"))
			return
		}
		status = n
	}
	raw := q.Get("for")
	if raw == "" {
		writeError(w, errInvalid("for is required: how long to fail, as a Go duration such as 30s"))
		return
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 {
		writeError(w, errInvalid("for must be a duration such as 30s or 2m, or 0 to stop failing"))
		return
	}
	s.FailFor(status, d)

	s.mu.Lock()
	ans := controlFailAnswer{Status: s.failStatus}
	if s.failStatus != 0 {
		ans.Until = s.failUntil.Format(time.RFC3339Nano)
	}
	s.mu.Unlock()
	body, _ := json.Marshal(ans)
	writeJSON(w, http.StatusOK, body)
}
