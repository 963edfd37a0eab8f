package postmortem

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Actions are a draft's action items with what a ticket needs to point
// back at: the incident and the draft.
type Actions struct {
	IncidentID     string       `json:"incident_id,omitempty"`
	IncidentNumber int          `json:"incident_number,omitempty"`
	IncidentTitle  string       `json:"incident_title,omitempty"`
	IncidentURL    string       `json:"incident_url,omitempty"`
	Draft          string       `json:"draft,omitempty"` // the draft's path, when read from one
	Items          []ActionItem `json:"items"`
}

// ErrNoActionItems is returned when a draft has no action items table.
var ErrNoActionItems = errors.New("no action items table")

// ActionsOf are the action items of a report.
func ActionsOf(r Report) Actions {
	return Actions{IncidentID: r.Incident.ID, IncidentNumber: r.Incident.Number, IncidentTitle: r.Incident.Title,
		IncidentURL: r.Incident.URL, Items: r.ActionItems}
}

// ReadActions reads the action items of a draft: the JSON a draft is
// written as, or the Markdown after a person edited it (its "Action items"
// table and header). Placeholder rows and cells are left out.
func ReadActions(src []byte) (Actions, error) {
	if t := bytes.TrimSpace(src); len(t) > 0 && t[0] == '{' {
		var r Report
		if err := json.Unmarshal(t, &r); err != nil {
			return Actions{}, fmt.Errorf("read JSON draft: %w", err)
		}
		if r.Schema != SchemaVersion {
			return Actions{}, fmt.Errorf("read JSON draft: schema %q, want %q", oneLine(r.Schema), SchemaVersion)
		}
		a := ActionsOf(r)
		for i := range a.Items { // the file is outside text
			it := &a.Items[i]
			it.Title, it.Type, it.Owner, it.Due = oneLine(it.Title), oneLine(it.Type), oneLine(it.Owner), oneLine(it.Due)
			it.Ticket, it.State = safeURL(it.Ticket), oneLine(it.State)
		}
		a.IncidentID, a.IncidentTitle, a.IncidentURL = oneLine(a.IncidentID), oneLine(a.IncidentTitle), safeURL(a.IncidentURL)
		return a, nil
	}
	if err := CheckMarkdown(src); err != nil {
		return Actions{}, err
	}
	return actionsFromMarkdown(src)
}

// The lines of a Markdown draft that ReadActions reads back. Like every
// expression of this package, compiled on first use rather than at package
// init, which every command of the binary would pay for.
var (
	mdIncident = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^- \*\*Incident:\*\* (?:#(\d+)|(\S+))(?: \(<(https?://[^>\s]+)>\))?`)
	})
	mdTitle = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^# Postmortem: (.*)$`)
	})
	mdDone = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(` _\((done|cancelled)\)_$`)
	})
)

func actionsFromMarkdown(src []byte) (Actions, error) {
	var a Actions
	section := ""
	var header []string
	saw := false
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), MaxDraftSize)
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		if m := mdTitle().FindStringSubmatch(t); m != nil && a.IncidentTitle == "" {
			a.IncidentTitle = prose(m[1])
		}
		if m := mdIncident().FindStringSubmatch(t); m != nil && a.IncidentID == "" && a.IncidentNumber == 0 {
			a.IncidentNumber, _ = strconv.Atoi(m[1])
			a.IncidentID = unescape(m[2])
			a.IncidentURL = safeURL(m[3])
		}
		if h, ok := strings.CutPrefix(t, "## "); ok {
			section, header = strings.ToLower(strings.TrimSpace(h)), nil
			saw = saw || section == "action items"
			continue
		}
		if section != "action items" || !strings.HasPrefix(t, "|") {
			header = nil
			continue
		}
		cells := splitRow(t)
		switch {
		case header == nil:
			header = cells
			for i := range header {
				header[i] = strings.ToLower(unescape(header[i]))
			}
		case isSeparator(cells):
		default:
			col := func(name string) string {
				for i, h := range header {
					if h == name && i < len(cells) && !isPlaceholder(cells[i]) {
						return cells[i]
					}
				}
				return ""
			}
			item := col("item")
			if item == "" {
				continue // the template row
			}
			it := ActionItem{Type: prose(col("type")), Owner: prose(col("owner")), Due: prose(col("due"))}
			if m := mdDone().FindStringSubmatch(item); m != nil {
				it.State, item = m[1], strings.TrimSuffix(item, m[0])
			}
			it.Title = prose(item)
			it.Ticket = safeURL(strings.Trim(strings.TrimSpace(col("ticket")), "<>"))
			a.Items = append(a.Items, it)
		}
	}
	if err := sc.Err(); err != nil {
		return Actions{}, fmt.Errorf("read draft: %w", err)
	}
	if !saw {
		return Actions{}, ErrNoActionItems
	}
	if a.Items == nil {
		a.Items = []ActionItem{}
	}
	return a, nil
}

// ActionFormats are the formats WriteActions writes.
var ActionFormats = []string{"csv", "jsonl", "gh", "md"}

// WriteActions writes a's items to w in format: "csv" (for Jira's and
// Linear's CSV importers), "jsonl" (one JSON object a line), "gh" (a shell
// script of gh issue create commands, for a person to read and run) or
// "md" (a Markdown checklist).
func WriteActions(w io.Writer, a Actions, format string) error {
	switch format {
	case "csv":
		return actionsCSV(w, a)
	case "jsonl":
		return actionsJSONL(w, a)
	case "gh":
		return actionsGH(w, a)
	case "md":
		return actionsMD(w, a)
	}
	return fmt.Errorf("action items format %q: use %s", format, strings.Join(ActionFormats, ", "))
}

