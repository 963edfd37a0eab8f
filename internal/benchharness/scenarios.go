package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oncallkit/oncall/incident"
	"github.com/oncallkit/oncall/incident/pagerduty"
	"github.com/oncallkit/oncall/incident/pdsim"
	"github.com/oncallkit/oncall/internal/pty"
	"github.com/oncallkit/oncall/store"
)

// rowMark is in the title of every cached incident the harness writes,
// so the first frame holding a row is recognisable in the byte stream.
const rowMark = "harness-row"

// run is one oncall process on a pseudo-terminal.
type run struct {
	cmd     *exec.Cmd
	master  *os.File
	started time.Time

	mu     sync.Mutex
	out    bytes.Buffer
	marks  map[string]time.Time // needle -> when it first appeared
	faults map[string]int64     // needle -> the process's page faults then
	wanted []string
	done   chan struct{}
}

// launch starts the binary on a 120x40 pseudo-terminal with a private
// environment and journal, and timestamps the first appearance of each
// needle in its output. It answers the background colour query as a dark
// terminal would.
func (h *harness) launch(dir, db, api string, needles []string, args ...string) (*run, error) {
	master, slave, err := pty.Open(40, 120)
	if err != nil {
		return nil, err
	}
	defer slave.Close()
	full := append([]string{"--db", db, "--api-url", api}, args...)
	cmd := exec.Command(h.bin, full...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=xterm-256color",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"PAGERDUTY_TOKEN=" + pdsim.DemoToken,
	}
	// From its own empty directory: the default runbook and pre-mortem
	// folders are relative, and the directory the harness is run from
	// (the repository) has a runbooks folder of its own.
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	r := &run{cmd: cmd, master: master, marks: map[string]time.Time{}, faults: map[string]int64{}, wanted: needles, done: make(chan struct{})}
	r.started = time.Now()
	if err := cmd.Start(); err != nil {
		master.Close()
		return nil, err
	}
	go r.read()
	return r, nil
}

