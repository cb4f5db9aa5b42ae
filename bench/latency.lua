-- wrk hook: after the run, print one machine-readable line that bench/run.py parses.
-- Latencies are in microseconds; wrk counts any status >= 400 in errors.status.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %.0f, "p95_us": %.0f, ' ..
    '"status_errors": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    e.status, e.connect, e.read, e.write, e.timeout))
end
