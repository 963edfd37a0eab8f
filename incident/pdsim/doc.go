// Package pdsim simulates PagerDuty's REST API v2 over net/http, so that
// `oncall demo` and the integration tests drive the real go-pagerduty
// client (and the real adapter) over real HTTP instead of a Go-level mock.
//
// A Server holds one simulated account: a fixed directory of users,
// escalation policies, services and priorities (see DemoUserEmail, the
// Email* and Service* constants), and the incidents a Scenario creates and
// changes over time. It serves, in PagerDuty's JSON shapes:
//
//	GET  /incidents                      statuses[], urgencies[], service_ids[], team_ids[],
//	                                     user_ids[], incident_key, since, until, date_range, sort_by
//	PUT  /incidents                      bulk status, assignments, escalation, priority
//	GET  /incidents/{id}                 PUT /incidents/{id}
//	GET  /incidents/{id}/log_entries     since, until, is_overview; newest first
//	GET  /incidents/{id}/alerts          statuses[], alert_key, sort_by
//	GET  /incidents/{id}/notes           POST /incidents/{id}/notes
//	POST /incidents/{id}/snooze          POST /incidents/{id}/status_updates
//	POST /incidents/{id}/responder_requests
//	GET  /users/me, /users, /users/{id}, /services, /escalation_policies, /priorities, /teams
//	POST /incidents                      create, as the acting user; no alerts; incident_key dedup
//	PUT  /incidents/{id}/merge           source_incidents: alerts move, sources resolve (resolve_reason)
//	GET  /teams/{id}, /teams/{id}/members, /escalation_policies/{id}, /services/{id}
//	GET  /oncalls                        user_ids[], escalation_policy_ids[], schedule_ids[]; permanent
//	GET  /log_entries                    every incident's log: since, until, team_ids[], is_overview
//
// Server.Routes lists these patterns; a test validates an answer of each
// against PagerDuty's OpenAPI document (internal/oapi).
//
// Invariants:
//   - Every request needs "Authorization: Token token=<token>"; otherwise
//     401 with error code 2006. Writes (POST and PUT /incidents, PUT /incidents/{id}
//     and its merge, POST notes, snooze and status_updates) need a From header naming a
//     known user's email: missing is 400 with code 2016, unknown is 400
//     with code 2001. A responder request names its requester in the body
//     (requester_id), as PagerDuty's reference has it. An Accept header
//     asking for an API version other than 2 is a 400 (with
//     Options.RequireAccept, so is one naming no version). An account token
//     (Options.AccountToken) has no user: GET /users/me is a 400.
//     Errors always carry PagerDuty's body
//     {"error":{"message":...,"code":...,"errors":[...]}} as application/json.
//   - Lists use classic pagination: limit (default 25, at most 100; more
//     is 400 with code 2001), offset, more, and total (null unless
//     total=true); offset+limit over 10,000 is 400 with code 2002. An
//     unknown statuses[] or urgencies[] value is 400 with code 2001.
//   - Inject scripts faults for the requests to come: a 429 with or without
//     ratelimit-reset/Retry-After, a 5xx, a slow answer, a dropped
//     connection. FailFor makes every request fail for a while.
//   - One test control sits outside PagerDuty's API, for tests that reach
//     the simulator only over HTTP (`oncall simulate`): POST
//     /_pdsim/fail?status=503&for=30s calls FailFor (status defaults to
//     503; for=0 ends a failure early). It needs the API token, answers
//     even while the API fails, takes no scripted fault and is not
//     counted by Requests. It is not part of PagerDuty's API. POST
//     /_pdsim/bulk?incidents=N&log_entries=M&seed=S, under the same rules,
//     calls Bulk: up to 100,000 incidents over the last 28 days and a
//     timeline of up to 100,000 entries on one incident (incident_id=ID,
//     or the oldest incident it creates).
//   - Time comes only from Options.Now. Scenario steps are applied lazily,
//     in order, when a request (or a hook) arrives at or after their time,
//     and each change is stamped with its step's time, so a fake clock
//     makes every response reproducible. Times are UTC, to the second,
//     written as "2006-01-02T15:04:05Z".
//   - Ids are generated from a fixed seed: the same scenario and the same
//     sequence of requests yield the same ids.
//   - One mutex guards all state; the Server is safe for concurrent use.
//   - Every acknowledge, resolve, escalation, reassignment, note and snooze
//     appends the log entries PagerDuty would, with the acting user (the
//     From header on writes) as agent.
package pdsim
