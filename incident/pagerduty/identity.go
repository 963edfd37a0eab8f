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

// This file holds who acts through the client: the From email, the journal
// name and the token's user, looked up once.

// fromEmail returns the email PagerDuty requires on writes: the configured
// one, else the token's user's.
func (c *Client) fromEmail(ctx context.Context) (string, error) {
	if c.cfg.From != "" {
		return c.cfg.From, nil
	}
	u, err := c.currentUser(ctx)
	if err != nil {
		return "", err
	}
	if u.email == "" {
		return "", fmt.Errorf("PagerDuty returned no email for the token's user; set %s to your PagerDuty login email", c.cfg.FromSetting)
	}
	return u.email, nil
}

// Me names the person acting through this client, for the journal: the
// token user's name, or the configured From email (account tokens).
func (c *Client) Me(ctx context.Context) (string, error) {
	if c.cfg.From != "" {
		return c.cfg.From, nil
	}
	u, err := c.currentUser(ctx)
	if err != nil {
		return "", err
	}
	if u.name != "" {
		return u.name, nil
	}
	return u.email, nil
}

// requesterID is the id of the user acting: the token's user, or for an
// account token the user whose email is from.
func (c *Client) requesterID(ctx context.Context, from string) (string, error) {
	if c.cfg.From == "" {
		u, err := c.currentUser(ctx)
		if err != nil {
			return "", err
		}
		return u.id, nil
	}
	var users []pd.User
	err := c.call(ctx, "look up "+from, func(ctx context.Context) error {
		resp, err := c.pd.ListUsersWithContext(ctx, pd.ListUsersOptions{Query: from, Limit: pageSize})
		if err == nil {
			users = resp.Users
		}
		return err
	})
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if strings.EqualFold(u.Email, from) {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("no PagerDuty user has the email %s (from %s): %w", incident.Clean(from), c.cfg.FromSetting, incident.ErrNotFound)
}

// currentUser looks up the token's user once (GET /users/me). An account
// token has no user: PagerDuty answers 400, and the error says which
// setting supplies the email instead.
func (c *Client) currentUser(ctx context.Context) (me, error) {
	c.meMu.Lock()
	defer c.meMu.Unlock()
	if c.me != nil {
		return *c.me, nil
	}
	var (
		u      *pd.User
		status int
	)
	err := c.call(ctx, "look up the token's user", func(ctx context.Context) error {
		var err error
		u, err = c.pd.GetCurrentUserWithContext(ctx, pd.GetCurrentUserOptions{})
		var apiErr pd.APIError
		if errors.As(err, &apiErr) {
			status = apiErr.StatusCode
		}
		return err
	})
	switch {
	case status == http.StatusBadRequest || status == http.StatusNotFound:
		return me{}, fmt.Errorf("the token from %s is not a user's token (GET /users/me answered %d), so it has no email to act as; set %s to your PagerDuty login email",
			c.tokenSource(), status, c.cfg.FromSetting)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		// Not a verdict on whatever the caller meant to send: the token is
		// the problem, and a caller keeps its action until it is fixed.
		return me{}, fmt.Errorf("look up the token's user: PagerDuty refused the token from %s on GET /users/me (%d): replace it with a valid user token (or, for an account token, set %s to your PagerDuty login email): %w",
			c.tokenSource(), status, c.cfg.FromSetting, incident.ErrUnauthorized)
	case err != nil:
		return me{}, err
	}
	out := me{id: u.ID, email: u.Email, name: u.Name}
	for _, t := range u.Teams {
		out.teamIDs = append(out.teamIDs, t.ID)
	}
	c.me = &out
	return out, nil
}
