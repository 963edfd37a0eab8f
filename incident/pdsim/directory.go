package pdsim

import (
	"slices"
	"strings"
	"time"
)

// The account's fixed directory: users, escalation policies, services and
// priorities. Every Server has the same directory, so a scenario (or a test)
// can name people by email and services by name.

type user struct {
	id, name, email string
	timeZone, role  string
	jobTitle, color string
	teams           []*team // the teams of the policies the user is on
}

// team owns one escalation policy; its incidents are the team's.
type team struct {
	id, name, description string
}

type policy struct {
	id, name, description string
	delayMinutes          int
	levels                [][]*user // levels[0] is escalation level 1
	services              []*service
	team                  *team
}

type service struct {
	id, name, description string
	policy                *policy
	createdAt             time.Time
}

type priority struct {
	id, name, description string
}

type directory struct {
	teams      []*team
	users      []*user
	policies   []*policy
	services   []*service
	priorities []*priority
}

// userByEmail finds a user by email, ignoring case as PagerDuty does.
func (d *directory) userByEmail(email string) *user {
	email = strings.TrimSpace(email)
	for _, u := range d.users {
		if strings.EqualFold(u.email, email) {
			return u
		}
	}
	return nil
}

func (d *directory) policyByID(id string) *policy {
	for _, p := range d.policies {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (d *directory) userByID(id string) *user {
	for _, u := range d.users {
		if u.id == id {
			return u
		}
	}
	return nil
}

// serviceByRef finds a service by id or by name.
func (d *directory) serviceByRef(ref string) *service {
	for _, s := range d.services {
		if s.id == ref || s.name == ref {
			return s
		}
	}
	return nil
}

// priorityByRef finds a priority by id or by name ("P1").
func (d *directory) priorityByRef(ref string) *priority {
	for _, p := range d.priorities {
		if p.id == ref || strings.EqualFold(p.name, ref) {
			return p
		}
	}
	return nil
}

// DemoUserEmail is the email of the user that GET /users/me returns for the
// server's token: the person running `oncall demo`.
const DemoUserEmail = "alex.rivera@example.com"

// DemoUserID is the id of the user with DemoUserEmail.
const DemoUserID = "PAR1V3A"

// Team ids of the simulated account. Each team owns one escalation policy,
// and an incident belongs to its policy's team; the demo user is on
// Checkout and Payments.
const (
	TeamCheckout = "PTM1CHK"
	TeamPayments = "PTM2PAY"
	TeamSearch   = "PTM3SRC"
	TeamIdentity = "PTM4IDN"
	TeamPlatform = "PTM5PLT"
)

// Emails of the other people in the simulated account; scenarios and tests
// use them as note authors and in From headers.
const (
	EmailPriya  = "priya.natarajan@example.com"
	EmailMarcus = "marcus.chen@example.com"
	EmailSofia  = "sofia.lindqvist@example.com"
	EmailJamal  = "jamal.okafor@example.com"
	EmailHannah = "hannah.weber@example.com"
	EmailDiego  = "diego.morales@example.com"
	EmailYuki   = "yuki.tanaka@example.com"
)

// Service names of the simulated account.
const (
	ServiceCheckout      = "checkout-api"
	ServicePayments      = "payments-gateway"
	ServiceSearch        = "search"
	ServiceAuth          = "auth"
	ServiceNotifications = "notifications"
	ServiceInventoryDB   = "inventory-db"
	ServiceCDN           = "cdn-edge"
)

// newDirectory builds the account. Ids are fixed so that tests can name them.
func newDirectory(created time.Time) *directory {
	u := func(id, name, email, tz, role, title, color string) *user {
		return &user{id: id, name: name, email: email, timeZone: tz, role: role, jobTitle: title, color: color}
	}
	alex := u(DemoUserID, "Alex Rivera", DemoUserEmail, "America/New_York", "user", "Site Reliability Engineer", "teal")
	priya := u("PPN7T2Q", "Priya Natarajan", EmailPriya, "Europe/London", "user", "Payments Engineer", "purple")
	marcus := u("PMC4H8N", "Marcus Chen", EmailMarcus, "America/Los_Angeles", "user", "Search Engineer", "orange")
	sofia := u("PSL2Q9D", "Sofia Lindqvist", EmailSofia, "Europe/Stockholm", "user", "Identity Engineer", "green")
	jamal := u("PJO6K1F", "Jamal Okafor", EmailJamal, "America/Chicago", "admin", "Engineering Manager, Checkout", "red")
	hannah := u("PHW3M5C", "Hannah Weber", EmailHannah, "Europe/Berlin", "user", "Search Engineer", "blue")
	diego := u("PDM8R4X", "Diego Morales", EmailDiego, "America/Mexico_City", "user", "Security Engineer", "brown")
	yuki := u("PYT5W7J", "Yuki Tanaka", EmailYuki, "Asia/Tokyo", "user", "Platform Engineer", "cayenne")

	pol := func(id, name, desc string, tm *team, levels ...[]*user) *policy {
		p := &policy{id: id, name: name, description: desc, delayMinutes: 15, levels: levels, team: tm}
		for _, level := range levels {
			for _, u := range level {
				if !slices.Contains(u.teams, tm) {
					u.teams = append(u.teams, tm)
				}
			}
		}
		return p
	}
	checkoutT := &team{TeamCheckout, "Checkout", "Cart, orders and the checkout API."}
	paymentsT := &team{TeamPayments, "Payments", "Card processing and payouts."}
	searchT := &team{TeamSearch, "Search", "Search indexing and query serving."}
	identityT := &team{TeamIdentity, "Identity", "Login, tokens and sessions."}
	platformT := &team{TeamPlatform, "Platform", "Databases, queues and the edge."}
	checkoutEP := pol("PEP1CHK", "Checkout On-Call", "Checkout and cart; Jamal is the backstop.", checkoutT, []*user{alex}, []*user{jamal})
	paymentsEP := pol("PEP2PAY", "Payments On-Call", "Card processing and payouts.", paymentsT, []*user{priya}, []*user{alex}, []*user{jamal})
	searchEP := pol("PEP3SRC", "Search On-Call", "Search indexing and query serving.", searchT, []*user{marcus}, []*user{hannah})
	identityEP := pol("PEP4IDN", "Identity On-Call", "Login, tokens and sessions.", identityT, []*user{sofia}, []*user{diego})
	platformEP := pol("PEP5PLT", "Platform On-Call", "Databases, queues and the edge.", platformT, []*user{yuki}, []*user{jamal})

	svc := func(id, name, desc string, p *policy) *service {
		s := &service{id: id, name: name, description: desc, policy: p, createdAt: created}
		p.services = append(p.services, s)
		return s
	}
	d := &directory{
		teams:    []*team{checkoutT, paymentsT, searchT, identityT, platformT},
		users:    []*user{alex, priya, marcus, sofia, jamal, hannah, diego, yuki},
		policies: []*policy{checkoutEP, paymentsEP, searchEP, identityEP, platformEP},
		priorities: []*priority{
			{"PRI1XK2", "P1", "Critical: customer-facing outage, all hands."},
			{"PRI2MB7", "P2", "High: major degradation, customers affected."},
			{"PRI3QZ4", "P3", "Moderate: partial degradation, workaround exists."},
			{"PRI4HT9", "P4", "Low: minor impact, fix during working hours."},
			{"PRI5NV3", "P5", "Informational: no customer impact."},
		},
	}
	d.services = []*service{
		svc("PSV1CKO", ServiceCheckout, "Cart and order placement API.", checkoutEP),
		svc("PSV2PAY", ServicePayments, "Card authorization and capture.", paymentsEP),
		svc("PSV3SRC", ServiceSearch, "Product search queries.", searchEP),
		svc("PSV4ATH", ServiceAuth, "Login, OAuth and token refresh.", identityEP),
		svc("PSV5NTF", ServiceNotifications, "Email, SMS and push delivery.", platformEP),
		svc("PSV6INV", ServiceInventoryDB, "Inventory PostgreSQL cluster.", platformEP),
		svc("PSV7CDN", ServiceCDN, "CDN and TLS termination.", platformEP),
	}
	return d
}
