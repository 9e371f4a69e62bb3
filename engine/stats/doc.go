// Package stats counts what a gossip run does and reports it the way SIPp
// does.
//
// Each shard owns a Recorder and is its only writer. Recording a call, a
// message or a response time costs a few nanoseconds and never allocates:
// counters are atomics, and durations (response times, call lengths, in
// microseconds from 1 µs to one hour) go into HDR histograms with 3
// significant digits that the shard fills under an uncontended mutex.
//
// One aggregator goroutine owns a Collector over all the recorders. Each
// Snapshot swaps every recorder's histograms for empty ones (double
// buffering), merges them outside the recorder's lock and sums the counters;
// it reports cumulative values since the start of the run and periodic values
// since the previous snapshot of the same Period, SIPp's (C) and (P) columns.
// Outputs that refresh at different rates (the screen every -f seconds, the
// statistics file every -fd) each use their own Period.
//
// A Snapshot feeds the outputs:
//   - StatFile writes SIPp 3.6.1's -trace_stat CSV, column for column;
//   - CountsFile and ErrorCodesFile write SIPp's -trace_counts and
//     -trace_error_codes files;
//   - WriteScreen (SIPp's scenario screen) and WriteScreenNumber (every
//     screen the number keys select) write the live screens, WriteAllScreens
//     the -trace_screen file;
//   - WriteSummary writes the end-of-run statistics table;
//   - HdrLog writes an HdrHistogram interval log (-trace_hdr) from the
//     snapshots of a NewHistogramPeriod;
//   - NewSummary builds the -summary_json document (Summary);
//   - Snapshot.RTD and Snapshot.CallLength give count, mean, standard
//     deviation, minimum, maximum and the p50/p90/p99/p99.9 percentiles for
//     JSON summaries and the API, and Collector.RTDHistogram and
//     Collector.CallLengthHistogram give the histograms themselves.
//
// Every call that starts ends in exactly one of CallSucceeded, CallFailed
// (with its SIPp failure class) or CallAborted (still running at shutdown).
package stats
