package pdsim

import (
	"fmt"
	"time"

	domain "github.com/oncallkit/oncall/incident"
)

// Incident keys of the demo scenario, for tests that follow its story.
const (
	DemoCheckout      = "checkout-5xx"
	DemoPayments      = "payments-timeouts"
	DemoSearch        = "search-latency"
	DemoAuth          = "auth-token-refresh"
	DemoNotifications = "notifications-backlog"
	DemoCDN           = "cdn-cert-expiry"
	DemoInventory     = "inventory-replication-lag" // triggers at +1m
)

// Demo returns the built-in scenario behind `oncall demo`: a busy on-call
// shift. At the start six incidents are open across checkout, payments,
// search, auth, notifications and the CDN (high and low urgency, P1 to P4
// and one without a priority, created between 2 minutes and 3 hours
// earlier). Over the next ten minutes other responders write notes, an
// alert groups into the checkout incident (+40s), a database incident
// triggers (+1m), payments escalates to the demo user (+1m30s), search is
// acknowledged by someone else (+2m), the notifications backlog resolves by
// itself (+3m), and the shift winds down with rollbacks and fixes. Priya,
// a second responder with oncall of her own, takes command of payments and
// logs a role (+4m30s), a decision (+5m) and a status update (+8m), which
// arrive through PagerDuty as typed events.
func Demo() Scenario {
	const (
		m = time.Minute
		s = time.Second
		h = time.Hour
	)
	return Scenario{
		// History: the shift so far.
		{-3 * h, Trigger(IncidentSpec{
			Key: DemoNotifications, Service: ServiceNotifications, Urgency: urgencyLow,
			Title: "notifications: email queue backlog above 10k messages",
			Alerts: []AlertSpec{{
				Summary: "email-dispatch queue depth 12,480 (threshold 10,000)", Severity: "warning",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/notifications/queue-backlog",
					"component":   "email-dispatcher", "class": "queue_depth",
					"source": "cloudwatch/us-east-1", "queue": "email-dispatch", "depth": 12480,
				},
			}},
		})},
		{-90 * m, Trigger(IncidentSpec{
			Key: DemoCDN, Service: ServiceCDN, Urgency: urgencyLow, Priority: "P4",
			Title: "cdn-edge: TLS certificate for static.example.com expires in 7 days",
			Alerts: []AlertSpec{{
				Summary: "Certificate CN=static.example.com expires in 7 days", Severity: "warning",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/cdn/certificate-renewal",
					"component":   "tls-termination", "class": "certificate_expiry",
					"source": "blackbox-exporter", "days_left": 7, "issuer": "Example Internal CA",
				},
			}},
		})},
		{-80 * m, Acknowledge(DemoCDN, EmailYuki)},
		{-78 * m, AddNote(DemoCDN, EmailYuki, "Renewal is blocked on the ACME DNS challenge; ticket PLAT-2231 opened with the DNS team. Not urgent.")},
		{-45 * m, Trigger(IncidentSpec{
			Key: DemoAuth, Service: ServiceAuth, Urgency: urgencyLow, Priority: "P4",
			Title: "auth: token refresh error rate elevated (0.8%)",
			Alerts: []AlertSpec{{
				Summary: "POST /oauth/token 4xx ratio 0.8% over 15m", Severity: "error",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/auth/token-refresh-errors",
					"component":   "token-service", "class": "http_errors",
					"source": "prometheus/prod-eu-west-1", "error_rate": "0.8%", "endpoint": "/oauth/token",
				},
			}},
		})},
		{-40 * m, Acknowledge(DemoAuth, EmailSofia)},
		{-35 * m, AddNote(DemoAuth, EmailSofia, "Only legacy mobile clients (< 5.2) are affected; they send an expired refresh token. Not customer-blocking.")},
		{-14 * m, Trigger(IncidentSpec{
			Key: DemoCheckout, Service: ServiceCheckout, Urgency: urgencyHigh, Priority: "P1",
			Title: "checkout-api: 5xx rate above 5% on POST /v2/orders",
			Alerts: []AlertSpec{{
				Summary: "HTTP 5xx ratio 7.2% on POST /v2/orders (threshold 5%)", Severity: "critical",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/checkout/high-5xx",
					"component":   "orders-handler", "class": "http_errors",
					"source": "prometheus/prod-us-east-1", "error_rate": "7.2%",
					"dashboard": "https://grafana.example.com/d/checkout-overview",
				},
			}},
		})},
		{-11 * m, Acknowledge(DemoCheckout, DemoUserEmail)},
		{-9 * m, AddNote(DemoCheckout, EmailJamal, "checkout-api 4.12 finished deploying ~20 minutes ago; the spike lines up with it. Looking at a rollback.")},
		{-6 * m, Trigger(IncidentSpec{
			Key: DemoPayments, Service: ServicePayments, Urgency: urgencyHigh, Priority: "P2",
			Title: "payments-gateway: upstream timeouts to card processor",
			Alerts: []AlertSpec{{
				Summary: "Card processor p99 latency 9.8s, 3.1% of authorizations timing out", Severity: "critical",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/payments/processor-timeouts",
					"component":   "processor-client", "class": "upstream_timeout",
					"source": "datadog", "processor": "acme-acquiring", "timeout_ratio": "3.1%",
				},
			}},
		})},
		{-2 * m, Trigger(IncidentSpec{
			Key: DemoSearch, Service: ServiceSearch, Urgency: urgencyHigh, Priority: "P3",
			Title: "search: p95 query latency 1.8s (SLO 800ms)",
			Alerts: []AlertSpec{{
				Summary: "search-api p95 latency 1.8s for 10m", Severity: "error",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/search/latency",
					"component":   "query-frontend", "class": "latency",
					"source": "prometheus/prod-us-east-1", "p95_ms": 1800, "slo_ms": 800,
				},
			}},
		})},

		// Live: what happens while the demo runs.
		{20 * s, AddNote(DemoCheckout, EmailJamal, "Rollback to 4.11 is prepared. Waiting for a go from whoever is driving.")},
		{40 * s, GroupAlert(DemoCheckout, AlertSpec{
			Summary: "POST /v2/orders p99 latency 2.4s (threshold 1s)", Severity: "error",
			Details: map[string]any{
				"runbook_url": "https://runbooks.example.com/checkout/high-latency",
				"component":   "orders-handler", "class": "latency",
				"source": "prometheus/prod-us-east-1", "p99_ms": 2400,
			},
		})},
		{60 * s, Trigger(IncidentSpec{
			Key: DemoInventory, Service: ServiceInventoryDB, Urgency: urgencyHigh, Priority: "P2",
			Title: "inventory-db: replication lag 45s on replica db-inv-2",
			Alerts: []AlertSpec{{
				Summary: "pg_replication_lag_seconds 45 on db-inv-2 (threshold 10)", Severity: "critical",
				Details: map[string]any{
					"runbook_url": "https://runbooks.example.com/inventory-db/replication-lag",
					"component":   "postgresql", "class": "replication_lag",
					"source": "prometheus/prod-us-east-1", "replica": "db-inv-2", "lag_seconds": 45,
				},
			}},
		})},
		{90 * s, Escalate(DemoPayments, 2, "")},
		{2 * m, Acknowledge(DemoSearch, EmailMarcus)},
		{150 * s, GroupAlert(DemoInventory, AlertSpec{
			Summary: "pg_replication_lag_seconds 62 on db-inv-3 (threshold 10)", Severity: "critical",
			Details: map[string]any{
				"runbook_url": "https://runbooks.example.com/inventory-db/replication-lag",
				"component":   "postgresql", "class": "replication_lag",
				"source": "prometheus/prod-us-east-1", "replica": "db-inv-3", "lag_seconds": 62,
			},
		})},
		{3 * m, Resolve(DemoNotifications, "")},
		{3*m + 30*s, AddNote(DemoPayments, EmailPriya, "Processor status page confirms degraded authorizations in EU. Preparing failover to the secondary acquirer.")},
		{4 * m, AddNote(DemoSearch, EmailMarcus, "Hot shard on index products-v7 after the catalog import; rebalancing now.")},
		{5 * m, Acknowledge(DemoInventory, EmailYuki)},
		{5*m + 30*s, Acknowledge(DemoPayments, EmailPriya)},
		{6 * m, AddNote(DemoCheckout, EmailJamal, "Rollback to 4.11 complete at the edge; 5xx ratio back to 0.4%. Keeping the incident open for 10 more minutes.")},
		{7 * m, AddNote(DemoInventory, EmailYuki, "db-inv-2 was I/O-throttled after the nightly vacuum; lag is recovering (12s and falling).")},
		// Priya works payments from her own oncall: her structured entries
		// reach PagerDuty as notes with trailers, and every other oncall
		// reads them back typed.
		{4*m + 30*s, mirrored(DemoPayments, EmailPriya, "demo-priya-role", must(domain.NewRole(domain.RoleCommander, "Priya Natarajan")))},
		{5 * m, mirrored(DemoPayments, EmailPriya, "demo-priya-decision", must(domain.NewDecision(
			"fail over to the secondary acquirer", "the primary processor is degraded in the EU", "Priya Natarajan")))},
		{7*m + 30*s, AddNote(DemoPayments, EmailPriya, "Failover to the secondary acquirer done; authorization timeouts down to 0.2%.")},
		{8 * m, mirrored(DemoPayments, EmailPriya, "demo-priya-update", must(domain.NewStatusUpdate(
			"Card authorizations have recovered after a failover to our secondary processor. We are watching them for 15 more minutes.")))},
		{8*m + 30*s, Resolve(DemoSearch, EmailMarcus)},
		{9 * m, AddNote(DemoSearch, EmailHannah, "Follow-up: alert on shard skew before latency moves. SEARCH-881.")},
		{9*m + 30*s, Resolve(DemoInventory, EmailYuki)},
		{10 * m, AddNote(DemoAuth, EmailDiego, "Mobile 5.2 rollout is at 80%; the error rate should fade with it. Leaving this with Sofia.")},
	}
}

// mirrored is a note as another responder's oncall writes a structured
// event to PagerDuty: readable text and the trailer that carries its kind
// and fields (domain.Mirror), under a fixed local id so the demo is
// reproducible.
func mirrored(key, email, localID string, e domain.Event) Action {
	e.ID = localID
	content, err := domain.Mirror(e)
	if err != nil {
		panic(fmt.Sprintf("pdsim: demo entry %s: %v", localID, err)) // a mistake in the script, not in input
	}
	return AddNote(key, email, content)
}

func must(e domain.Event, err error) domain.Event {
	if err != nil {
		panic("pdsim: demo entry: " + err.Error())
	}
	return e
}