func (r *run) read() {
	defer close(r.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := r.master.Read(buf)
		now := time.Now()
		if n > 0 {
			r.mu.Lock()
			r.out.Write(buf[:n])
			if bytes.Contains(buf[:n], []byte("\x1b]11;?")) {
				r.master.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
			}
			for _, w := range r.wanted {
				if _, ok := r.marks[w]; !ok && bytes.Contains(r.out.Bytes(), []byte(w)) {
					r.marks[w] = now
					if n, err := minorFaults(r.cmd.Process.Pid); err == nil {
						r.faults[w] = n
					}
				}
			}
			if r.out.Len() > 8<<20 {
				// Keep memory bounded on long runs: the marks are taken.
				rest := slices.Clone(r.out.Bytes()[r.out.Len()-4096:])
				r.out.Reset()
				r.out.Write(rest)
			}
			r.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// waitFor waits until needle appeared and returns how long after start.
func (r *run) waitFor(needle string, limit time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		at, ok := r.marks[needle]
		r.mu.Unlock()
		if ok {
			return at.Sub(r.started), nil
		}
		time.Sleep(time.Millisecond)
	}
	r.mu.Lock()
	tail := r.out.String()
	r.mu.Unlock()
	if len(tail) > 600 {
		tail = tail[len(tail)-600:]
	}
	return 0, fmt.Errorf("%q not on screen after %s; the screen's last bytes: %q", needle, limit, tail)
}

// stop ends the process (ctrl+c, then a kill) and reaps it.
func (r *run) stop() {
	r.master.Write([]byte{3})
	exited := make(chan struct{})
	go func() { r.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		r.cmd.Process.Kill()
		<-exited
	}
	r.master.Close()
	<-r.done
}

// seedJournal writes a journal holding n cached incidents (titles carry
// rowMark), as the program leaves it after a fetch.
func seedJournal(path string, n int, snap *store.Snapshot) ([]incident.Incident, error) {
	s, err := store.Open(path)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	now := time.Now().UTC()
	list := make([]incident.Incident, n)
	for i := range list {
		list[i] = incident.Incident{
			ID: fmt.Sprintf("PH%06d", i), Number: 1000 + i, Title: fmt.Sprintf("%s %d: checkout latency above SLO", rowMark, i),
			Status: incident.Triggered, Urgency: incident.High, Service: incident.Ref{ID: "PSVC1", Name: "checkout"},
			CreatedAt: now.Add(-time.Duration(i) * time.Minute),
		}
	}
	if err := s.SaveIncidents(list, now); err != nil {
		return nil, err
	}
	if snap != nil {
		if err := s.SaveSnapshot(*snap); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// hangingAPI is a PagerDuty that never answers until the run ends: the
// first frame must come from the journal's cached list.
func hangingAPI() (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	stop := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { close(stop); srv.Close() }
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// start: process start to the first frame holding a cached incident row,
// 1,000 incidents cached, PagerDuty not answering yet.
func (h *harness) start() error {
	dir, err := os.MkdirTemp("", "oncall-bench-start-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "journal.db")
	if _, err := seedJournal(db, 1000, nil); err != nil {
		return err
	}
	api, stop := hangingAPI()
	defer stop()
	var times []time.Duration
	var faults []int64
	for i := 0; i < h.runs; i++ {
		r, err := h.launch(dir, db, api, []string{rowMark})
		if err != nil {
			return err
		}
		d, err := r.waitFor(rowMark, 10*time.Second)
		r.mu.Lock()
		if n, ok := r.faults[rowMark]; ok {
			faults = append(faults, n)
		}
		r.mu.Unlock()
		r.stop()
		if err != nil {
			return err
		}
		times = append(times, d)
	}
	row("start to first row (1,000 cached)", fmt.Sprintf("%s (median of %d; min %s)", ms(median(times)), len(times), ms(slices.Min(times))), "25 ms")
	if len(faults) > 0 {
		slices.Sort(faults)
		row("  page faults by then", fmt.Sprintf("%d (median)", faults[len(faults)/2]), "")
	}
	return nil
}

// timeCmd runs name args n times and returns the median wall time.
func timeCmd(n int, name string, args ...string) (time.Duration, int64, error) {
	var ds []time.Duration
	var faults []int64
	for i := 0; i < n; i++ {
		c := exec.Command(name, args...)
		c.Env = []string{"HOME=" + os.TempDir()}
		t := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			return 0, 0, fmt.Errorf("%s: %w: %s", name, err, out)
		}
		ds = append(ds, time.Since(t))
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
			faults = append(faults, int64(ru.Minflt)) // int32 on some platforms
		}
	}
	slices.Sort(faults)
	var f int64
	if len(faults) > 0 {
		f = faults[len(faults)/2]
	}
	return median(ds), f, nil
}

// minorFaults is the page faults pid has taken so far (field 10 of
// /proc/PID/stat). On a virtual machine where a fault is dear, they are
// most of a start's time, and unlike milliseconds they hardly vary with
// the machine's load.
func minorFaults(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 8 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return strconv.ParseInt(f[7], 10, 64) // fields 3.. start after ')': minflt is field 10
}

// version: oncall --version against a Go program that only prints.
func (h *harness) version() error {
	dir, err := os.MkdirTemp("", "oncall-bench-plain-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "main.go")
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module plain\n\ngo 1.22\n"), 0o644)
	os.WriteFile(src, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"plain 1.0\") }\n"), 0o644)
	plain := filepath.Join(dir, "plain")
	build := exec.Command("go", "build", "-o", plain, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the plain program: %w: %s", err, out)
	}
	n := max(h.runs*2, 10)
	p, pf, err := timeCmd(n, plain)
	if err != nil {
		return err
	}
	v, vf, err := timeCmd(n, h.bin, "--version")
	if err != nil {
		return err
	}
	row("oncall --version", fmt.Sprintf("%s = %.1fx plain (%s)", ms(v), float64(v)/float64(p), ms(p)), "5x plain")
	row("  page faults", fmt.Sprintf("%d; plain %d", vf, pf), "")
	return nil
}

// initTrace: the package initialisation the runtime reports
// (GODEBUG=inittrace=1) for oncall --version, summed, with the costliest.
func (h *harness) initTrace() error {
	var totals []float64
	var worst []string
	for i := 0; i < max(h.runs/3, 3); i++ {
		c := exec.Command(h.bin, "--version")
		c.Env = []string{"HOME=" + os.TempDir(), "GODEBUG=inittrace=1"}
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		type pkg struct {
			name string
			ms   float64
		}
		var pkgs []pkg
		total := 0.0
		for _, line := range strings.Split(string(out), "\n") {
			// init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs
			f := strings.Fields(line)
			if len(f) < 6 || f[0] != "init" {
				continue
			}
			v, err := strconv.ParseFloat(f[4], 64)
			if err != nil {
				continue
			}
			total += v
			pkgs = append(pkgs, pkg{f[1], v})
		}
		totals = append(totals, total)
		sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ms > pkgs[j].ms })
		worst = worst[:0]
		for _, p := range pkgs[:min(5, len(pkgs))] {
			worst = append(worst, fmt.Sprintf("%s %.2f", p.name, p.ms))
		}
	}
	sort.Float64s(totals)
	row("package init (inittrace, summed)", fmt.Sprintf("%.2f ms (median of %d)", totals[len(totals)/2], len(totals)), "5 ms")
	fmt.Printf("    costliest (ms, last run): %s\n", strings.Join(worst, ", "))
	return nil
}

// procStatus reads VmRSS and VmHWM of pid, in MB.
func procStatus(pid int) (rss, hwm float64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm, nil
}

// procIO reads write_bytes (what reached the storage layer) and wchar
// (every write, terminal included) of pid.
func procIO(pid int) (writeBytes, wchar int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch k {
		case "write_bytes":
			writeBytes = n
		case "wchar":
			wchar = n
		}
	}
	return writeBytes, wchar, nil
}

// counting serves pdsim and counts the requests it answers, by path.
type counting struct {
	sim   *pdsim.Server
	total atomic.Int64
	mu    sync.Mutex
	paths map[string]int
	// failLogs answers every log entry read with 404, so the program
	// falls back to the timeline the journal holds.
	failLogs bool
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.total.Add(1)
	p := r.URL.Path
	if parts := strings.Split(strings.Trim(p, "/"), "/"); len(parts) >= 2 && parts[0] == "incidents" {
		parts[1] = "{id}"
		p = "/" + strings.Join(parts, "/")
	}
	c.mu.Lock()
	c.paths[r.Method+" "+p]++
	c.mu.Unlock()
	if c.failLogs && strings.HasSuffix(r.URL.Path, "/log_entries") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"error":{"message":"Not Found","code":2100}}`))
		return
	}
	c.sim.ServeHTTP(w, r)
}

func (c *counting) snapshot() (int64, map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total.Load(), maps(c.paths)
}

func maps(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func serve(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }
}

// rss: 1,000 incidents cached and a 100,000-event timeline open and
// drawn. The timeline comes from the journal's last known state of the
// incident (PagerDuty's log answers 404 here), because PagerDuty itself
// serves no more than 10,000 entries of one incident's log.
func (h *harness) rss() error {
	dir, err := os.MkdirTemp("", "oncall-bench-rss-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	res, err := sim.Bulk(pdsim.BulkSpec{Incidents: 1, LogEntries: 1, Seed: 3})
	if err != nil {
		return err
	}
	id := res.TimelineIncident
	now := time.Now().UTC()
	events := make([]incident.Event, 100_000)
	for i := range events {
		events[i] = incident.Event{
			ID: fmt.Sprintf("R%07d", i), IncidentID: id, Kind: incident.KindNote, Origin: incident.Remote,
			At:      now.Add(time.Duration(i-len(events)) * time.Second),
			Actor:   "Priya Raman",
			Summary: fmt.Sprintf("checked shard %d: replication lag %d s, p99 latency back under 300 ms after the restart", i%64, i%17),
		}
	}
	db := filepath.Join(dir, "journal.db")
	inc := incident.Incident{ID: id, Number: 1, Title: "checkout latency", Status: incident.Triggered, Urgency: incident.High}
	if _, err := seedJournal(db, 1000, &store.Snapshot{Incident: inc, Events: events, FetchedAt: now}); err != nil {
		return err
	}
	events = nil
	c := &counting{sim: sim, paths: map[string]int{}, failLogs: true}
	api, stop := serve(c)
	defer stop()
	r, err := h.launch(dir, db, api, []string{"R0099999", "replication lag"}, id)
	if err != nil {
		return err
	}
	defer r.stop()
	d, err := r.waitFor("replication lag", 60*time.Second)
	if err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // let the collector settle after the build
	rss, hwm, err := procStatus(r.cmd.Process.Pid)
	if err != nil {
		return err
	}
	row("timeline drawn (100,000 events)", ms(d)+" after start", "")
	row("RSS, 1,000 + 100,000 drawn", fmt.Sprintf("%.0f MB (peak %.0f MB)", rss, hwm), "100 MB (peak 150 MB)")
	return nil
}

// idle measures requests and writes over h.seconds once the screen is up.
func (h *harness) idle(name string, c *counting, api, dir, db, ready string, args ...string) error {
	r, err := h.launch(dir, db, api, []string{ready}, args...)
	if err != nil {
		return err
	}
	defer r.stop()
	if _, err := r.waitFor(ready, 60*time.Second); err != nil {
		return err
	}
	time.Sleep(5 * time.Second) // the first fetches end
	pid := r.cmd.Process.Pid
	n0, p0 := c.snapshot()
	w0, ch0, err := procIO(pid)
	if err != nil {
		return err
	}
	time.Sleep(time.Duration(h.seconds) * time.Second)
	n1, p1 := c.snapshot()
	w1, ch1, err := procIO(pid)
	if err != nil {
		return err
	}
	perMin := func(v int64) float64 { return float64(v) * 60 / float64(h.seconds) }
	row(name+" requests", fmt.Sprintf("%.0f /min", perMin(n1-n0)), "")
	row(name+" written to disk", fmt.Sprintf("%.2f MB/min (write_bytes)", perMin(w1-w0)/1e6), "0 when nothing changed")
	row(name+" written, terminal incl.", fmt.Sprintf("%.2f MB/min (wchar)", perMin(ch1-ch0)/1e6), "")
	var by []string
	for k, v := range p1 {
		if d := v - p0[k]; d > 0 {
			by = append(by, fmt.Sprintf("%s %d", k, d))
		}
	}
	sort.Strings(by)
	fmt.Printf("    requests over %d s: %s\n", h.seconds, strings.Join(by, ", "))
	return nil
}

// idleDetail: one incident open, its newest log entry an acknowledgement,
// nothing happening.
func (h *harness) idleDetail() error {
	dir, err := os.MkdirTemp("", "oncall-bench-idle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	res, err := sim.Bulk(pdsim.BulkSpec{Incidents: 20, LogEntries: 200, Seed: 5})
	if err != nil {
		return err
	}
	c := &counting{sim: sim, paths: map[string]int{}}
	api, stop := serve(c)
	defer stop()
	client, err := pagerduty.New(pagerduty.Config{Token: pdsim.DemoToken, APIURL: api})
	if err != nil {
		return err
	}
	if err := client.Acknowledge(context.Background(), res.TimelineIncident); err != nil {
		return fmt.Errorf("acknowledge: %w", err)
	}
	db := filepath.Join(dir, "journal.db")
	return h.idle("idle, one incident open:", c, api, dir, db, "Acknowledged", res.TimelineIncident)
}

// idleList: the list of a 10,000-incident account, nothing happening.
func (h *harness) idleList() error {
	dir, err := os.MkdirTemp("", "oncall-bench-idle-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sim := pdsim.New(pdsim.Options{Scenario: pdsim.Scenario{}})
	if _, err := sim.Bulk(pdsim.BulkSpec{Incidents: 10_000, Seed: 7}); err != nil {
		return err
	}
	c := &counting{sim: sim, paths: map[string]int{}}
	api, stop := serve(c)
	defer stop()
	db := filepath.Join(dir, "journal.db")
	return h.idle("idle, 10,000-incident list:", c, api, dir, db, "#")
}
