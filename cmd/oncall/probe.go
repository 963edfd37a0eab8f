package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
)

// Region URLs offered by init and named by doctor.
const (
	usAPIURL = "https://api.pagerduty.com"
	euAPIURL = "https://api.eu.pagerduty.com"
)

// regionOf names the service region an API URL points at.
func regionOf(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return "unknown (" + apiURL + ")"
	}
	switch strings.ToLower(u.Host) {
	case "api.pagerduty.com":
		return "US (" + u.Host + ")"
	case "api.eu.pagerduty.com":
		return "EU (" + u.Host + ")"
	}
	return "custom endpoint (" + u.Host + ")"
}

// probeResult is what one look at GET /users/me tells.
type probeResult struct {
	reachable bool
	account   bool // an account-level token: valid, but no user
	name      string
	email     string
	date      time.Time // the API's Date header; zero if none
	sent      time.Time // when the request went out
	rtt       time.Duration
}

// probe asks PagerDuty who the token belongs to, through go-pagerduty.
// With an empty token it only learns whether the API answers (a 401 is an
// answer). The errors wrap incident.ErrUnauthorized, ErrForbidden or
// ErrUnreachable, and never contain the token.
func probe(ctx context.Context, apiURL, token, tokenFrom string, hc *http.Client) (probeResult, error) {
	return probeAs(ctx, apiURL, token, pagerduty.TokenAPI, tokenFrom, hc)
}

// probeAs is probe for a token of the given type (pagerduty.TokenAPI or
// TokenOAuth): an OAuth access token must go out as "Bearer", or PagerDuty
// rejects a perfectly good token.
func probeAs(ctx context.Context, apiURL, token, tokenType, tokenFrom string, hc *http.Client) (probeResult, error) {
	if hc == nil {
		hc = &http.Client{}
	}
	rec := &dateRecorder{base: hc.Transport}
	client := *hc
	client.Transport = rec
	if client.Timeout == 0 {
		client.Timeout = 10 * time.Second
	}
	opts := []pd.ClientOptions{pd.WithAPIEndpoint(strings.TrimRight(apiURL, "/"))}
	if tokenType == pagerduty.TokenOAuth {
		opts = append(opts, pd.WithOAuth())
	}
	c := pd.NewClient(token, opts...)
	c.HTTPClient = &client

	var r probeResult
	r.sent = time.Now()
	u, err := c.GetCurrentUserWithContext(ctx, pd.GetCurrentUserOptions{})
	r.rtt = time.Since(r.sent)
	r.date = rec.date()
	var apiErr pd.APIError
	switch {
	case err == nil:
		r.reachable, r.name, r.email = true, u.Name, u.Email
		return r, nil
	case errors.As(err, &apiErr):
		r.reachable = apiErr.StatusCode < 500
	}
	if token == "" && apiErr.StatusCode == http.StatusUnauthorized {
		return r, nil
	}
	if apiErr.StatusCode == http.StatusBadRequest {
		// An account-level token has no user: check it on a list instead.
		r.account = true
		_, err = c.ListUsersWithContext(ctx, pd.ListUsersOptions{Limit: 1})
		apiErr = pd.APIError{}
		if err == nil {
			return r, nil
		}
		errors.As(err, &apiErr)
	}
	return r, probeError(apiURL, tokenFrom, apiErr, err)
}

func probeError(apiURL, tokenFrom string, apiErr pd.APIError, err error) error {
	switch {
	case apiErr.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("PagerDuty rejected the token from %s (401): %w", tokenFrom, incident.ErrUnauthorized)
	case apiErr.StatusCode == http.StatusForbidden:
		return fmt.Errorf("the token from %s may not read users (403): %w", tokenFrom, incident.ErrForbidden)
	case apiErr.StatusCode >= 500:
		return fmt.Errorf("%s answered %d: %w", apiURL, apiErr.StatusCode, incident.ErrUnreachable)
	case apiErr.StatusCode != 0:
		return fmt.Errorf("%s answered %d to GET /users/me", apiURL, apiErr.StatusCode)
	}
	// go-pagerduty wraps transport errors with %v; the message names the
	// URL (never the token, which travels in a header).
	detail := err.Error()
	if i := strings.LastIndex(detail, ": "); i >= 0 {
		detail = detail[i+2:]
	}
	return fmt.Errorf("cannot reach %s (%s): %w", apiURL, detail, incident.ErrUnreachable)
}

// dateRecorder keeps the Date header of the last response.
type dateRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	d    time.Time
}

func (r *dateRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err == nil {
		if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			r.mu.Lock()
			r.d = d
			r.mu.Unlock()
		}
	}
	return resp, err
}

func (r *dateRecorder) date() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.d
}
