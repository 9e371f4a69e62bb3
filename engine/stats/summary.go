package stats

import (
	"encoding/json"
	"io"
	"math"
	"time"
)

// SummarySchema names the version of the Summary document. A change that
// removes or renames a field, or changes a field's meaning, changes it;
// adding a field does not.
const SummarySchema = "gossip-summary/1"

// Summary is the JSON document gossip's -summary_json writes at the end of a
// run, for CI jobs and scripts: what ran, how many calls ended how, the
// rates, and the response-time and call-length percentiles. Counts are
// cumulative over the run. Durations are milliseconds with microsecond
// precision (a float); times are RFC 3339 with nanoseconds.
type Summary struct {
	// Schema is SummarySchema.
	Schema string `json:"schema"`
	// Version is gossip's version; SIPpCompat the SIPp version whose
	// command line, scenarios and files gossip follows.
	Version    string `json:"gossip_version"`
	SIPpCompat string `json:"sipp_compat"`
	// Args is the command line as typed, without the program name; Flags
	// the flags it gave, by name without the dash, each with its last value
	// as typed ("" for a switch).
	Args  []string          `json:"args"`
	Flags map[string]string `json:"flags"`

	// Scenario is the scenario's name (the file name without extension, or
	// the built-in's name); Mode "uac" (it starts calls) or "uas".
	Scenario  string `json:"scenario"`
	Mode      string `json:"mode"`
	Transport string `json:"transport"`
	Local     string `json:"local"`
	Remote    string `json:"remote,omitempty"`

	// Start and End delimit the run; ElapsedSeconds is End - Start.
	Start          time.Time `json:"start"`
	End            time.Time `json:"end"`
	ElapsedSeconds float64   `json:"elapsed_s"`
	// ExitStatus is the process's exit status (SIPp's: 0 every call
	// succeeded, 1 some failed, 97, 255, ...).
	ExitStatus int `json:"exit_status"`

	Rates    SummaryRates    `json:"rates"`
	Calls    SummaryCalls    `json:"calls"`
	Failures SummaryFailures `json:"failures"`
	Messages SummaryMessages `json:"messages"`

	// ResponseTimes has one entry per response-time counter (rtd=), in the
	// -trace_stat column order; CallLength covers every ended call.
	ResponseTimes []SummaryDist `json:"response_times"`
	CallLength    SummaryDist   `json:"call_length"`

	// Counters are the scenario's generic counters (counter=), by name.
	Counters map[string]uint64 `json:"counters"`
	// Steps are the per-message counters, one per scenario command.
	Steps []SummaryStep `json:"steps"`
	// HEP counts the messages mirrored to a HEP collector; absent when
	// none is configured.
	HEP *SummaryHEP `json:"hep,omitempty"`
	// Generator is gossip's report on itself: whether it, rather than the
	// system under test, limited the run. The caller fills it in.
	Generator SummaryGenerator `json:"generator"`
}

// SummaryGenerator is the generator's own health over the run: calls it
// started late against the rate's schedule, its event loops waking late,
// datagrams lost on its side (the kernel's receive queues, between its
// shards), datagrams it could not send, and datagrams its shards passed to
// each other (not a fault: a cost). Saturated is true, and Warning
// holds the "generator saturated: ..." line, when any but the send errors
// is non-zero: then the generator, not the target, may have limited the run.
type SummaryGenerator struct {
	Saturated      bool    `json:"saturated"`
	Warning        string  `json:"warning,omitempty"`
	LateCalls      uint64  `json:"late_calls"`
	LateMaxMS      float64 `json:"late_max_ms"`
	LateWakeups    uint64  `json:"late_wakeups"`
	WakeupLagMaxMS float64 `json:"wakeup_lag_max_ms"`
	KernelDrops    uint64  `json:"kernel_drops"`
	HandoffDrops   uint64  `json:"handoff_drops"`
	HandedOff      uint64  `json:"handed_off"`
	KernelSteered  uint64  `json:"kernel_steered"`
	SendErrors     uint64  `json:"send_errors"`
}

// SummaryMS converts d to the summary's milliseconds (microsecond
// precision).
func SummaryMS(d time.Duration) float64 { return msf(d) }

// SummaryRates are the call rates of a run, in calls per second.
type SummaryRates struct {
	// TargetCPS is the target rate at the end of the run (after any -rate_increase
	// ramp or rate key); 0 with -users.
	TargetCPS float64 `json:"target_cps"`
	// Users is the -users target, absent otherwise.
	Users int `json:"users,omitempty"`
	// AverageCPS is the calls created per second over the whole run.
	AverageCPS float64 `json:"average_cps"`
}

// SummaryCalls count calls. Every created call ends in exactly one of
// Successful, Failed or Aborted, or is still Current when the run ended.
type SummaryCalls struct {
	Created    uint64 `json:"created"`
	Incoming   uint64 `json:"incoming"`
	Outgoing   uint64 `json:"outgoing"`
	Successful uint64 `json:"successful"`
	Failed     uint64 `json:"failed"`
	Aborted    uint64 `json:"aborted"`
	Current    int    `json:"current"`
	Peak       int    `json:"peak"`
}

// SummaryFailures count failed calls by SIPp failure class, keyed by the
// class's -trace_stat column name without "(C)" ("FailedMaxUDPRetrans", ...;
// every class is present), plus "FailedUnclassified" for failed calls in no
// class. The values add up to SummaryCalls.Failed.
type SummaryFailures map[string]uint64