// CSVColumns are the CSV's header. Summary, Description, Issue Type,
// Labels (repeated: one label per column, as Jira's importer takes
// several), Assignee and Due Date are the names Jira's CSV importer maps
// by default and Linear's Jira-CSV importer reads; Status and Ticket are
// for people and for mapping by hand.
var CSVColumns = []string{"Summary", "Description", "Issue Type", "Labels", "Labels", "Assignee", "Due Date", "Status", "Ticket"}

func (a Actions) ref() string {
	if a.IncidentNumber > 0 {
		return "#" + strconv.Itoa(a.IncidentNumber)
	}
	return orText(a.IncidentID, "an incident")
}

// description is a ticket's body: what it is, and where it came from.
func (a Actions) description(it ActionItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Follow-up from the postmortem of incident %s", a.ref())
	if a.IncidentTitle != "" {
		fmt.Fprintf(&b, " (%s)", a.IncidentTitle)
	}
	b.WriteString(".")
	if a.IncidentURL != "" {
		fmt.Fprintf(&b, "\nIncident: %s", a.IncidentURL)
	}
	if a.Draft != "" {
		fmt.Fprintf(&b, "\nPostmortem draft: %s", a.Draft)
	}
	if it.Type != "" {
		fmt.Fprintf(&b, "\nType: %s", it.Type)
	}
	if it.Owner != "" {
		fmt.Fprintf(&b, "\nOwner: %s", it.Owner)
	}
	if it.Due != "" {
		fmt.Fprintf(&b, "\nDue: %s", it.Due)
	}
	return b.String()
}

// label is a word a tracker takes as a label: no spaces.
func label(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "-")
}

func (a Actions) labels(it ActionItem) []string {
	out := []string{"postmortem"}
	if it.Type != "" {
		out = append(out, label(it.Type))
	}
	return out
}

func status(it ActionItem) string {
	switch it.State {
	case "done":
		return "Done"
	case "cancelled":
		return "Cancelled"
	}
	return "To Do"
}

func actionsCSV(w io.Writer, a Actions) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180, which both importers read
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, it := range a.Items {
		labels := append(a.labels(it), "", "")[:2]
		row := []string{csvSafe(it.Title), csvSafe(a.description(it)), "Task", labels[0], labels[1], csvSafe(it.Owner), csvSafe(it.Due), status(it), it.Ticket}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet that opens the CSV from reading a cell as a
// formula: a leading = + - @ (or tab, CR) gets a leading apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// actionLine is one JSON line of the jsonl format.
type actionLine struct {
	ActionItem
	IncidentID     string `json:"incident_id,omitempty"`
	IncidentNumber int    `json:"incident_number,omitempty"`
	IncidentURL    string `json:"incident_url,omitempty"`
	Draft          string `json:"draft,omitempty"`
}

func actionsJSONL(w io.Writer, a Actions) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, it := range a.Items {
		if err := enc.Encode(actionLine{it, a.IncidentID, a.IncidentNumber, a.IncidentURL, a.Draft}); err != nil {
			return fmt.Errorf("encode action item: %w", err)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// shellQuote quotes s for a POSIX shell: inside single quotes nothing is
// special but the single quote itself, which closes the quotes, adds an
// escaped quote and opens them again.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func actionsGH(w io.Writer, a Actions) error {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# GitHub issues for the follow-ups of incident %s, written by oncall postmortem actions.\n", oneLine(a.ref()))
	b.WriteString("# Nothing has been created: read this script, then run it in the repository\n")
	b.WriteString("# the issues belong to (sh FILE). The labels must exist there (gh label create).\n")
	b.WriteString("set -eu\n")
	open := 0
	for _, it := range a.Items {
		if it.State == "done" || it.State == "cancelled" || it.Ticket != "" {
			fmt.Fprintf(&b, "# skipped (%s): %s\n", orText(it.Ticket, it.State), oneLine(it.Title))
			continue
		}
		open++
		// --flag=value: a title starting with "-" stays a value.
		b.WriteString("gh issue create --title=" + shellQuote(it.Title) + " --body=" + shellQuote(a.description(it)))
		for _, l := range a.labels(it) {
			b.WriteString(" --label=" + shellQuote(l))
		}
		b.WriteString("\n")
	}
	if open == 0 {
		b.WriteString("# no open action items without a ticket\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func actionsMD(w io.Writer, a Actions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Follow-ups of incident %s", inline(a.ref()))
	if a.IncidentTitle != "" {
		fmt.Fprintf(&b, ": %s", inline(a.IncidentTitle))
	}
	if a.IncidentURL != "" {
		fmt.Fprintf(&b, " (%s)", autolink(a.IncidentURL))
	}
	b.WriteString("\n\n")
	for _, it := range a.Items {
		box := " "
		if it.State == "done" || it.State == "cancelled" {
			box = "x"
		}
		fmt.Fprintf(&b, "- [%s] %s", box, inline(it.Title))
		var meta []string
		if it.Type != "" {
			meta = append(meta, inline(it.Type))
		}
		meta = append(meta, "owner: "+orText(inline(it.Owner), "none"), "due: "+orText(inline(it.Due), "none"))
		if it.State == "cancelled" {
			meta = append(meta, "cancelled")
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(meta, "; "))
		if it.Ticket != "" {
			fmt.Fprintf(&b, " %s", autolink(it.Ticket))
		}
		b.WriteString("\n")
	}
	if len(a.Items) == 0 {
		b.WriteString("No action items were recorded.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
