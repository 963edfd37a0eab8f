package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/oncallkit/oncall/incident/pdsim"
)

func newSimulateCmd() *cobra.Command {
	var addr string
	var load pdsim.BulkSpec
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run the PagerDuty simulator as a standalone server",
		Long: `simulate serves the PagerDuty REST API v2 simulator that backs the demo,
so that oncall (with --api-url) and other tools can be pointed at it.

--incidents and --log-entries load it for benchmarks: incidents spread over
the last 28 days (most resolved), and a long timeline on the oldest one,
the same for the same --seed. POST /_pdsim/bulk?incidents=N&log_entries=M
does the same while it runs.

Every simulated user has a token of their own (demo-alex, demo-priya, ...;
printed at start), so two oncall processes with two tokens and two
journals act as two people on the same incidents.`,
		Example: `  oncall simulate --addr 127.0.0.1:8089 &
  PAGERDUTY_TOKEN=` + pdsim.DemoToken + ` oncall --api-url http://127.0.0.1:8089
  PAGERDUTY_TOKEN=demo-priya oncall --api-url http://127.0.0.1:8089 --db /tmp/priya.db
  oncall simulate --incidents 10000 --log-entries 10000 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sim := pdsim.New(pdsim.Options{})
			if load.Incidents != 0 || load.LogEntries != 0 {
				res, err := sim.Bulk(load)
				if err != nil {
					return usageError{err}
				}
				timeline := ""
				if res.LogEntries > 0 {
					timeline = fmt.Sprintf(" and %d log entries on incident %s", res.LogEntries, res.TimelineIncident)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Loaded %d incidents (#%d to #%d)%s\n", res.Incidents, res.FirstNumber, res.LastNumber, timeline)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageError{fmt.Errorf("listen on %s: %w", addr, err)}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "PagerDuty simulator on http://%s (token %q, user %s)\n", ln.Addr(), pdsim.DemoToken, pdsim.DemoUserEmail)
			srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
			ctx := cmd.Context()
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			if err := printTeamTokens(ctx, cmd.OutOrStdout(), "http://"+ln.Addr().String()); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "oncall: cannot list the team's tokens: %v\n", err)
			}
			select {
			case <-ctx.Done():
				_ = srv.Close()
				<-served
				return nil
			case err := <-served:
				if err != nil && !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8089", "address to listen on")
	cmd.Flags().IntVar(&load.Incidents, "incidents", 0, fmt.Sprintf("incidents to add before serving (at most %d)", pdsim.MaxBulkIncidents))
	cmd.Flags().IntVar(&load.LogEntries, "log-entries", 0, fmt.Sprintf("log entries to add to one incident's timeline (at most %d)", pdsim.MaxBulkLogEntries))
	cmd.Flags().Uint64Var(&load.Seed, "seed", 1, "seed for the added incidents: the same seed gives the same account")
	return cmd
}

// printTeamTokens lists the simulated users with their tokens, asking the
// running simulator over HTTP (GET /users) so that the list is the
// account's own and never drifts from it.
func printTeamTokens(ctx context.Context, w io.Writer, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/users?limit=100", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Token token="+pdsim.DemoToken)
	req.Header.Set("Accept", "application/vnd.pagerduty+json;version=2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET /users: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /users: %s", resp.Status)
	}
	var list struct {
		Users []struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"users"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return fmt.Errorf("GET /users: %w", err)
	}
	fmt.Fprintf(w, "Team tokens (each acts as its user; %s is Alex's too; Token or Bearer):\n", pdsim.DemoToken)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, u := range list.Users {
		if tok := pdsim.UserToken(u.Email); tok != "" {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", tok, u.Name, u.Email)
		}
	}
	return tw.Flush()
}