// SummaryMessages count messages over the run.
type SummaryMessages struct {
	Retransmissions uint64 `json:"retransmissions"`
	Unexpected      uint64 `json:"unexpected"`
	Timeouts        uint64 `json:"timeouts"`
	OutOfCall       uint64 `json:"out_of_call"`
	DeadCall        uint64 `json:"dead_call"`
	ParseErrors     uint64 `json:"parse_errors"`
	AutoAnswered    uint64 `json:"auto_answered"`
	Warnings        uint64 `json:"warnings"`
	FatalErrors     uint64 `json:"fatal_errors"`
}

// SummaryDist is a distribution of durations in milliseconds: count, mean,
// sample standard deviation, minimum, maximum (exact to the microsecond)
// and percentiles (from an HDR histogram with 3 significant digits).
type SummaryDist struct {
	// Name is the response-time counter's name; empty for call length.
	Name     string  `json:"name,omitempty"`
	Count    uint64  `json:"count"`
	MeanMS   float64 `json:"mean_ms"`
	StdDevMS float64 `json:"stddev_ms"`
	MinMS    float64 `json:"min_ms"`
	P50MS    float64 `json:"p50_ms"`
	P90MS    float64 `json:"p90_ms"`
	P99MS    float64 `json:"p99_ms"`
	P999MS   float64 `json:"p99_9_ms"`
	MaxMS    float64 `json:"max_ms"`
}

// SummaryStep is one scenario command's message counters.
type SummaryStep struct {
	// Index is the command's index in the scenario; Label describes it
	// ("INVITE ->", "200 <-", "Pause [0ms]").
	Index      int    `json:"index"`
	Label      string `json:"label"`
	Sent       uint64 `json:"sent"`
	Received   uint64 `json:"received"`
	Retrans    uint64 `json:"retransmissions"`
	Timeouts   uint64 `json:"timeouts"`
	Unexpected uint64 `json:"unexpected"`
}

// SummaryHEP counts HEP mirroring.
type SummaryHEP struct {
	Sent    uint64 `json:"sent"`
	Dropped uint64 `json:"dropped"`
}

// NewSummary fills a Summary from the final snapshot s of a run and its
// screen information. The caller sets Version, Args, Flags and ExitStatus.
func NewSummary(s *Snapshot, info ScreenInfo) *Summary {
	C := &s.Cumulative
	sum := &Summary{
		Schema:     SummarySchema,
		SIPpCompat: "3.6",
		Args:       []string{},
		Flags:      map[string]string{},
		Scenario:   info.Scenario,
		Mode:       info.Mode,
		Transport:  info.Transport,
		Local:      info.Local,
		Remote:     info.Remote,
		Start:      s.Start,
		End:        s.Now,
		Calls: SummaryCalls{
			Created: C.Created(), Incoming: C.IncomingCalls, Outgoing: C.OutgoingCalls,
			Successful: C.Successful, Failed: C.Failed, Aborted: C.Aborted,
			Current: s.CurrentCalls, Peak: s.PeakCalls,
		},
		Failures: SummaryFailures{},
		Messages: SummaryMessages{
			Retransmissions: C.Retransmissions, Unexpected: C.Unexpected, Timeouts: C.Timeouts,
			OutOfCall: C.OutOfCall, DeadCall: C.DeadCall, ParseErrors: C.ParseErrors,
			AutoAnswered: C.AutoAnswered, Warnings: C.Warnings, FatalErrors: C.FatalErrors,
		},
		ResponseTimes: []SummaryDist{},
		CallLength:    summaryDist("", s.CallLength(true)),
		Counters:      map[string]uint64{},
		Steps:         []SummaryStep{},
	}
	sum.ElapsedSeconds = float64(s.Elapsed(true)) / float64(time.Second)
	sum.Rates.AverageCPS = round3(s.CallRate(true))
	if s.Users >= 0 {
		sum.Rates.Users = s.Users
	} else {
		r := info.TargetRate
		if r == 0 {
			r = s.TargetRate
		}
		sum.Rates.TargetCPS = r
	}
	classified := uint64(0)
	for c := range NumFailureClasses {
		sum.Failures[c.String()] = C.FailedBy[c]
		classified += C.FailedBy[c]
	}
	sum.Failures[FailUnclassified.String()] = C.Failed - min(classified, C.Failed)
	for i, n := range s.Layout.RTDNames {
		sum.ResponseTimes = append(sum.ResponseTimes, summaryDist(n, s.RTD(i, true)))
	}
	for i, n := range s.Layout.Counters {
		sum.Counters[n] = at(C.Counters, i)
	}
	for i, c := range C.Commands {
		st := SummaryStep{Index: i, Sent: c.Sent, Received: c.Received, Retrans: c.Retrans,
			Timeouts: c.Timeouts, Unexpected: c.Unexpected}
		if i < len(info.Commands) {
			st.Label = info.Commands[i]
		}
		sum.Steps = append(sum.Steps, st)
	}
	if m := s.Mirror; m.Enabled {
		sum.HEP = &SummaryHEP{Sent: m.Sent, Dropped: m.Dropped}
	}
	return sum
}

func summaryDist(name string, d Dist) SummaryDist {
	return SummaryDist{Name: name, Count: d.Count, MeanMS: msf(d.Mean), StdDevMS: msf(d.StdDev),
		MinMS: msf(d.Min), P50MS: msf(d.P50), P90MS: msf(d.P90), P99MS: msf(d.P99),
		P999MS: msf(d.P999), MaxMS: msf(d.Max)}
}

// msf converts d to milliseconds, rounded to the microsecond.
func msf(d time.Duration) float64 { return round3(float64(d.Round(time.Microsecond)) / 1e6) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// WriteJSON writes the summary as indented JSON followed by a newline.
func (s *Summary) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}
