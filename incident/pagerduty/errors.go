package pagerduty

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	pd "github.com/PagerDuty/go-pagerduty"

	"github.com/oncallkit/oncall/incident"
)

// This file holds the error mapping: call runs a request under the deadline and
// translate turns go-pagerduty's errors into the incident sentinels.

// codeAlreadyResolved is PagerDuty's error code "Incident Already
// Resolved" (its table of REST API error codes).
const codeAlreadyResolved = 1001

// call runs fn under the client's deadline, turning panics in response
// decoding into errors and provider errors into incident sentinels.
func (c *Client) call(ctx context.Context, what string, fn func(ctx context.Context) error) (err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: malformed response from %s", what, c.cfg.APIURL)
		}
	}()
	if err := fn(ctx); err != nil {
		return c.translate(ctx, what, err)
	}
	return nil
}

// translate maps go-pagerduty's errors to the incident sentinels, with a
// one-line message a responder can act on.
func (c *Client) translate(ctx context.Context, what string, err error) error {
	var apiErr pd.APIError
	if errors.As(err, &apiErr) {
		switch {
		case apiErr.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%s: PagerDuty rejected the token from %s (401): check it is valid and not revoked: %w",
				what, c.tokenSource(), incident.ErrUnauthorized)
		case apiErr.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s: the token from %s may not do this (403): %w", what, c.tokenSource(), incident.ErrForbidden)
		case apiErr.NotFound():
			return fmt.Errorf("%s: %w", what, incident.ErrNotFound)
		case apiErr.RateLimited():
			return fmt.Errorf("%s: PagerDuty is rate limiting this token (429) and waiting did not help in time: %w", what, incident.ErrRateLimited)
		case apiErr.StatusCode >= 500:
			return fmt.Errorf("%s: PagerDuty answered %d: %w", what, apiErr.StatusCode, incident.ErrUnreachable)
		}
		if apiErr.StatusCode == http.StatusBadRequest && apiErr.APIError.Valid && apiErr.APIError.ErrorObject.Code == codeAlreadyResolved {
			// Worded like the other refusals ("PagerDuty answered 400"),
			// which callers that predate the sentinel read.
			return fmt.Errorf("%s: PagerDuty answered 400: Incident Already Resolved, so nothing was changed: %w", what, incident.ErrAlreadyResolved)
		}
		msg := apiErr.StatusCode
		detail := ""
		if apiErr.APIError.Valid {
			detail = ": " + incident.Clean(apiErr.APIError.ErrorObject.Message)
			if errs := apiErr.APIError.ErrorObject.Errors; len(errs) > 0 {
				detail += " (" + incident.Clean(strings.Join(errs, "; ")) + ")"
			}
		}
		return fmt.Errorf("%s: PagerDuty answered %d%s", what, msg, detail)
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s: no answer from %s within %s: %w", what, c.cfg.APIURL, c.timeout, incident.ErrUnreachable)
		}
		return fmt.Errorf("%s: %w", what, ctx.Err())
	}
	if errors.Is(err, errResponseTooLarge) || strings.Contains(err.Error(), errResponseTooLarge.Error()) {
		return fmt.Errorf("%s: %s sent more than %d MB in one answer; refused, to keep memory bounded: %w",
			what, c.cfg.APIURL, maxResponseBytes>>20, incident.ErrUnreachable)
	}
	if strings.Contains(err.Error(), errRedirectRefused.Error()) {
		return fmt.Errorf("%s: %s answered with a redirect to another host, scheme or port, which is not followed so that the token stays with the configured API URL; check the API URL: %w",
			what, c.cfg.APIURL, incident.ErrUnreachable)
	}
	if strings.Contains(err.Error(), "error calling the API endpoint") {
		return fmt.Errorf("%s: cannot reach %s: %w", what, c.cfg.APIURL, incident.ErrUnreachable)
	}
	return fmt.Errorf("%s: unexpected response from %s: %v", what, c.cfg.APIURL, err)
}

func (c *Client) tokenSource() string {
	if c.cfg.TokenSource != "" {
		return c.cfg.TokenSource
	}
	return "the configuration"
}
